"""The `MagnitudeWarp` layer."""

import keras
from keras import ops

from keras_smalldata._validation import check_non_negative, check_positive_int
from keras_smalldata.layers._series_layer import SeriesAugmentationLayer, smooth_curve


@keras.saving.register_keras_serializable(package="keras_smalldata")
class MagnitudeWarp(SeriesAugmentationLayer):
    """Multiplies each series by a smooth random curve (Um et al. 2017).

    The curve passes through `knots + 2` values drawn from `N(1, stddev^2)`,
    spread evenly over the series (ends included), per series and channel, and
    is interpolated with a cubic (Catmull-Rom) spline.

    The layer augments only when called with `training=True` (as `model.fit`
    does) and is the identity otherwise.

    Args:
        stddev: float >= 0. Standard deviation of the curve's values. Defaults
            to `0.2`.
        knots: int >= 1. Number of interior knots. Defaults to `4`.
        seed: int or None. Random seed. Defaults to `None`.

    Input shape:
        3D `(batch, steps, channels)` with steps >= 2, any numeric dtype.

    Output shape:
        Same shape and dtype as the input.

    Example:

    >>> x = np.ones((2, 100, 1), dtype="float32")
    >>> layer = keras_smalldata.layers.MagnitudeWarp(0.2, knots=4, seed=0)
    >>> curve = np.asarray(layer(x, training=True))[0, :, 0]
    >>> bool(np.abs(np.diff(curve)).max() < 0.1)  # smooth
    True
    """

    def __init__(self, stddev=0.2, knots=4, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.stddev = check_non_negative(stddev, "stddev")
        self.knots = check_positive_int(knots, "knots")

    def augment(self, x):
        shape = ops.shape(x)
        values = self.random_normal(
            (shape[0], self.knots + 2, shape[2]), 1.0, self.stddev
        )
        return x * smooth_curve(values, shape[1])

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "knots": self.knots})
        return config
