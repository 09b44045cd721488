"""The `Jitter` layer."""

import keras
from keras import ops

from keras_smalldata._validation import check_non_negative
from keras_smalldata.layers._series_layer import SeriesAugmentationLayer


@keras.saving.register_keras_serializable(package="keras_smalldata")
class Jitter(SeriesAugmentationLayer):
    """Adds Gaussian noise to every step of every series (Um et al. 2017).

    Meant for standardized series: `stddev` is in the series' units.

    The layer augments only when called with `training=True` (as `model.fit`
    does) and is the identity otherwise.

    Args:
        stddev: float >= 0. Noise standard deviation. Defaults to `0.03`.
        seed: int or None. Random seed. Defaults to `None`.

    Input shape:
        3D `(batch, steps, channels)` with steps >= 2, any numeric dtype.

    Output shape:
        Same shape and dtype as the input.

    Example:

    >>> x = np.zeros((2, 50, 3), dtype="float32")
    >>> out = keras_smalldata.layers.Jitter(0.1, seed=0)(x, training=True)
    >>> tuple(out.shape)
    (2, 50, 3)
    """

    def __init__(self, stddev=0.03, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.stddev = check_non_negative(stddev, "stddev")

    def get_random_transformation(self, data, training=True, seed=None):
        noise = self._random_normal(ops.shape(data), stddev=self.stddev, seed=seed)
        return {"noise": noise}

    def transform_series(self, series, transformation, training=True):
        return series + transformation["noise"]

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev})
        return config
