"""Private base class of the image augmentation layers."""

import keras
from keras import ops

from keras_smalldata.layers._validation import check_choice, check_value_range


class ImageAugmentationLayer(keras.layers.Layer):
    """Base of the image layers: input checks, dtype and layout handling.

    Subclasses implement `augment(images)` on a float32 NHWC batch whose values lie
    in `self.value_range`, and may override `infer(images)` (the identity by
    default) for what the layer does when not training. The base class

    - accepts HWC and NHWC input (CHW / NCHW with `data_format="channels_first"`),
    - computes in float32 whatever the input dtype (uint8, float16, float32, ...)
      and returns the input's dtype (integers rounded and clipped),
    - returns `infer(images)` unless `training` is truthy, like
      `keras.layers.Dropout`: augmentation happens in `fit`, never in `predict`
      or a serving export.
    """

    def __init__(self, value_range=None, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        # Layers that take `value_range` pass it here and add it to their config.
        if value_range is not None:
            value_range = check_value_range(value_range)
        self.value_range = value_range
        self.seed = seed
        if data_format is None:
            data_format = keras.config.image_data_format()
        self.data_format = check_choice(
            data_format, "data_format", {"channels_last", "channels_first"}
        )
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = False

    def augment(self, images):
        raise NotImplementedError

    def infer(self, images):
        return images

    def call(self, images, training=None):
        images = ops.convert_to_tensor(images)
        self._check_rank(images.shape)
        dtype = images.dtype
        x = ops.cast(images, "float32")
        unbatched = len(images.shape) == 3
        if unbatched:
            x = ops.expand_dims(x, 0)
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 2, 3, 1))
        if training:
            x = self.augment(x)
        else:
            x = self.infer(x)
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 3, 1, 2))
        if unbatched:
            x = ops.squeeze(x, 0)
        return restore_dtype(x, dtype)

    def _check_rank(self, shape):
        if len(shape) not in (3, 4):
            layout = "CHW or NCHW" if self.data_format == "channels_first" else "HWC"
            layout = "HWC or NHWC" if layout == "HWC" else layout
            raise ValueError(
                f"{self.__class__.__name__} expects images of rank 3 or 4 "
                f"({layout}). Received: images.shape={tuple(shape)}"
            )

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        return tuple(input_shape)

    def compute_output_spec(self, images, training=None):
        shape = self.compute_output_shape(images.shape)
        dtype = images.dtype
        if "float" in keras.backend.standardize_dtype(dtype):
            dtype = self.compute_dtype
        return keras.KerasTensor(shape, dtype=dtype)

    def random_uniform(self, shape, minval=0.0, maxval=1.0):
        return keras.random.uniform(
            shape, minval=minval, maxval=maxval, seed=self.seed_generator
        )

    def to_unit(self, images):
        """Maps images from `value_range` to [0, 255]."""
        low, high = self.value_range
        return (images - low) * (255.0 / (high - low))

    def from_unit(self, images):
        low, high = self.value_range
        return images * ((high - low) / 255.0) + low

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed, "data_format": self.data_format})
        return config


def restore_dtype(images, dtype):
    """Casts float32 `images` to `dtype`, rounding and clipping for integers."""
    dtype = keras.backend.standardize_dtype(dtype)
    if "int" in dtype:
        info = _int_range(dtype)
        images = ops.clip(ops.round(images), info[0], info[1])
    return ops.cast(images, dtype)


def _int_range(dtype):
    import numpy as np

    info = np.iinfo(dtype)
    return float(info.min), float(info.max)
