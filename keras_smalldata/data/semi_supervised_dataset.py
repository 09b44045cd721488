"""`semi_supervised_dataset`: labelled and unlabeled batches side by side."""

import math
import random

import numpy as np

from keras_smalldata._validation import (
    check_finite_array,
    check_int,
    check_positive_int,
)


def semi_supervised_dataset(
    x,
    y,
    x_unlabeled,
    batch_size=32,
    ratio=3,
    steps_per_epoch=None,
    y_unlabeled=None,
    seed=None,
):
    """Batches of labelled and unlabeled samples for `SemiSupervised.fit`.

    Every element is one training step: `batch_size` labelled samples and
    `ratio * batch_size` unlabeled ones, as
    `({"labeled": x_batch, "unlabeled": x_unlabeled_batch}, {"labeled":
    y_batch})`. The two sets are shuffled and batched separately, so a batch
    never mixes them, and each is repeated on its own, so every batch is full
    (fixed shapes: one trace, no retracing) whatever the sizes of the sets.

    An epoch is `steps_per_epoch` steps; by default one pass over the
    labelled set, `ceil(len(x) / batch_size)` steps. Both sets are reshuffled
    at every epoch and cycled within it: a labelled batch that runs past the
    end of the set continues with a new permutation (so a batch larger than
    the set holds some samples twice), and the unlabeled set is cycled when an
    epoch needs more unlabeled samples than it holds, sampled without
    replacement when it needs fewer. With a tiny labelled set, set
    `steps_per_epoch` (e.g. 100) so that Keras' per-epoch overhead does not
    dominate one-step epochs.

    `y_unlabeled`, when the labels of the unlabeled samples are known (a
    benchmark), adds `"unlabeled"` to the targets: `SemiSupervised` then logs
    the accuracy of its pseudo-labels. It never trains on them.

    Args:
        x: array `(n, ...)` of labelled inputs.
        y: labels of `x`: integers `(n,)` or one-hot `(n, num_classes)`.
        x_unlabeled: array `(m, ...)` of unlabeled inputs, shaped like `x`.
        batch_size: int. Labelled samples per step. Defaults to `32`.
        ratio: int >= 1. Unlabeled samples per labelled one in a step
            (FixMatch's mu). Defaults to `3`.
        steps_per_epoch: int or `None`. Steps per epoch. Defaults to `None`:
            `ceil(len(x) / batch_size)`.
        y_unlabeled: labels of `x_unlabeled`, for the pseudo-label accuracy
            only, or `None`. Defaults to `None`.
        seed: int or `None`. Seeds the shuffling: the same seed gives the same
            batches, epoch after epoch, whatever TensorFlow's global seed.
            `None` takes one from Python's `random` (which
            `keras.utils.set_random_seed` seeds). Defaults to `None`.

    Returns:
        A `tf.data.Dataset` of `steps_per_epoch` elements `(inputs, targets)`:
        inputs float32, or integers when both sets hold the same integer
        dtype (e.g. uint8 pixels); labels int32, or float32 one-hot.

    Example:

    >>> x, y = keras_smalldata.datasets.load_digits()
    >>> data = keras_smalldata.data.semi_supervised_dataset(
    ...     x[:50], y[:50], x[50:500], batch_size=16, ratio=3, seed=0
    ... )
    >>> inputs, targets = next(iter(data))
    >>> len(data), inputs["labeled"].shape, inputs["unlabeled"].shape
    (4, TensorShape([16, 8, 8, 1]), TensorShape([48, 8, 8, 1]))
    >>> targets["labeled"].shape
    TensorShape([16])
    """
    x = _check_inputs(x, "x")
    x_unlabeled = _check_inputs(x_unlabeled, "x_unlabeled")
    y = _check_labels(y, "y", len(x), "x")
    if x.dtype != x_unlabeled.dtype:
        x, x_unlabeled = x.astype("float32"), x_unlabeled.astype("float32")
    if x_unlabeled.shape[1:] != x.shape[1:]:
        raise ValueError(
            "`x_unlabeled` must hold samples shaped like those of `x`, "
            f"{x.shape[1:]}. Received: x_unlabeled.shape={x_unlabeled.shape}"
        )
    if y_unlabeled is not None:
        y_unlabeled = _check_labels(
            y_unlabeled, "y_unlabeled", len(x_unlabeled), "x_unlabeled"
        )
        if y_unlabeled.shape[1:] != y.shape[1:]:
            raise ValueError(
                "`y_unlabeled` must hold labels shaped like those of `y`, "
                f"{y.shape[1:]}. Received: y_unlabeled.shape={y_unlabeled.shape}"
            )
    batch_size = check_positive_int(batch_size, "batch_size")
    ratio = check_positive_int(ratio, "ratio")
    if steps_per_epoch is None:
        steps_per_epoch = math.ceil(len(x) / batch_size)
    steps_per_epoch = check_positive_int(steps_per_epoch, "steps_per_epoch")
    seed = check_int(seed, "seed", low=0, none_ok=True)

    if seed is None:
        # Keras' default seeds come from Python's `random`, which
        # `keras.utils.set_random_seed` seeds.
        seed = random.randint(0, 2**31 - 2)
    import tensorflow as tf

    order = _BatchOrder(
        len(x), len(x_unlabeled), batch_size, batch_size * ratio, steps_per_epoch, seed
    )
    indices = tf.data.Dataset.from_generator(
        order,
        output_signature=(
            tf.TensorSpec((batch_size,), tf.int64),
            tf.TensorSpec((batch_size * ratio,), tf.int64),
        ),
    )
    x, y, x_unlabeled = (tf.constant(a) for a in (x, y, x_unlabeled))
    if y_unlabeled is not None:
        y_unlabeled = tf.constant(y_unlabeled)

    def gather(labeled, unlabeled):
        inputs = {
            "labeled": tf.gather(x, labeled),
            "unlabeled": tf.gather(x_unlabeled, unlabeled),
        }
        targets = {"labeled": tf.gather(y, labeled)}
        if y_unlabeled is not None:
            targets["unlabeled"] = tf.gather(y_unlabeled, unlabeled)
        return inputs, targets

    return (
        indices.map(gather)
        .apply(tf.data.experimental.assert_cardinality(steps_per_epoch))
        .prefetch(tf.data.AUTOTUNE)
    )


