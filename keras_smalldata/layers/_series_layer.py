"""Private base class and helpers of the time-series augmentation layers.

Um et al. 2017 ("Data augmentation of wearable sensor data ...") and Iwana &
Uchida 2021 ("An empirical survey of data augmentation for time series
classification with neural networks") define the transforms.
"""

from keras import ops

from keras_smalldata._validation import check_non_negative, check_positive_int
from keras_smalldata.layers._augmentation_layer import AugmentationLayer


class SeriesAugmentationLayer(AugmentationLayer):
    """Base of the layers for `(batch, steps, channels)` series.

    Subclasses draw in `get_random_transformation` and apply the draw to a
    float32 batch in `transform_series(series, transformation, training)`.
    """

    _ranks = (3,)
    _layout = "(batch, steps, channels)"

    def transform_series(self, series, transformation, training=True):
        raise NotImplementedError

    def _transform(self, x, transformation, training):
        return self.transform_series(x, transformation, training=training)

    def _check_rank(self, shape):
        super()._check_rank(shape)
        if shape[1] is not None and shape[1] < 2:
            raise ValueError(
                f"{type(self).__name__} needs series of at least 2 steps. "
                f"Received: inputs.shape={tuple(shape)}"
            )


class SmoothCurveLayer(SeriesAugmentationLayer):
    """Base of `MagnitudeWarp` and `TimeWarp`: one smooth curve per series.

    The draw is `knots + 2` values from N(1, stddev^2) per series and channel,
    which `smooth_curve` spreads over the steps in `transform_series`.
    """

    def __init__(self, stddev=0.2, knots=4, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.stddev = check_non_negative(stddev, "stddev")
        self.knots = check_positive_int(knots, "knots")

    def get_random_transformation(self, data, training=True, seed=None):
        shape = ops.shape(data)
        knots = self._random_normal(
            (shape[0], self.knots + 2, shape[2]), 1.0, self.stddev, seed=seed
        )
        return {"knots": knots}

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "knots": self.knots})
        return config


def smooth_curve(knots, steps):
    """Catmull-Rom spline through `knots` spread evenly over `steps` points.

    Args:
        knots: float tensor `(batch, num_knots, channels)`, num_knots >= 2.
        steps: number of output points.

    Returns:
        float tensor `(batch, steps, channels)` passing through the knots.
    """
    num_knots = knots.shape[1]
    t = ops.cast(ops.arange(steps), "float32")
    spacing = ops.cast(steps - 1, "float32") / (num_knots - 1)
    scaled = t / spacing
    segment = ops.clip(ops.floor(scaled), 0, num_knots - 2)
    u = ops.reshape(scaled - segment, (1, -1, 1))
    segment = ops.cast(segment, "int32")

    def knot(offset):
        return ops.take(knots, ops.clip(segment + offset, 0, num_knots - 1), axis=1)

    p0, p1, p2, p3 = knot(-1), knot(0), knot(1), knot(2)
    return 0.5 * (
        2.0 * p1
        + (p2 - p0) * u
        + (2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3) * u**2
        + (3.0 * p1 - p0 - 3.0 * p2 + p3) * u**3
    )


def resample(series, positions):
    """Linear interpolation of `series` at fractional time `positions`.

    Args:
        series: float tensor `(batch, steps, channels)`.
        positions: float tensor `(batch, steps, channels or 1)` in
            `[0, steps - 1]`.
    """
    shape = ops.shape(series)
    last = ops.cast(shape[1] - 1, "float32")
    positions = ops.broadcast_to(ops.clip(positions, 0.0, last), shape)
    lower = ops.floor(positions)
    weight = positions - lower
    lower = ops.cast(lower, "int32")
    upper = ops.minimum(lower + 1, shape[1] - 1)
    first = ops.take_along_axis(series, lower, axis=1)
    second = ops.take_along_axis(series, upper, axis=1)
    return first + (second - first) * weight


def time_grid(steps):
    """`[0, 1, ..., steps - 1]` as float32 of shape `(1, steps, 1)`."""
    return ops.reshape(ops.cast(ops.arange(steps), "float32"), (1, -1, 1))
