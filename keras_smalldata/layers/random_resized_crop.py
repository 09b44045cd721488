"""The `RandomResizedCrop` layer."""

import math
import numbers

import keras
from keras import ops

from keras_smalldata._validation import check_choice, check_positive_int
from keras_smalldata.layers._crop_and_resize import crop_and_resize
from keras_smalldata.layers._image_layer import ImageAugmentationLayer, images_of

_NUM_TRIES = 10


@keras.saving.register_keras_serializable(package="keras_smalldata")
class RandomResizedCrop(ImageAugmentationLayer):
    """Crops a random box of each image and resizes it (Inception-style).

    In training, each image gets its own box: its area is a fraction of the image
    drawn uniformly from `scale`, its aspect ratio (width / height) is drawn
    log-uniformly from `ratio`, its sides are rounded to whole pixels and its
    position is drawn uniformly where it fits (up to 10 draws, then a center
    crop, as in torchvision). The box is cut out and resized to `(height, width)`
    (bilinear with half-pixel centers, as `tf.image.resize`; integer images are
    resized as they are and rounded once). When not training, the layer takes
    the largest centered box with the target aspect ratio and resizes it, so
    inference is deterministic.

    The layer augments only when called with `training=True` (as `model.fit`
    does); `model.predict`, `model(x)` and serving exports get the center crop. In
    a `tf.data` pipeline (TensorFlow backend) call it as
    `layer(images, training=True)`.

    Like Keras' image layers, the layer also takes a dict `{"images": ...,
    "segmentation_masks": ..., "bounding_boxes": {"boxes": ..., "labels": ...},
    "labels": ...}` and applies each image's box to its mask (nearest
    neighbours, so labels stay labels) and to its bounding boxes (in
    `bounding_box_format`; a box is cut at the crop's border, and one left with
    no area gets the label -1, as in Keras). Labels pass through.

    Args:
        height: int. Output height.
        width: int. Output width.
        scale: tuple of two floats in (0, 1]. Range of the box area as a fraction
            of the image area. Defaults to `(0.08, 1.0)`.
        ratio: tuple of two positive floats. Range of the box aspect ratio
            (width / height). Defaults to `(3/4, 4/3)`.
        interpolation: `"bilinear"` or `"nearest"`. Defaults to `"bilinear"`.
        horizontal_flip: bool. Whether to also mirror each image (and its mask
            and boxes) left to right with probability 0.5 in training, in the
            same resampling pass: the usual crop + flip recipe at the cost of
            the crop alone (a separate `keras.layers.RandomFlip` costs about as
            much again, see docs/benchmarks.md). Defaults to `False`.
        seed: int or None. Random seed. Defaults to `None`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.
        bounding_box_format: str or None. The format of `"bounding_boxes"` in a
            dict input, one of Keras' (`"xyxy"`, `"yxyx"`, `"xywh"`,
            `"center_xywh"`, `"center_yxhw"` and their `"rel_"` versions).
            Needed only for such inputs. Defaults to `None`.

    Input shape:
        3D `(height, width, channels)` or 4D `(batch, height, width, channels)`
        (channels first with `data_format="channels_first"`), any dtype; or a
        dict of images, masks of the images' shape (any channels), boxes
        `(batch, num_boxes, 4)` with labels `(batch, num_boxes)`, and labels.

    Output shape:
        The input shape with height and width replaced by `height` and `width`;
        the input's dtype. A dict input gives a dict of the same keys.

    Example:

    >>> layer = keras_smalldata.layers.RandomResizedCrop(24, 24, seed=0)
    >>> images = np.random.uniform(0, 255, (4, 32, 32, 3)).astype("float32")
    >>> tuple(layer(images, training=True).shape)
    (4, 24, 24, 3)
    >>> tuple(layer(images).shape)  # center crop at inference
    (4, 24, 24, 3)

    An image, its mask and its boxes, cropped alike:

    >>> layer = keras_smalldata.layers.RandomResizedCrop(
    ...     24, 24, bounding_box_format="xyxy", seed=0
    ... )
    >>> data = {
    ...     "images": images,
    ...     "segmentation_masks": (images[..., :1] > 128).astype("uint8"),
    ...     "bounding_boxes": {
    ...         "boxes": np.tile([[[4.0, 4.0, 20.0, 20.0]]], (4, 1, 1)),
    ...         "labels": np.ones((4, 1), "int32"),
    ...     },
    ... }
    >>> out = layer(data, training=True)
    >>> tuple(out["segmentation_masks"].shape)
    (4, 24, 24, 1)
    >>> tuple(out["bounding_boxes"]["boxes"].shape)
    (4, 1, 4)
    """

    _transforms_at_inference = True
    _moves_pixels = True
    _keeps_dtype = True

    def __init__(
        self,
        height,
        width,
        scale=(0.08, 1.0),
        ratio=(3 / 4, 4 / 3),
        interpolation="bilinear",
        horizontal_flip=False,
        seed=None,
        data_format=None,
        bounding_box_format=None,
        **kwargs,
    ):
        super().__init__(
            seed=seed,
            data_format=data_format,
            bounding_box_format=bounding_box_format,
            **kwargs,
        )
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
        if not isinstance(horizontal_flip, bool):
            raise TypeError(
                "`horizontal_flip` must be True or False. "
                f"Received: horizontal_flip={horizontal_flip!r}"
            )
        self.horizontal_flip = horizontal_flip

    def get_random_transformation(self, data, training=True, seed=None):
        """Each image's box: `{"crop": (batch, 4)}`, (top, left, h, w), whole pixels."""
        images = images_of(data)
        if not training:
            return {"crop": self._center_crop(images)}
        shape = ops.shape(images)
        batch = shape[0]
        height = ops.cast(shape[1], "float32")
        width = ops.cast(shape[2], "float32")
        # Every per-image parameter in one draw: each `keras.random` call adds a
        # seed update and kernel launches to the batch.
        draws = self._random_uniform((batch, 2 * _NUM_TRIES + 3), seed=seed)
        low, high = self.scale
        area = height * width * (low + (high - low) * draws[:, :_NUM_TRIES])
        low, high = math.log(self.ratio[0]), math.log(self.ratio[1])
        log_ratio = low + (high - low) * draws[:, _NUM_TRIES : 2 * _NUM_TRIES]
        # Whole pixels, as torchvision rounds them: the kernels cut the box out.
        box_w = ops.round(ops.sqrt(area * ops.exp(log_ratio)))
        box_h = ops.round(ops.sqrt(area / ops.exp(log_ratio)))
        fits = ops.logical_and(
            ops.logical_and(box_w >= 1, box_w <= width),
            ops.logical_and(box_h >= 1, box_h <= height),
        )
        first = ops.argmax(ops.cast(fits, "int32"), axis=1)[:, None]
        any_fits = ops.any(fits, axis=1)
        box_w = ops.take_along_axis(box_w, first, axis=1)[:, 0]
        box_h = ops.take_along_axis(box_h, first, axis=1)[:, 0]
        # Fallback when no draw fits: a center crop with the ratio clipped.
        fallback_h, fallback_w = self._center_box(height, width, self.ratio)
        box_h = ops.where(any_fits, box_h, fallback_h)
        box_w = ops.where(any_fits, box_w, fallback_w)
        # Uniform over the whole-pixel positions where it fits (draws lie in
        # [0, 1)); the fallback box is centered.
        top = ops.where(
            any_fits,
            ops.floor(draws[:, 2 * _NUM_TRIES] * (height - box_h + 1)),
            ops.floor((height - box_h) / 2),
        )
        left = ops.where(
            any_fits,
            ops.floor(draws[:, 2 * _NUM_TRIES + 1] * (width - box_w + 1)),
            ops.floor((width - box_w) / 2),
        )
        crop = ops.stack([top, left, box_h, box_w], axis=1)
        if not self.horizontal_flip:
            return {"crop": crop}
        return {"crop": crop, "flip": draws[:, 2 * _NUM_TRIES + 2] < 0.5}

    def transform_images(self, images, transformation, training=True):
        return crop_and_resize(
            images,
            transformation["crop"],
            (self.height, self.width),
            self.interpolation,
            transformation.get("flip"),
        )

    def transform_segmentation_masks(
        self, segmentation_masks, transformation, training=True
    ):
        # Nearest neighbours: a mask's labels are not blended.
        return crop_and_resize(
            segmentation_masks,
            transformation["crop"],
            (self.height, self.width),
            "nearest",
            transformation.get("flip"),
        )

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        # The crop's corner goes to 0 and its sides stretch to the output size;
        # the base class clips what falls outside.
        top, left, box_h, box_w = (
            transformation["crop"][:, i : i + 1] for i in range(4)
        )
        x1, y1, x2, y2 = (bounding_boxes["boxes"][..., i] for i in range(4))
        scale_x = self.width / box_w
        scale_y = self.height / box_h
        boxes = ops.stack(
            [
                (x1 - left) * scale_x,
                (y1 - top) * scale_y,
                (x2 - left) * scale_x,
                (y2 - top) * scale_y,
            ],
            axis=-1,
        )
        if "flip" in transformation:
            flip = transformation["flip"][:, None]
            x1, x2 = boxes[..., 0], boxes[..., 2]
            boxes = ops.stack(
                [
                    ops.where(flip, self.width - x2, x1),
                    boxes[..., 1],
                    ops.where(flip, self.width - x1, x2),
                    boxes[..., 3],
                ],
                axis=-1,
            )
        return {**bounding_boxes, "boxes": boxes}

    def _center_crop(self, images):
        shape = ops.shape(images)
        height = ops.cast(shape[1], "float32")
        width = ops.cast(shape[2], "float32")
        target = self.width / self.height
        box_h, box_w = self._center_box(height, width, (target, target))
        top = ops.floor((height - box_h) / 2)
        left = ops.floor((width - box_w) / 2)
        box = ops.stack([top, left, box_h, box_w])
        return ops.broadcast_to(box[None, :], (shape[0], 4))

    @staticmethod
    def _center_box(height, width, ratio_range):
        """Largest whole-pixel (h, w) box whose ratio w / h is the image's clipped."""
        ratio = ops.clip(width / height, ratio_range[0], ratio_range[1])
        # A ratio below float32's range (e.g. 1e-50) is 0 here: 0 / 0 boxes.
        ratio = ops.maximum(ratio, 1e-30)
        box_w = ops.minimum(width, height * ratio)
        box_h = ops.clip(ops.round(box_w / ratio), 1.0, height)
        return box_h, ops.clip(ops.round(box_w), 1.0, width)

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
                "horizontal_flip": self.horizontal_flip,
                "bounding_box_format": self.bounding_box_format,
            }
        )
        return config


def _is_pair(value):
    return (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, numbers.Real) for v in value)
    )
