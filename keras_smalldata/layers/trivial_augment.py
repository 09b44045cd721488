"""The `TrivialAugment` layer."""

import math

import keras
from keras import ops

from keras_smalldata._validation import check_choice, check_positive_int
from keras_smalldata.layers import _color_ops
from keras_smalldata.layers._grouping import apply_by_group
from keras_smalldata.layers._image_layer import ImageAugmentationLayer, images_of

# TrivialAugmentWide's operations (Müller & Hutter 2021, torchvision's table):
# (name, magnitude at the top bin, signed). Translation is a fraction of the image
# size: torchvision's 32 pixels at ImageNet's 224.
OPS = (
    ("identity", 0.0, False),
    ("shear_x", 0.99, True),
    ("shear_y", 0.99, True),
    ("translate_x", 32 / 224, True),
    ("translate_y", 32 / 224, True),
    ("rotate", 135.0, True),
    ("brightness", 0.99, True),
    ("color", 0.99, True),
    ("contrast", 0.99, True),
    ("sharpness", 0.99, True),
    ("posterize", 6.0, False),
    ("solarize", 255.0, False),
    ("autocontrast", 0.0, False),
    ("equalize", 0.0, False),
)
_GEOMETRIC = ("shear_x", "shear_y", "translate_x", "translate_y", "rotate")
_NAMES = [name for name, _, _ in OPS]
_IS_GEOMETRIC = [int(name in _GEOMETRIC) for name in _NAMES]


