"""The `RandomResizedCrop` layer."""

import math
import numbers

import keras
from keras import ops

from keras_smalldata._validation import check_choice, check_positive_int
from keras_smalldata.layers._crop_and_resize import crop_and_resize
from keras_smalldata.layers._image_layer import ImageAugmentationLayer

_NUM_TRIES = 10


@keras.saving.register_keras_serializable(package="keras_smalldata")
class RandomResizedCrop(ImageAugmentationLayer):
    """Crops a random box of each image and resizes it (Inception-style).

    In training, each image gets its own box: its area is a fraction of the image
    drawn uniformly from `scale`, its aspect ratio (width / height) is drawn
    log-uniformly from `ratio`, and its position uniformly where it fits (up to 10
    draws, then a center crop, as in torchvision). The box is resized to
    `(height, width)`. When not training, the layer takes the largest centered box
    with the target aspect ratio and resizes it, so inference is deterministic.

    The layer augments only when called with `training=True` (as `model.fit`
    does); `model.predict`, `model(x)` and serving exports get the center crop. In
    a `tf.data` pipeline (TensorFlow backend) call it as
    `layer(images, training=True)`.

    Args:
        height: int. Output height.
        width: int. Output width.
        scale: tuple of two floats in (0, 1]. Range of the box area as a fraction
            of the image area. Defaults to `(0.08, 1.0)`.
        ratio: tuple of two positive floats. Range of the box aspect ratio
            (width / height). Defaults to `(3/4, 4/3)`.
        interpolation: `"bilinear"` or `"nearest"`. Defaults to `"bilinear"`.
        seed: int or None. Random seed. Defaults to `None`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.

    Input shape:
        3D `(height, width, channels)` or 4D `(batch, height, width, channels)`
        (channels first with `data_format="channels_first"`), any dtype.

    Output shape:
        The input shape with height and width replaced by `height` and `width`;
        the input's dtype.

    Example:

    >>> layer = keras_smalldata.layers.RandomResizedCrop(24, 24, seed=0)
    >>> images = np.random.uniform(0, 255, (4, 32, 32, 3)).astype("float32")
    >>> tuple(layer(images, training=True).shape)
    (4, 24, 24, 3)
    >>> tuple(layer(images).shape)  # center crop at inference
    (4, 24, 24, 3)
    """

    transforms_at_inference = True

    def __init__(
        self,
        height,
        width,
        scale=(0.08, 1.0),
        ratio=(3 / 4, 4 / 3),
        interpolation="bilinear",
        seed=None,
        data_format=None,
        **kwargs,
    ):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height = check_positive_int(height, "height")
        self.width = check_positive_int(width, "width")
        if not _is_pair(scale) or not 0 < scale[0] <= scale[1] <= 1:
            raise ValueError(
                "`scale` must be a pair (low, high) with 0 < low <= high <= 1. "
                f"Received: scale={scale}"
            )
        if not _is_pair(ratio) or not 0 < ratio[0] <= ratio[1]:
            raise ValueError(
                "`ratio` must be a pair (low, high) with 0 < low <= high. "
                f"Received: ratio={ratio}"
            )
        self.scale = tuple(float(v) for v in scale)
        self.ratio = tuple(float(v) for v in ratio)
        self.interpolation = check_choice(
            interpolation, "interpolation", {"bilinear", "nearest"}
        )

    def augment(self, images):
        shape = ops.shape(images)
        batch = shape[0]
        height = ops.cast(shape[1], "float32")
        width = ops.cast(shape[2], "float32")
        area = height * width * self.random_uniform((batch, _NUM_TRIES), *self.scale)
        log_ratio = self.random_uniform(
            (batch, _NUM_TRIES), math.log(self.ratio[0]), math.log(self.ratio[1])
        )
        box_w = ops.sqrt(area * ops.exp(log_ratio))
        box_h = ops.sqrt(area / ops.exp(log_ratio))
        fits = ops.logical_and(box_w <= width, box_h <= height)
        first = ops.argmax(ops.cast(fits, "int32"), axis=1)[:, None]
        any_fits = ops.any(fits, axis=1)
        box_w = ops.take_along_axis(box_w, first, axis=1)[:, 0]
        box_h = ops.take_along_axis(box_h, first, axis=1)[:, 0]
        # Fallback when no draw fits: a center crop with the ratio clipped.
        fallback_h, fallback_w = self._center_box(height, width, self.ratio)
        box_h = ops.where(any_fits, box_h, fallback_h)
        box_w = ops.where(any_fits, box_w, fallback_w)
        # Uniform position where it fits; the fallback box is centered.
        top_draw = ops.where(any_fits, self.random_uniform((batch,)), 0.5)
        left_draw = ops.where(any_fits, self.random_uniform((batch,)), 0.5)
        top = top_draw * (height - box_h)
        left = left_draw * (width - box_w)
        boxes = ops.stack([top, left, box_h, box_w], axis=1)
        return crop_and_resize(
            images, boxes, (self.height, self.width), self.interpolation
        )

    def infer(self, images):
        shape = ops.shape(images)
        height = ops.cast(shape[1], "float32")
        width = ops.cast(shape[2], "float32")
        target = self.width / self.height
        box_h, box_w = self._center_box(height, width, (target, target))
        box = ops.stack([(height - box_h) / 2, (width - box_w) / 2, box_h, box_w])
        boxes = ops.broadcast_to(box[None, :], (shape[0], 4))
        return crop_and_resize(
            images, boxes, (self.height, self.width), self.interpolation
        )

    @staticmethod
    def _center_box(height, width, ratio_range):
        """Largest (h, w) box whose ratio w / h is `height`/`width`'s clipped."""
        ratio = ops.clip(width / height, ratio_range[0], ratio_range[1])
        # A ratio below float32's range (e.g. 1e-50) is 0 here: 0 / 0 boxes.
        ratio = ops.maximum(ratio, 1e-30)
        box_w = ops.minimum(width, height * ratio)
        return box_w / ratio, box_w

    def compute_output_shape(self, input_shape):
        shape = list(super().compute_output_shape(input_shape))
        row = len(shape) - 3 if self.data_format == "channels_last" else len(shape) - 2
        shape[row], shape[row + 1] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "height": self.height,
                "width": self.width,
                "scale": self.scale,
                "ratio": self.ratio,
                "interpolation": self.interpolation,
            }
        )
        return config


def _is_pair(value):
    return (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, numbers.Real) for v in value)
    )
