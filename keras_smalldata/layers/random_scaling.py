"""The `RandomScaling` layer."""

import keras
from keras import ops

from keras_smalldata._validation import check_non_negative
from keras_smalldata.layers._series_layer import SeriesAugmentationLayer


@keras.saving.register_keras_serializable(package="keras_smalldata")
class RandomScaling(SeriesAugmentationLayer):
    """Multiplies each series' channel by one random factor (Um et al. 2017).

    The factor is drawn from `N(1, stddev^2)`, once per series and channel.

    The layer augments only when called with `training=True` (as `model.fit`
    does) and is the identity otherwise.

    Args:
        stddev: float >= 0. Standard deviation of the factor. Defaults to `0.1`.
        seed: int or None. Random seed. Defaults to `None`.

    Input shape:
        3D `(batch, steps, channels)` with steps >= 2, any numeric dtype.

    Output shape:
        Same shape and dtype as the input.

    Example:

    >>> x = np.ones((2, 50, 3), dtype="float32")
    >>> out = np.asarray(
    ...     keras_smalldata.layers.RandomScaling(0.1, seed=0)(x, training=True)
    ... )
    >>> bool(np.allclose(out, out[:, :1]))  # one factor along time
    True
    """

    def __init__(self, stddev=0.1, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.stddev = check_non_negative(stddev, "stddev")

    def get_random_transformation(self, data, training=True, seed=None):
        shape = ops.shape(data)
        factor = self._random_normal(
            (shape[0], 1, shape[2]), 1.0, self.stddev, seed=seed
        )
        return {"factor": factor}

    def transform_series(self, series, transformation, training=True):
        return series * transformation["factor"]

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev})
        return config
