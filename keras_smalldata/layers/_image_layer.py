"""Private base class of the image augmentation layers."""

import warnings

import keras
from keras import ops

from keras_smalldata._validation import check_choice, check_value_range
from keras_smalldata.layers import _boxes, _range_checks
from keras_smalldata.layers._augmentation_layer import (
    AugmentationLayer,
    restore_dtype,
)

# The dict Keras' image layers take and return: the images and what follows them.
KEYS = ("images", "labels", "bounding_boxes", "segmentation_masks")


class ImageAugmentationLayer(AugmentationLayer):
    """Base of the image layers: layouts, value ranges and Keras' dict inputs.

    Subclasses draw in `get_random_transformation(data, training, seed)` and
    apply the draw in `transform_images(images, transformation, training)` to a
    float32 NHWC batch (in the input's dtype for layers that set `_keeps_dtype`)
    whose values lie in `self.value_range` (when they take
    one). The base class accepts HWC and NHWC input (CHW / NCHW with
    `data_format="channels_first"`) and returns the input's layout and dtype; see
    `AugmentationLayer` for the rest.

    Like Keras' image layers, the layers also take and return a dict
    `{"images", "labels", "bounding_boxes", "segmentation_masks"}` ("images"
    required): the draw is made once and applied to every entry. Layers that move
    pixels (a crop, a rotation) set `_moves_pixels` and implement
    `transform_segmentation_masks` (float32 masks in the canonical layout, to be
    sampled with nearest neighbours so that labels stay labels) and
    `transform_bounding_boxes` (`xyxy` pixel boxes of the canonical image; the
    base class converts from and to `bounding_box_format` and clips the result
    to the output image, see `_boxes.py`). Other layers change pixel values
    only: their masks and boxes pass through unchanged. Labels pass through
    `transform_labels`, the identity here.

    Layers with a `value_range` refuse integer images that cannot lie in it
    (when a call or a functional model is traced) and warn once if the values
    of their first eager training call miss it (see `_range_checks.py`).
    """

    _ranks = (3, 4)
    _moves_pixels = False

    def __init__(
        self,
        value_range=None,
        seed=None,
        data_format=None,
        bounding_box_format=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        # Layers that take `value_range` (or `bounding_box_format`) pass it here
        # and add it to their config.
        if value_range is not None:
            value_range = check_value_range(value_range)
        self.value_range = value_range
        self._values_checked = False
        if data_format is None:
            data_format = keras.config.image_data_format()
        self.data_format = check_choice(
            data_format, "data_format", {"channels_last", "channels_first"}
        )
        if bounding_box_format is not None:
            check_choice(bounding_box_format, "bounding_box_format", _boxes.FORMATS)
        self.bounding_box_format = bounding_box_format

    def transform_images(self, images, transformation, training=True):
        raise NotImplementedError

    def transform_segmentation_masks(
        self, segmentation_masks, transformation, training=True
    ):
        return segmentation_masks

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def _transform(self, x, transformation, training):
        return self.transform_images(x, transformation, training=training)

    def call(self, inputs, training=None):
        if isinstance(inputs, dict):
            return self._call_on_dict(inputs, training)
        return super().call(inputs, training=training)

    def _call_on_dict(self, data, training):
        images, masks, boxes = self._check_dict(data)
        outputs = dict(data)
        if not training and not self._transforms_at_inference:
            return outputs
        training = bool(training)
        rank = len(images.shape)
        canonical = {"images": self._prepare(images, training)}
        if "labels" in data:
            canonical["labels"] = data["labels"]
        if masks is not None:
            canonical["segmentation_masks"] = self._to_canonical(
                ops.cast(masks, "float32")
            )
        if boxes is not None:
            if rank == 3:
                boxes = {key: ops.expand_dims(value, 0) for key, value in boxes.items()}
            shape = ops.shape(canonical["images"])
            canonical["bounding_boxes"] = _boxes.to_pixels(
                boxes, self.bounding_box_format, shape[1], shape[2]
            )

        transformation = self.get_random_transformation(canonical, training=training)
        x = self.transform_images(canonical["images"], transformation, training)
        outputs["images"] = restore_dtype(self._from_canonical(x, rank), images.dtype)
        if masks is not None:
            moved = self.transform_segmentation_masks(
                canonical["segmentation_masks"], transformation, training
            )
            moved = restore_dtype(self._from_canonical(moved, rank), masks.dtype)
            outputs["segmentation_masks"] = moved
        if boxes is not None:
            moved = self.transform_bounding_boxes(
                canonical["bounding_boxes"], transformation, training
            )
            shape = ops.shape(x)
            moved = _boxes.from_pixels(
                moved, self.bounding_box_format, shape[1], shape[2]
            )
            if rank == 3:
                moved = {key: ops.squeeze(value, 0) for key, value in moved.items()}
            outputs["bounding_boxes"] = moved
        if "labels" in data:
            outputs["labels"] = self.transform_labels(
                data["labels"], transformation, training
            )
        return outputs

    def _check_dict(self, data):
        """Checks a dict input; returns its images, and the masks and boxes to move.

        Masks and boxes are None unless the layer moves pixels (the others pass
        them through as they are).
        """
        check_keys(type(self).__name__, data)
        images = ops.convert_to_tensor(data["images"])
        self._check_input(images)
        if not self._moves_pixels:
            return images, None, None
        masks = boxes = None
        if "segmentation_masks" in data:
            masks = ops.convert_to_tensor(data["segmentation_masks"])
            self._check_masks(masks.shape, masks.dtype, images.shape)
        if "bounding_boxes" in data:
            if self.bounding_box_format is None:
                raise ValueError(
                    f"{type(self).__name__} got 'bounding_boxes' but does not "
                    "know their format: pass it, e.g. "
                    "`bounding_box_format='xyxy'`. Received: bounding_box_format=None"
                )
            boxes = _boxes.check_bounding_boxes(
                type(self).__name__, data["bounding_boxes"], len(images.shape) == 4
            )
        return images, masks, boxes

    def _check_masks(self, shape, dtype, images_shape):
        rank = len(images_shape)
        channel = rank - 3 if self.data_format == "channels_first" else rank - 1
        kept = [axis for axis in range(rank) if axis != channel]
        if len(shape) != rank or any(
            shape[a] is not None
            and images_shape[a] is not None
            and shape[a] != images_shape[a]
            for a in kept
        ):
            raise ValueError(
                f"{type(self).__name__} expects segmentation masks of the images' "
                f"shape but for the channels ({self._layout}). Received: "
                f"segmentation_masks.shape={tuple(shape)} for "
                f"images.shape={tuple(images_shape)}"
            )
        dtype = keras.backend.standardize_dtype(dtype)
        if not ("int" in dtype or "float" in dtype):
            raise TypeError(
                f"{type(self).__name__} expects integer or float segmentation "
                f"masks. Received: segmentation_masks.dtype={dtype}"
            )

    def compute_output_spec(self, inputs, training=None):
        if not isinstance(inputs, dict):
            return super().compute_output_spec(inputs, training=training)
        check_keys(type(self).__name__, inputs)
        outputs = dict(inputs)
        images = inputs["images"]
        outputs["images"] = super().compute_output_spec(images, training=training)
        masks = inputs.get("segmentation_masks")
        if self._moves_pixels and masks is not None:
            self._check_masks(masks.shape, masks.dtype, images.shape)
            shape = self.compute_output_shape(masks.shape)
            outputs["segmentation_masks"] = keras.KerasTensor(shape, masks.dtype)
        boxes = inputs.get("bounding_boxes")
        if self._moves_pixels and boxes is not None:
            outputs["bounding_boxes"] = {
                "boxes": keras.KerasTensor(boxes["boxes"].shape, "float32"),
                "labels": keras.KerasTensor(
                    boxes["labels"].shape, boxes["labels"].dtype
                ),
            }
        return outputs

    @property
    def _layout(self):
        if self.data_format == "channels_first":
            return "CHW or NCHW images"
        return "HWC or NHWC images"

    def _check_dtype(self, dtype):
        super()._check_dtype(dtype)
        if self.value_range is not None:
            _range_checks.check_integer_range(
                self.__class__.__name__, dtype, self.value_range
            )

    def _check_values(self, x):
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

    def _to_canonical(self, x):
        if len(x.shape) == 3:
            x = ops.expand_dims(x, 0)
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 2, 3, 1))
        return x

    def _from_canonical(self, x, rank):
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 3, 1, 2))
        if rank == 3:
            x = ops.squeeze(x, 0)
        return x

    def _to_unit(self, images):
        """Maps images from `value_range` to [0, 255]."""
        low, high = self.value_range
        return (images - low) * (255.0 / (high - low))

    def _from_unit(self, images):
        low, high = self.value_range
        return images * ((high - low) / 255.0) + low

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format})
        return config


def check_keys(layer_name, data):
    """Raises `ValueError` unless `data` is a dict of Keras' image-layer keys."""
    unknown = sorted(set(data) - set(KEYS))
    if "images" not in data or unknown:
        raise ValueError(
            f"{layer_name} takes images, or a dict with the keys {list(KEYS)} "
            "('images' required) as Keras' image layers do. "
            f"Received: a dict with the keys {sorted(data)}"
        )


def images_of(data):
    """The images of a layer's input: `data` itself or `data["images"]`."""
    return data["images"] if isinstance(data, dict) else data
