"""Private base class of the image augmentation layers."""

import warnings

import keras
from keras import ops

from keras_smalldata._validation import check_choice, check_value_range
from keras_smalldata.layers import _range_checks
from keras_smalldata.layers._augmentation_layer import AugmentationLayer


class ImageAugmentationLayer(AugmentationLayer):
    """Base of the image layers: HWC / NHWC / channels-first handling.

    Subclasses implement `augment(images)` on a float32 NHWC batch whose values
    lie in `self.value_range` (when they take one). The base class accepts HWC and
    NHWC input (CHW / NCHW with `data_format="channels_first"`) and returns the
    input's layout and dtype; see `AugmentationLayer` for the rest.

    Layers with a `value_range` refuse integer images that cannot lie in it
    (when a call or a functional model is traced) and warn once if the values
    of their first eager training call miss it (see `_range_checks.py`).
    """

    ranks = (3, 4)

    def __init__(self, value_range=None, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        # Layers that take `value_range` pass it here and add it to their config.
        if value_range is not None:
            value_range = check_value_range(value_range)
        self.value_range = value_range
        self._values_checked = False
        if data_format is None:
            data_format = keras.config.image_data_format()
        self.data_format = check_choice(
            data_format, "data_format", {"channels_last", "channels_first"}
        )

    @property
    def layout(self):
        if self.data_format == "channels_first":
            return "CHW or NCHW images"
        return "HWC or NHWC images"

    def check_dtype(self, dtype):
        super().check_dtype(dtype)
        if self.value_range is not None:
            _range_checks.check_integer_range(
                self.__class__.__name__, dtype, self.value_range
            )

    def check_values(self, x):
        if (
            self.value_range is None
            or self._values_checked
            or not _range_checks.is_concrete(x)
        ):
            return
        self._values_checked = True
        mismatch = _range_checks.range_mismatch(x, self.value_range)
        if mismatch is not None:
            warnings.warn(
                f"{self.__class__.__name__} ({self.name}) got images that do not "
                f"match its `value_range`: {mismatch}. Pass the range the images "
                "use, e.g. value_range=(0, 255) for 8-bit values or (0, 1) for "
                "scaled ones. (Checked once, on the first eager training call.)",
                UserWarning,
                stacklevel=2,
            )

    def to_canonical(self, x):
        if len(x.shape) == 3:
            x = ops.expand_dims(x, 0)
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 2, 3, 1))
        return x

    def from_canonical(self, x, rank):
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 3, 1, 2))
        if rank == 3:
            x = ops.squeeze(x, 0)
        return x

    def to_unit(self, images):
        """Maps images from `value_range` to [0, 255]."""
        low, high = self.value_range
        return (images - low) * (255.0 / (high - low))

    def from_unit(self, images):
        low, high = self.value_range
        return images * ((high - low) / 255.0) + low

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format})
        return config
