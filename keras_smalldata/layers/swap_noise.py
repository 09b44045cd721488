"""The `SwapNoise` layer."""

import keras
from keras import ops

from keras_smalldata._validation import check_fraction
from keras_smalldata.layers._tabular_layer import TabularAugmentationLayer


@keras.saving.register_keras_serializable(package="keras_smalldata")
class SwapNoise(TabularAugmentationLayer):
    """Replaces random entries with the same column's value from another row.

    Each entry is, with probability `rate`, swapped for the value of the same
    column in another row of the batch drawn at random: the "swap noise" of
    denoising autoencoders for tabular data (Porto Seguro winning solution, 2017).
    Values stay within each column's observed set, so categorical codes and
    one-hot columns remain valid values of their column.

    The layer augments only when called with `training=True` (as `model.fit`
    does) and is the identity otherwise. It needs batches of at least two rows to
    swap anything.

    Args:
        rate: float in [0, 1]. Probability that an entry is swapped. Defaults
            to `0.15`.
        columns: list of column indices, a boolean mask, or None for all
            columns. Defaults to `None`.
        seed: int or None. Random seed. Defaults to `None`.

    Input shape:
        2D `(batch, features)`, any numeric dtype.

    Output shape:
        Same shape and dtype as the input.

    Example:

    >>> x = np.arange(40, dtype="float32").reshape(10, 4)
    >>> swapped = np.asarray(
    ...     keras_smalldata.layers.SwapNoise(0.5, seed=0)(x, training=True)
    ... )
    >>> all(set(swapped[:, j]) <= set(x[:, j]) for j in range(4))
    True
    """

    def __init__(self, rate=0.15, columns=None, seed=None, **kwargs):
        super().__init__(columns=columns, seed=seed, **kwargs)
        self.rate = check_fraction(rate, "rate")

    def get_random_transformation(self, data, training=True, seed=None):
        shape = ops.shape(data)
        # Per entry: which other row gives the value, and whether it swaps.
        donor = self._random_uniform(shape, seed=seed)
        swap = self._random_uniform(shape, seed=seed)
        return {"donor": donor, "swap": swap}

    def transform_features(self, features, transformation, training=True):
        x = features
        batch = ops.shape(x)[0]
        # Another row: an offset in [1, batch) from this one, modulo batch.
        offset = ops.floor(transformation["donor"] * ops.cast(batch - 1, "float32"))
        rows = ops.arange(batch)[:, None] + 1 + ops.cast(offset, "int32")
        donors = ops.take_along_axis(x, ops.mod(rows, ops.maximum(batch, 1)), axis=0)
        swap = ops.logical_and(
            transformation["swap"] < self.rate,
            self._column_mask(x.shape[-1]) > 0,
        )
        return ops.where(swap, donors, x)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate})
        return config