@keras.saving.register_keras_serializable(package="keras_smalldata")
class TrivialAugment(ImageAugmentationLayer):
    """TrivialAugmentWide: one random operation at one random strength per image.

    Each image gets one operation drawn uniformly from identity, shear x/y,
    translate x/y, rotate, brightness, color, contrast, sharpness, posterize,
    solarize, autocontrast and equalize, and one magnitude bin drawn uniformly
    from `num_magnitude_bins` (Müller & Hutter, ICCV 2021), with torchvision's
    magnitudes (translation is up to 32/224 of the image size). Under the
    TensorFlow backend images are split by operation and each runs through its
    own operation only, so the cost per image is one operation, not fourteen
    (other backends compute every operation on the batch and select per image).

    The layer augments only when called with `training=True` (as `model.fit`
    does) and is the identity otherwise. In a `tf.data` pipeline (TensorFlow
    backend) call it as `layer(images, training=True)`.

    Like Keras' image layers, it also takes a dict `{"images", "labels",
    "bounding_boxes", "segmentation_masks"}`: the geometric operations move an
    image's mask (nearest neighbours, filled with 0) and its bounding boxes (in
    `bounding_box_format`; the box enclosing the moved corners, cut at the image
    border, with the label -1 once it has no area, as in Keras) with the image;
    the photometric operations leave masks and boxes as they are.

    Args:
        value_range: tuple of two numbers. The range of the input values, e.g.
            `(0, 255)` or `(0, 1)`. Integer images that cannot lie in it (a range
            ending at 1 or below, or beyond the dtype) raise `ValueError`; values
            far outside it warn on the first eager training call. Defaults to
            `(0, 255)`.
        num_magnitude_bins: int >= 2. Number of magnitude levels. Defaults to 31.
        interpolation: `"bilinear"` or `"nearest"` (torchvision's default). How
            the geometric operations sample the images. Defaults to
            `"bilinear"`.
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
        Same shape and dtype as the input (a dict of the same keys for a dict).

    Example:

    >>> layer = keras_smalldata.layers.TrivialAugment(value_range=(0, 1), seed=0)
    >>> images = np.random.uniform(0, 1, (8, 16, 16, 3)).astype("float32")
    >>> augmented = layer(images, training=True)
    >>> tuple(augmented.shape)
    (8, 16, 16, 3)
    >>> bool(np.all(np.asarray(layer(images)) == images))  # inert at inference
    True
    """

    _moves_pixels = True

    def __init__(
        self,
        value_range=(0, 255),
        num_magnitude_bins=31,
        interpolation="bilinear",
        seed=None,
        data_format=None,
        bounding_box_format=None,
        **kwargs,
    ):
        super().__init__(
            value_range=value_range,
            seed=seed,
            data_format=data_format,
            bounding_box_format=bounding_box_format,
            **kwargs,
        )
        self.interpolation = check_choice(
            interpolation, "interpolation", {"bilinear", "nearest"}
        )
        self.num_magnitude_bins = check_positive_int(
            num_magnitude_bins, "num_magnitude_bins"
        )
        if self.num_magnitude_bins < 2:
            raise ValueError(
                "`num_magnitude_bins` must be at least 2. "
                f"Received: num_magnitude_bins={num_magnitude_bins}"
            )
        # Operations that share an implementation run as one group.
        self._groups = [
            ("identity",),
            _GEOMETRIC,
            ("brightness",),
            ("color",),
            ("contrast",),
            ("sharpness",),
            ("posterize",),
            ("solarize",),
            ("autocontrast",),
            ("equalize",),
        ]
        group_of = {name: g for g, names in enumerate(self._groups) for name in names}
        self._group_of_op = [group_of[name] for name in _NAMES]

    def get_random_transformation(self, data, training=True, seed=None):
        """Each image's operation (an index into `OPS`) and signed magnitude."""
        batch = ops.shape(images_of(data))[0]
        op = ops.cast(self._random_uniform((batch,), 0, len(OPS), seed=seed), "int32")
        op = ops.minimum(op, len(OPS) - 1)
        bins = ops.cast(
            self._random_uniform((batch,), 0, self.num_magnitude_bins, seed=seed),
            "int32",
        )
        level = ops.cast(ops.minimum(bins, self.num_magnitude_bins - 1), "float32")
        level = level / (self.num_magnitude_bins - 1)
        signed = ops.take(ops.convert_to_tensor([s for _, _, s in OPS]), op)
        flip = self._random_uniform((batch,), seed=seed) < 0.5
        sign = ops.where(ops.logical_and(signed, flip), -1.0, 1.0)
        top = ops.take(ops.convert_to_tensor([m for _, m, _ in OPS], "float32"), op)
        shape = ops.shape(images_of(data))
        return {
            "op": op,
            "magnitude": sign * level * top,
            "image_size": (shape[1], shape[2]),
        }

    def transform_images(self, images, transformation, training=True):
        op, magnitude = transformation["op"], transformation["magnitude"]
        group = ops.take(ops.convert_to_tensor(self._group_of_op, "int32"), op)
        fns = [
            lambda x, op, m: x,
            self._geometric,
            lambda x, op, m: _color_ops.brightness(x, 1.0 + m),
            lambda x, op, m: _color_ops.color(x, 1.0 + m),
            lambda x, op, m: _color_ops.contrast(x, 1.0 + m),
            lambda x, op, m: _color_ops.sharpness(x, 1.0 + m),
            # Bits kept: 8 at the lowest bin down to 2 at the top one.
            lambda x, op, m: _color_ops.posterize(x, 8.0 - ops.round(m)),
            lambda x, op, m: _color_ops.solarize(x, 255.0 - m),
            lambda x, op, m: _color_ops.autocontrast(x),
            lambda x, op, m: _color_ops.equalize(x),
        ]
        # The operations assume values in the range (PIL's 0-255): values outside
        # it, infinities included, are clipped first as they are at the end. NaN
        # stays NaN and never reaches another image.
        unit = self._to_unit(ops.clip(images, *self.value_range))
        unit = apply_by_group(fns, group, unit, op, magnitude)
        return ops.clip(self._from_unit(unit), *self.value_range)

    def transform_segmentation_masks(
        self, segmentation_masks, transformation, training=True
    ):
        # The geometric operations move the mask with nearest neighbours (labels
        # are not blended); the others leave it as it is.
        geometric = ops.take(
            ops.convert_to_tensor(_IS_GEOMETRIC, "int32"), transformation["op"]
        )
        fns = [
            lambda x, op, m: x,
            lambda x, op, m: self._geometric(x, op, m, "nearest"),
        ]
        return apply_by_group(
            fns,
            geometric,
            segmentation_masks,
            transformation["op"],
            transformation["magnitude"],
        )

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        # Each corner goes where the image moves it (the inverse of the sampling
        # map); the new box encloses the four (Keras' convention for rotations).
        # Photometric operations get the identity map.
        boxes = bounding_boxes["boxes"]
        a0, a1, ox, a2, a3, oy = _sampling_map(
            transformation["op"],
            transformation["magnitude"],
            *transformation["image_size"],
        )
        # Pixel edges to pixel centers (the map's coordinates) and back.
        x = ops.stack([boxes[..., 0], boxes[..., 2], boxes[..., 2], boxes[..., 0]], -1)
        y = ops.stack([boxes[..., 1], boxes[..., 1], boxes[..., 3], boxes[..., 3]], -1)
        x, y = x - 0.5 - ox[:, None, None], y - 0.5 - oy[:, None, None]
        det = a0 * a3 - a1 * a2
        a0, a1, a2, a3, det = (v[:, None, None] for v in (a0, a1, a2, a3, det))
        new_x = (a3 * x - a1 * y) / det + 0.5
        new_y = (a0 * y - a2 * x) / det + 0.5
        moved = ops.stack(
            [
                ops.min(new_x, axis=-1),
                ops.min(new_y, axis=-1),
                ops.max(new_x, axis=-1),
                ops.max(new_y, axis=-1),
            ],
            axis=-1,
        )
        return {**bounding_boxes, "boxes": moved}

    def _geometric(self, images, op, magnitude, interpolation=None):
        """Shears, translations and rotations as one batched affine transform."""
        shape = ops.shape(images)
        zero = ops.zeros_like(magnitude)
        transform = ops.stack(
            [*_sampling_map(op, magnitude, shape[1], shape[2]), zero, zero], axis=1
        )
        return ops.image.affine_transform(
            images,
            transform,
            interpolation=interpolation or self.interpolation,
            fill_mode="constant",
            fill_value=0,
            data_format="channels_last",
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "value_range": self.value_range,
                "num_magnitude_bins": self.num_magnitude_bins,
                "interpolation": self.interpolation,
                "bounding_box_format": self.bounding_box_format,
            }
        )
        return config


