"""MixUp and CutMix of one batch `(x, y)`, shared by `mixup`, `cutmix` and
`AugmentedSequence`.

Every sample `i` is mixed with a partner `partner[i]` (a random permutation of the
batch) with its own weight `lam[i] ~ Beta(alpha, alpha)`; its label becomes
`w[i] * y[i] + (1 - w[i]) * y[partner[i]]`, where `w[i]` is the weight of the
sample's own input in the mixed input: `lam[i]` for MixUp, the fraction of
entries (columns, steps or pixels) it keeps for CutMix.
"""

import keras
from keras import ops

from keras_smalldata._validation import check_number

METHODS = ("mixup", "cutmix")
DEFAULT_ALPHA = {"mixup": 0.2, "cutmix": 1.0}
_CUTMIX_KINDS = {
    2: "tabular rows (batch, features)",
    3: "sequences (batch, steps, channels)",
    4: "images (batch, height, width, channels)",
}


def check_alpha(alpha):
    return check_number(
        alpha,
        "alpha",
        low=0,
        closed="neither",
        hint="the Beta(alpha, alpha) parameter of the mixing weights",
    )


def check_inputs(shape, method):
    """Checks the (batched) shape of `x` for `method`."""
    rank = len(shape)
    if method == "cutmix" and rank not in _CUTMIX_KINDS:
        raise ValueError(
            "cutmix mixes " + ", ".join(_CUTMIX_KINDS.values()) + ". "
            f"Received: x.shape={tuple(shape)}"
        )
    if rank < 2:
        raise ValueError(
            f"{method} expects inputs with a batch axis, of shape (batch, ...). "
            f"Received: x.shape={tuple(shape)}"
        )


def check_labels(shape, dtype, method):
    """Checks that labels of this (batched) shape and dtype can be mixed."""
    try:
        dtype = keras.backend.standardize_dtype(dtype)
    except ValueError:  # Strings and objects, e.g. numpy's "<U5".
        dtype = str(dtype)
    if "float" not in dtype and "int" not in dtype and dtype != "bool":
        raise TypeError(
            f"{method} mixes one-hot or soft labels: numbers of a float dtype. "
            f"Received: y.dtype={dtype}"
        )
    if "int" in dtype or dtype == "bool":
        raise ValueError(
            f"{method} mixes one-hot or soft labels, not integer class labels. "
            "Convert class indices with `keras.utils.to_categorical(y, "
            f"num_classes)` first. Received: y.dtype={dtype}, "
            f"y.shape={tuple(shape)}"
        )
    if len(shape) != 2:
        raise ValueError(
            f"{method} expects one-hot or soft labels of shape (batch, "
            "num_classes); convert class indices with "
            "`keras.utils.to_categorical(y, num_classes)`. "
            f"Received: y.shape={tuple(shape)}"
        )


def check_dataset(dataset, method):
    """Checks that `dataset` yields batches `(x, y)` that `method` can mix."""
    import tensorflow as tf

    if not isinstance(dataset, tf.data.Dataset):
        raise TypeError(
            f"{method} expects a `tf.data.Dataset` of batches (x, y); for NumPy "
            "arrays use `keras_smalldata.data.AugmentedSequence`. "
            f"Received: dataset={dataset!r} of type {type(dataset).__name__}"
        )
    spec = dataset.element_spec
    if not (
        isinstance(spec, tuple)
        and len(spec) == 2
        and all(isinstance(s, tf.TensorSpec) for s in spec)
    ):
        raise ValueError(
            f"{method} expects a dataset of pairs (x, y) of dense tensors. "
            f"Received: dataset.element_spec={spec}"
        )
    x_spec, y_spec = spec
    if x_spec.shape.rank is None or y_spec.shape.rank is None:
        raise ValueError(
            f"{method} needs the ranks of x and y to be known. "
            f"Received: dataset.element_spec={spec}"
        )
    x_batch = x_spec.shape[0] if x_spec.shape.rank else None
    y_batch = y_spec.shape[0] if y_spec.shape.rank else None
    looks_unbatched = (
        x_spec.shape.rank < 2
        or y_spec.shape.rank == 0
        or (y_spec.shape.rank == 1 and y_spec.dtype.is_floating)
        or (x_batch is not None and y_batch is not None and x_batch != y_batch)
    )
    if looks_unbatched:
        raise ValueError(
            f"{method} expects a batched dataset: x of shape (batch, ...) and y "
            "of shape (batch, num_classes). Batch it first with "
            "`dataset.batch(batch_size)`; convert class indices with "
            "`keras.utils.to_categorical(y, num_classes)`. "
            f"Received: dataset.element_spec={spec}"
        )
    check_labels(y_spec.shape, y_spec.dtype.name, method)
    check_inputs(x_spec.shape, method)
    if not (
        x_spec.dtype.is_floating or x_spec.dtype.is_integer or x_spec.dtype.is_bool
    ):
        raise TypeError(
            f"{method} mixes numeric inputs. Received: x.dtype={x_spec.dtype.name}"
        )


def mix_dataset(dataset, method, alpha, seed):
    """Checks the arguments and returns `dataset` with every batch mixed."""
    check_dataset(dataset, method)
    mixer = BatchMixer(method, check_alpha(alpha))
    # tf.data runs on the CPU: keep the generator's state there, so that no batch
    # reaches across devices for its seed.
    with keras.device("cpu"):
        seed_generator = keras.random.SeedGenerator(seed)

    def mix(x, y):
        return mixer(x, y, seed_generator)

    # Sequential `map` (no `num_parallel_calls`): batches draw from the seed
    # generator in order, so a seed gives the same batches every time. Each pass
    # over the dataset continues the generator, so every epoch mixes anew.
    return dataset.map(mix)


