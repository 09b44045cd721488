"""Class labels as integers or one-hot: checked, and converted either way.

Shared by `models.VAE`, `data.SyntheticDataGenerator` and
`evaluation.train_synthetic_test_real`.
"""

import numpy as np
from keras import ops


def one_hot_tensor(labels, num_classes):
    """One-hot float32 labels from integer `(n,)`/`(n, 1)` or one-hot `(n, C)`.

    Works on traced tensors (inside `fit`), so it only looks at static shapes.
    """
    labels = ops.convert_to_tensor(labels)
    if getattr(labels.shape, "rank", 0) is None:
        # Only TensorFlow has tensors of unknown rank. `fit`, `evaluate` and
        # `predict` pass labels one-hot, so this is a direct call.
        raise ValueError(
            "Labels must have a known rank: integers of shape (n,) or (n, 1), or "
            f"one-hot of shape (n, {num_classes}). Received: labels.shape=<unknown>"
        )
    shape = tuple(labels.shape)
    if len(shape) == 2 and shape[-1] == num_classes:
        return ops.cast(labels, "float32")
    if len(shape) == 2 and shape[-1] == 1:
        labels = ops.squeeze(labels, axis=-1)
    elif len(shape) != 1:
        raise ValueError(
            "Labels must be integers of shape (n,) or (n, 1), or one-hot of shape "
            f"(n, {num_classes}). Received: labels.shape={shape}"
        )
    return ops.one_hot(ops.cast(labels, "int32"), num_classes)


def integer_labels(labels, num_classes, name="labels"):
    """Checks eager labels and returns them as a 1-D int64 numpy array."""
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == num_classes and num_classes > 1:
        if labels.dtype.kind not in "biuf" or not np.all(
            np.isclose(labels.sum(axis=1), 1.0)
        ):
            raise ValueError(
                f"One-hot `{name}` must have rows summing to 1. "
                f"Received: {name} with shape {labels.shape}"
            )
        return np.argmax(labels, axis=1)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(
            f"`{name}` must be integers of shape (n,) or (n, 1), or one-hot of "
            f"shape (n, {num_classes}). Received: {name}.shape={labels.shape}"
        )
    if labels.dtype.kind not in "biuf" or (
        labels.dtype.kind == "f" and not np.all(labels == np.round(labels))
    ):
        raise ValueError(
            f"`{name}` must hold integer class labels. "
            f"Received: {name} with dtype={labels.dtype}"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"`{name}` must be class indices in [0, {num_classes}). "
            f"Received: {name} with values from {labels.min()} to {labels.max()}"
        )
    return labels.astype("int64")


def one_hot_array(labels, num_classes, name="labels"):
    """Checks eager labels and returns them one-hot, as a float32 numpy array."""
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == num_classes and num_classes > 1:
        # Soft labels (e.g. interpolations) pass through; they must be rows of
        # non-negative weights summing to 1.
        if not np.all(labels >= 0) or not np.allclose(labels.sum(axis=1), 1.0):
            raise ValueError(
                f"One-hot `{name}` must have non-negative rows summing to 1. "
                f"Received: {name} with shape {labels.shape}"
            )
        return labels.astype("float32")
    return np.eye(num_classes, dtype="float32")[
        integer_labels(labels, num_classes, name)
    ]