def _sampling_map(op, magnitude, height, width):
    """Per image, the map from output to input pixel centers of `_GEOMETRIC`.

    Returns `(a0, a1, offset_x, a2, a3, offset_y)`, each `(batch,)`: output pixel
    `(x, y)` samples input `(a0 x + a1 y + offset_x, a2 x + a3 y + offset_y)`.
    Images whose operation is not geometric get the identity.
    """
    height = ops.cast(height, "float32")
    width = ops.cast(width, "float32")
    is_op = {name: ops.equal(op, _NAMES.index(name)) for name in _GEOMETRIC}
    zero = ops.zeros_like(magnitude)
    shear_x = ops.where(is_op["shear_x"], magnitude, zero)
    shear_y = ops.where(is_op["shear_y"], magnitude, zero)
    shift_x = ops.where(is_op["translate_x"], magnitude * width, zero)
    shift_y = ops.where(is_op["translate_y"], magnitude * height, zero)
    angle = ops.where(is_op["rotate"], magnitude * (math.pi / 180.0), zero)
    # Output pixel p samples input pixel A @ (p - c) + c - shift, c the image
    # center. Each image has exactly one of the five operations, so
    # A = [[cos, sin + shear_x], [shear_y - sin, cos]] is that one operation.
    cos, sin = ops.cos(angle), ops.sin(angle)
    a = (cos, sin + shear_x, shear_y - sin, cos)
    center_x = (width - 1.0) / 2.0
    center_y = (height - 1.0) / 2.0
    offset_x = center_x - a[0] * center_x - a[1] * center_y - shift_x
    offset_y = center_y - a[2] * center_x - a[3] * center_y - shift_y
    return a[0], a[1], offset_x, a[2], a[3], offset_y