class BatchMixer:
    """MixUp or CutMix of one batch, drawing from a given `SeedGenerator`.

    Returns `(x, y)` with `y` in float32; MixUp returns `x` in float32, CutMix
    keeps the dtype of `x` (it only moves entries).
    """

    def __init__(self, method, alpha):
        self.method = method
        self.alpha = alpha
        # `keras.layers.MixUp` does what MixUp needs for images (a weight per
        # image from Beta(alpha, alpha), a permutation of the batch as partners,
        # the labels mixed with the same weights), so images go through it.
        # `keras.layers.CutMix` does not fit: its weights come from
        # Beta(a, a) with `a` drawn once per batch from `factor`, not from
        # `alpha`, and its labels use the area of the continuous box while it
        # pastes whole pixels, so the labels do not match the pasted area
        # exactly. CutMix is implemented below for all data kinds.
        self._keras_mixup = None
        if method == "mixup":
            self._keras_mixup = keras.layers.MixUp(alpha=alpha, dtype="float32")

    def __call__(self, x, y, seed_generator):
        y = ops.cast(y, "float32")
        if self.method == "mixup":
            return self._mixup(ops.cast(x, "float32"), y, seed_generator)
        return self._cutmix(ops.convert_to_tensor(x), y, seed_generator)

    def _mixup(self, x, y, seed_generator):
        rank = len(x.shape)
        if rank == 4:
            layer = self._keras_mixup
            transformation = layer.get_random_transformation(x, seed=seed_generator)
            return (
                layer.transform_images(x, transformation),
                layer.transform_labels(y, transformation),
            )
        batch_size = ops.shape(x)[0]
        lam = keras.random.beta(
            (batch_size,), self.alpha, self.alpha, seed=seed_generator
        )
        partner = _partners(batch_size, seed_generator)
        w = ops.reshape(lam, (-1,) + (1,) * (rank - 1))
        x = w * x + (1.0 - w) * ops.take(x, partner, axis=0)
        return x, _mix_labels(y, partner, lam)

    def _cutmix(self, x, y, seed_generator):
        shape = ops.shape(x)
        rank = len(x.shape)
        batch_size = shape[0]
        lam = keras.random.beta(
            (batch_size,), self.alpha, self.alpha, seed=seed_generator
        )
        partner = _partners(batch_size, seed_generator)
        if rank == 2:
            pasted = _column_mask(1.0 - lam, shape[1], seed_generator)
        else:
            # A window of steps (sequences) or a box of pixels (images), the same
            # for every channel; its sides scale as (1 - lam) ** (1 / axes) so
            # that its size is about the fraction 1 - lam.
            pasted = _box_mask(1.0 - lam, shape[1 : rank - 1], seed_generator)
            pasted = ops.expand_dims(pasted, -1)
        # The label weight is the fraction of entries each sample keeps, counted
        # on the mask itself, so labels match the mixed inputs exactly.
        pasted_fraction = ops.mean(
            ops.cast(pasted, "float32"), axis=tuple(range(1, rank))
        )
        x = ops.where(pasted, ops.take(x, partner, axis=0), x)
        return x, _mix_labels(y, partner, 1.0 - pasted_fraction)


def _partners(batch_size, seed_generator):
    return keras.random.shuffle(ops.arange(batch_size), seed=seed_generator)


def _mix_labels(y, partner, weight):
    weight = ops.expand_dims(ops.cast(weight, "float32"), -1)
    return weight * y + (1.0 - weight) * ops.take(y, partner, axis=0)


def _column_mask(fraction, num_columns, seed_generator):
    """(batch, columns) mask, True on round(fraction * columns) random columns."""
    batch_size = ops.shape(fraction)[0]
    count = ops.round(fraction * ops.cast(num_columns, "float32"))
    scores = keras.random.uniform((batch_size, num_columns), seed=seed_generator)
    ranks = ops.argsort(ops.argsort(scores, axis=-1), axis=-1)
    return ops.cast(ranks, "float32") < ops.expand_dims(count, -1)


def _box_mask(fraction, sizes, seed_generator):
    """(batch, *sizes) mask, True on one random box per sample.

    Each side has length round(fraction ** (1 / len(sizes)) * size) and lies
    inside the sample, at a uniformly random integer offset.
    """
    batch_size = ops.shape(fraction)[0]
    side_fraction = fraction ** (1.0 / len(sizes))
    mask = None
    for axis, size in enumerate(sizes):
        size = ops.cast(size, "float32")
        length = ops.round(side_fraction * size)
        offset = ops.floor(
            keras.random.uniform((batch_size,), seed=seed_generator)
            * (size - length + 1.0)
        )
        offset = ops.minimum(offset, size - length)
        positions = ops.arange(size, dtype="float32")
        inside = (positions >= offset[:, None]) & (
            positions < (offset + length)[:, None]
        )
        # Broadcast to (batch, 1, ..., size, ..., 1) and combine the axes.
        for other in range(len(sizes)):
            if other != axis:
                inside = ops.expand_dims(inside, other + 1)
        mask = inside if mask is None else mask & inside
    return mask
