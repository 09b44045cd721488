"""The `WindowSlice` layer."""

import keras
from keras import ops

from keras_smalldata._validation import check_fraction
from keras_smalldata.layers._series_layer import (
    SeriesAugmentationLayer,
    resample,
    time_grid,
)


@keras.saving.register_keras_serializable(package="keras_smalldata")
class WindowSlice(SeriesAugmentationLayer):
    """Crops a random window and stretches it back to full length.

    The window covers `ratio` of the series (Le Guennec et al. 2016, as in Iwana
    & Uchida 2021), starts at a random point per series, and is resampled to the
    original length by linear interpolation; all channels share the window.

    The layer augments only when called with `training=True` (as `model.fit`
    does) and is the identity otherwise.

    Args:
        ratio: float in (0, 1]. Window length as a fraction of the series.
            Defaults to `0.9`.
        seed: int or None. Random seed. Defaults to `None`.

    Input shape:
        3D `(batch, steps, channels)` with steps >= 2, any numeric dtype.

    Output shape:
        Same shape and dtype as the input.

    Example:

    >>> ramp = np.linspace(0, 1, 11, dtype="float32").reshape(1, 11, 1)
    >>> out = keras_smalldata.layers.WindowSlice(0.5, seed=0)(ramp, training=True)
    >>> span = float(np.ptp(np.asarray(out)))
    >>> round(span, 3)
    0.5
    """

    def __init__(self, ratio=0.9, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.ratio = check_fraction(ratio, "ratio", low_inclusive=False)

    def get_random_transformation(self, data, training=True, seed=None):
        # Where the window starts, as a fraction of the room it has.
        return {"start": self._random_uniform((ops.shape(data)[0], 1, 1), seed=seed)}

    def transform_series(self, series, transformation, training=True):
        shape = ops.shape(series)
        last = ops.cast(shape[1] - 1, "float32")
        length = self.ratio * last
        start = transformation["start"] * (last - length)
        return resample(series, start + time_grid(shape[1]) * (length / last))

    def get_config(self):
        config = super().get_config()
        config.update({"ratio": self.ratio})
        return config
