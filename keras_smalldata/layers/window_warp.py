"""The `WindowWarp` layer."""

import math
import numbers

import keras
from keras import ops

from keras_smalldata._validation import check_fraction
from keras_smalldata.layers._series_layer import (
    SeriesAugmentationLayer,
    resample,
    time_grid,
)


@keras.saving.register_keras_serializable(package="keras_smalldata")
class WindowWarp(SeriesAugmentationLayer):
    """Speeds up or slows down a random window (Le Guennec et al. 2016).

    A window of `window_ratio` of the series, at a random position per series,
    is stretched by a factor drawn uniformly from `scales`; the whole series is
    then resampled to its original length (as in Iwana & Uchida 2021). All
    channels share the warp.

    The layer augments only when called with `training=True` (as `model.fit`
    does) and is the identity otherwise.

    Args:
        window_ratio: float in (0, 1]. Window length as a fraction of the
            series. Defaults to `0.1`.
        scales: non-empty tuple of positive floats. Stretch factors to choose
            from (0.5 halves the window, 2 doubles it). Defaults to `(0.5, 2.0)`.
        seed: int or None. Random seed. Defaults to `None`.

    Input shape:
        3D `(batch, steps, channels)` with steps >= 2, any numeric dtype.

    Output shape:
        Same shape and dtype as the input.

    Example:

    >>> x = np.sin(np.linspace(0, 6, 100, dtype="float32")).reshape(1, 100, 1)
    >>> layer = keras_smalldata.layers.WindowWarp(0.2, scales=(2.0,), seed=0)
    >>> tuple(layer(x, training=True).shape)
    (1, 100, 1)
    """

    def __init__(self, window_ratio=0.1, scales=(0.5, 2.0), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.window_ratio = check_fraction(
            window_ratio, "window_ratio", low_inclusive=False
        )
        if (
            not isinstance(scales, (list, tuple))
            or not scales
            or not all(
                isinstance(s, numbers.Real)
                and not isinstance(s, bool)
                and 0 < s < math.inf
                for s in scales
            )
        ):
            raise ValueError(
                "`scales` must be a non-empty tuple of positive numbers. "
                f"Received: scales={scales!r}"
            )
        self.scales = tuple(float(s) for s in scales)

    def get_random_transformation(self, data, training=True, seed=None):
        batch = ops.shape(data)[0]
        # Where the window starts, as a fraction of the room it has.
        start = self._random_uniform((batch, 1, 1), seed=seed)
        choice = keras.random.randint(
            (batch,), 0, len(self.scales), seed=self._seed(seed)
        )
        scale = ops.reshape(
            ops.take(ops.convert_to_tensor(self.scales), choice), (-1, 1, 1)
        )
        return {"start": start, "scale": scale}

    def transform_series(self, series, transformation, training=True):
        shape = ops.shape(series)
        last = ops.cast(shape[1] - 1, "float32")
        window = self.window_ratio * last
        start = transformation["start"] * (last - window)
        scale = transformation["scale"]
        stretched = window * scale
        # Position u on the warped time axis, mapped back to original time.
        u = time_grid(shape[1]) * ((last - window + stretched) / last)
        inside = start + (u - start) / scale
        after = u - stretched + window
        clock = ops.where(u < start, u, ops.where(u < start + stretched, inside, after))
        return resample(series, clock)

    def get_config(self):
        config = super().get_config()
        config.update({"window_ratio": self.window_ratio, "scales": self.scales})
        return config
