"""Argument checks and batch handling of `SemiSupervised`."""

import keras
from keras import ops

# Keys of a training batch (`keras_smalldata.data.semi_supervised_dataset`).
LABELED, UNLABELED = "labeled", "unlabeled"


def check_classifier(classifier):
    """`(input_shape, num_classes)` of a classifier with known inputs/outputs."""
    if not isinstance(classifier, keras.Model):
        raise ValueError(
            f"`classifier` must be a `keras.Model`. Received: classifier={classifier!r}"
        )
    try:
        inputs, outputs = classifier.inputs, classifier.outputs
    except (AttributeError, ValueError):
        inputs = outputs = None
    if not inputs or not outputs or len(inputs) != 1 or len(outputs) != 1:
        raise ValueError(
            "`classifier` must be a functional or Sequential model with one "
            "input and one output (start a Sequential with `keras.Input`; wrap "
            "a subclassed model: `keras.Model(inputs, model(inputs))`). "
            f"Received: classifier={classifier!r}"
        )
    output_shape = tuple(outputs[0].shape)
    if len(output_shape) != 2 or output_shape[-1] is None or output_shape[-1] < 2:
        raise ValueError(
            "`classifier` must output class scores of shape (batch, num_classes) "
            f"with num_classes >= 2. Received: output shape {output_shape}"
        )
    return tuple(inputs[0].shape), int(output_shape[-1])


def check_policy(policy, name, input_shape):
    if not isinstance(policy, keras.layers.Layer):
        raise ValueError(
            f"`{name}` must be a `keras.layers.Layer` (use `keras.Sequential"
            f"([...])` for several) or None. Received: {name}={policy!r}"
        )
    if not policy.built:
        policy.build(input_shape)
    try:
        output_shape = tuple(policy.compute_output_shape(input_shape))
    except NotImplementedError:
        return policy
    if output_shape != tuple(input_shape):
        raise ValueError(
            f"`{name}` must keep the classifier's input shape {input_shape}. "
            f"Received: {name} mapping it to {output_shape}"
        )
    return policy


def class_indices(labels):
    """int32 class indices from labels of shape `(n,)`, `(n, 1)` or one-hot."""
    if len(labels.shape) == 2 and labels.shape[-1] != 1:
        return ops.cast(ops.argmax(labels, axis=-1), "int32")
    return ops.cast(ops.reshape(labels, (-1,)), "int32")


def labeled_targets(y):
    """The labelled targets of `y`: itself, or `y["labeled"]`."""
    return y[LABELED] if isinstance(y, dict) else y


def check_batch_structure(x):
    if not isinstance(x, dict) or set(x) != {LABELED, UNLABELED}:
        raise ValueError(
            "SemiSupervised trains on batches of labelled and unlabeled samples, "
            '`({"labeled": x, "unlabeled": x_unlabeled}, y)`, as '
            "`keras_smalldata.data.semi_supervised_dataset(x, y, x_unlabeled)` "
            f"makes them. Received: x of type {type(x).__name__}"
            + (f" with keys {sorted(x)}" if isinstance(x, dict) else "")
        )


def targets_to_inputs(data):
    x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
    check_batch_structure(x)
    if sample_weight is not None:
        raise ValueError(
            "SemiSupervised takes no sample weights in training. "
            "Received: sample_weight of type " + type(sample_weight).__name__
        )
    if y is None:
        raise ValueError(
            "SemiSupervised needs the labels of the labelled batch. Received: y=None"
        )
    inputs = dict(x)
    if isinstance(y, dict):
        inputs["labels"] = y[LABELED]
        if y.get(UNLABELED) is not None:
            inputs["unlabeled_labels"] = y[UNLABELED]
    else:
        inputs["labels"] = y
    return keras.utils.pack_x_y_sample_weight(inputs, None, None)
