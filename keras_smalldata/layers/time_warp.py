"""The `TimeWarp` layer."""

import keras
from keras import ops

from keras_smalldata._validation import check_non_negative, check_positive_int
from keras_smalldata.layers._series_layer import (
    SeriesAugmentationLayer,
    resample,
    smooth_curve,
    time_grid,
)

# Slowest relative speed of the warped clock; keeps the warp strictly monotone.
_MIN_SPEED = 0.05


@keras.saving.register_keras_serializable(package="keras_smalldata")
class TimeWarp(SeriesAugmentationLayer):
    """Distorts time smoothly and monotonically (Um et al. 2017).

    A smooth random speed curve (a cubic spline through `knots + 2` values drawn
    from `N(1, stddev^2)`, per series and channel) is integrated into a warped
    clock that starts at the first step and ends at the last; the series is
    resampled on that clock by linear interpolation, so its length stays the
    same. The speed is kept above 0.05, so time never runs backwards.

    The layer augments only when called with `training=True` (as `model.fit`
    does) and is the identity otherwise.

    Args:
        stddev: float >= 0. Standard deviation of the speed values. Defaults to
            `0.2`.
        knots: int >= 1. Number of interior knots. Defaults to `4`.
        seed: int or None. Random seed. Defaults to `None`.

    Input shape:
        3D `(batch, steps, channels)` with steps >= 2, any numeric dtype.

    Output shape:
        Same shape and dtype as the input.

    Example:

    >>> ramp = np.linspace(0, 1, 50, dtype="float32").reshape(1, 50, 1)
    >>> warped = np.asarray(
    ...     keras_smalldata.layers.TimeWarp(0.3, seed=0)(ramp, training=True)
    ... )
    >>> bool(np.all(np.diff(warped[0, :, 0]) >= 0))  # monotone clock
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
        speed = ops.maximum(smooth_curve(values, shape[1]), _MIN_SPEED)
        clock = ops.cumsum(speed, axis=1) - speed[:, :1]
        last = ops.cast(shape[1] - 1, "float32")
        clock = clock / clock[:, -1:] * last
        # Pin the end to the last step: XLA's vectorized division (JAX backend)
        # can give x / x = 1 - 2**-24, which moved the last sample off the end.
        clock = ops.where(time_grid(shape[1]) == last, last, clock)
        return resample(x, clock)

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "knots": self.knots})
        return config
