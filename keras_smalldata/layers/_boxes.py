"""Bounding boxes in Keras' formats: checked, moved to pixels and back, clipped.

An image layer that moves pixels gets `{"boxes": (batch, num_boxes, 4),
"labels": (batch, num_boxes)}` as `xyxy` pixel coordinates of its canonical
(channels-last) image, moves them with the pixels, and hands them back here,
where they are clipped to the output image and converted to the user's format.
The conversions and the clipping are Keras' own (`keras.utils.bounding_boxes`),
so the formats and the conventions for boxes that leave the image are those of
Keras' image layers: a box is cut at the image border, and a box left with no
area keeps its row with its label set to -1 (the label Keras pads with).
"""

import keras
from keras import ops

# The formats `keras.utils.bounding_boxes.convert_format` accepts.
FORMATS = (
    "xyxy",
    "yxyx",
    "xywh",
    "center_xywh",
    "center_yxhw",
    "rel_xyxy",
    "rel_yxyx",
    "rel_xywh",
    "rel_center_xywh",
)


def check_bounding_boxes(layer_name, bounding_boxes, batched):
    """Returns `{"boxes": float32 tensor, "labels": tensor}` from the user's dict.

    Boxes are `(batch, num_boxes, 4)` and labels `(batch, num_boxes)` integers
    (`(num_boxes, 4)` and `(num_boxes,)` for a single image).
    """
    if not isinstance(bounding_boxes, dict) or set(bounding_boxes) != {
        "boxes",
        "labels",
    }:
        raise ValueError(
            f"{layer_name} expects `bounding_boxes` as a dict with the keys "
            "'boxes' and 'labels', as Keras' image layers do. "
            f"Received: bounding_boxes={bounding_boxes!r}"
        )
    boxes = ops.cast(ops.convert_to_tensor(bounding_boxes["boxes"]), "float32")
    labels = ops.convert_to_tensor(bounding_boxes["labels"])
    rank = 3 if batched else 2
    layout = "(batch, num_boxes, 4)" if batched else "(num_boxes, 4)"
    if len(boxes.shape) != rank or boxes.shape[-1] != 4:
        raise ValueError(
            f"{layer_name} expects bounding boxes of shape {layout}, padded to "
            "the same number per image (pad with label -1), like its images' "
            f"batch. Received: bounding_boxes['boxes'].shape={tuple(boxes.shape)}"
        )
    if tuple(labels.shape) != tuple(boxes.shape[: rank - 1]):
        raise ValueError(
            f"{layer_name} expects one label per box. Received: "
            f"bounding_boxes['labels'].shape={tuple(labels.shape)} for "
            f"bounding_boxes['boxes'].shape={tuple(boxes.shape)}"
        )
    return {"boxes": boxes, "labels": labels}


def to_pixels(bounding_boxes, source, height, width):
    """The boxes of `bounding_boxes` as `xyxy` pixels of a `height x width` image."""
    boxes = keras.utils.bounding_boxes.convert_format(
        bounding_boxes["boxes"],
        source=source,
        target="xyxy",
        height=height,
        width=width,
    )
    return {"boxes": boxes, "labels": bounding_boxes["labels"]}


def from_pixels(bounding_boxes, target, height, width):
    """Clips `xyxy` pixel boxes to a `height x width` image, converts to `target`.

    Boxes left without area keep their row and get the label -1.
    """
    clipped = keras.utils.bounding_boxes.clip_to_image_size(
        dict(bounding_boxes), height=height, width=width, bounding_box_format="xyxy"
    )
    boxes = keras.utils.bounding_boxes.convert_format(
        clipped["boxes"], source="xyxy", target=target, height=height, width=width
    )
    return {"boxes": boxes, "labels": clipped["labels"]}