class _BatchOrder:
    """The sample indices of each step: a generator function per epoch.

    Each call (Keras iterates the dataset anew every epoch) yields one epoch of
    `(labelled indices, unlabeled indices)` from permutations drawn by numpy
    from `(seed, set, epoch)`, so the batches depend on `seed` alone (not on
    TensorFlow's global seed, which `tf.data`'s `shuffle` mixes in and which
    another thread may reset) and differ from epoch to epoch.
    """

    def __init__(self, size, unlabeled_size, batch_size, unlabeled_batch, steps, seed):
        self.sizes = (size, unlabeled_size)
        self.batches = (batch_size, unlabeled_batch)
        self.steps = steps
        self.seed = seed
        self.epoch = 0

    def __call__(self):
        epoch, self.epoch = self.epoch, self.epoch + 1
        streams = [
            _cycle(np.random.default_rng([self.seed, part, epoch]), size, batch)
            for part, (size, batch) in enumerate(
                zip(self.sizes, self.batches, strict=True)
            )
        ]
        for _ in range(self.steps):
            yield tuple(next(stream) for stream in streams)


def _cycle(rng, size, batch_size):
    """Endless batches of indices of `range(size)`: permutation after permutation."""
    buffer = np.zeros(0, "int64")
    while True:
        while len(buffer) < batch_size:
            buffer = np.concatenate([buffer, rng.permutation(size)])
        yield buffer[:batch_size]
        buffer = buffer[batch_size:]


def _check_inputs(x, name):
    x = check_finite_array(x, name)
    if x.ndim < 2 or len(x) == 0:
        raise ValueError(
            f"`{name}` must hold at least one sample, of shape (n, ...). "
            f"Received: {name}.shape={x.shape}"
        )
    return x if x.dtype.kind in "iu" else x.astype("float32")


def _check_labels(y, name, n, against):
    y = check_finite_array(y, name)
    if y.ndim not in (1, 2):
        raise ValueError(
            f"`{name}` must hold integer labels (n,) or one-hot labels "
            f"(n, num_classes). Received: {name}.shape={y.shape}"
        )
    if len(y) != n:
        raise ValueError(
            f"`{name}` must hold one label per sample of `{against}` "
            f"(len({against})={n}). Received: len({name})={len(y)}"
        )
    if y.ndim == 2:
        return y.astype("float32")
    if np.any(y != np.round(y)) or np.any(y < 0):
        bad = int(np.flatnonzero((y != np.round(y)) | (y < 0))[0])
        raise ValueError(
            f"`{name}` must hold class indices (integers >= 0) or one-hot rows. "
            f"Received: {name}[{bad}]={y[bad].item()!r}"
        )
    return y.astype("int32")
