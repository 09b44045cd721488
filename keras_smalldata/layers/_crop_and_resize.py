"""Per-image crop and resize: `keras.ops` on any backend, TF kernels under TF."""

import keras
from keras import ops

from keras_smalldata.layers._augmentation_layer import restore_dtype
from keras_smalldata.layers._xla import in_xla_context


def crop_and_resize(images, boxes, size, interpolation="bilinear", flips=None):
    """Cuts a different whole-pixel box out of each image and resizes it to `size`.

    As torchvision's and albumentations' `RandomResizedCrop`: the box's pixels
    are cut out, then resized with half-pixel centers (`tf.image.resize`'s
    sampling); samples past the box's edge take the edge's value, so pixels
    outside the box never reach the output. A box the size of the output is
    the crop itself.

    Args:
        images: tensor `(batch, height, width, channels)`, any real dtype.
        boxes: tensor `(batch, 4)` of `(top, left, box_height, box_width)`, whole
            pixels (integers, in any dtype), each box inside its image with
            sides of at least one pixel.
        size: `(height, width)` of the output.
        interpolation: `"bilinear"` or `"nearest"`.
        flips: bool tensor `(batch,)` or None. Images whose entry is True come out
            mirrored left to right. Defaults to None (none).

    Returns:
        The resized crops in the images' dtype (integers rounded).
    """
    if keras.backend.backend() == "tensorflow" and not in_xla_context():
        return _tf_crop_and_resize(images, boxes, size, interpolation, flips)
    # XLA needs static slice sizes; JAX and torch have no per-image resize.
    return ops_crop_and_resize(images, boxes, size, interpolation, flips)


def _tf_crop_and_resize(images, boxes, size, interpolation, flips):
    """Slices each image's box and resizes it with TensorFlow's resize kernels.

    One image at a time, so that the crop, the rounding of integer images and
    the flip work on an image that stays in the CPU cache. Measured at
    224x224x3, batch 32, one thread, in `tf.data` (docs/benchmarks.md, issue
    18): `RandomResizedCrop` on uint8 went from 1,239 to 2,027-2,261 img/s
    when this replaced `tf.image.crop_and_resize` on a float32 copy of the
    batch (whose cast in and rounding out cost about as much as the crop).
    """
    import tensorflow as tf

    images = tf.convert_to_tensor(images)
    boxes = tf.cast(boxes, "int32")
    if flips is None:
        flips = tf.zeros(tf.shape(boxes)[:1], "bool")
    resize = (
        tf.raw_ops.ResizeBilinear
        if interpolation == "bilinear"
        else tf.raw_ops.ResizeNearestNeighbor
    )

    def one_image(args):
        image, box, flip = args
        crop = image[box[0] : box[0] + box[2], box[1] : box[1] + box[3]]
        out = resize(images=crop[None], size=size, half_pixel_centers=True)[0]
        out = restore_dtype(out, images.dtype)
        return tf.cond(flip, lambda: tf.reverse(out, [1]), lambda: out)

    return tf.map_fn(
        one_image,
        (images, boxes, tf.cast(flips, "bool")),
        fn_output_signature=tf.TensorSpec((*size, images.shape[-1]), images.dtype),
    )


def ops_crop_and_resize(images, boxes, size, interpolation="bilinear", flips=None):
    """`crop_and_resize` written with `keras.ops` only (any backend)."""
    dtype = images.dtype
    images = ops.cast(images, "float32")
    boxes = ops.cast(boxes, "float32")
    top, left, box_h, box_w = (boxes[:, i : i + 1] for i in range(4))
    rows = _sample_positions(top, box_h, size[0], interpolation)
    cols = _sample_positions(left, box_w, size[1], interpolation)
    if flips is not None:
        # Sampling the columns right to left mirrors the crop.
        flips = ops.reshape(flips, (-1, 1))
        cols = tuple(
            None if c is None else ops.where(flips, ops.flip(c, axis=1), c)
            for c in cols
        )
    images = _interpolate(images, rows, axis=1)
    return restore_dtype(_interpolate(images, cols, axis=2), dtype)


def _sample_positions(start, length, out_size, interpolation):
    """Where each output row (column) samples its box, as TensorFlow's resize."""
    scale = length / out_size
    centers = ops.cast(ops.arange(out_size), "float32")[None, :] + 0.5
    last = start + length - 1.0
    if interpolation == "nearest":
        # ResizeNearestNeighbor(half_pixel_centers=True): floor((i + 0.5) * scale).
        index = ops.minimum(start + ops.floor(centers * scale), last)
        index = ops.cast(index, "int32")
        return index, index, None
    coords = ops.clip(start + centers * scale - 0.5, start, last)
    lower = ops.floor(coords)
    upper = ops.minimum(lower + 1.0, last)
    return ops.cast(lower, "int32"), ops.cast(upper, "int32"), coords - lower


def _interpolate(images, positions, axis):
    """Linear interpolation along `axis` (1: rows, 2: columns) with flat gathers.

    Each gather takes whole rows (or pixels) of a flattened batch with one index
    per output row, which is several times faster than `take_along_axis` with a
    broadcast index.
    """
    lower, upper, weight = positions
    shape = ops.shape(images)
    batch, height, width, channels = shape[0], shape[1], shape[2], shape[3]
    out = ops.shape(lower)[1]
    if axis == 1:
        flat = ops.reshape(images, (-1, width * channels))
        offset = ops.arange(batch)[:, None] * height
        out_shape = (batch, out, width, channels)
        weight_shape = (batch, out, 1, 1)
    else:
        flat = ops.reshape(images, (-1, channels))
        offset = ops.reshape(ops.arange(batch * height) * width, (batch, height, 1))
        lower, upper = lower[:, None, :], upper[:, None, :]
        out_shape = (batch, height, out, channels)
        weight_shape = (batch, 1, out, 1)
    first = ops.take(flat, ops.reshape(lower + offset, (-1,)), axis=0)
    first = ops.reshape(first, out_shape)
    if weight is None:  # nearest neighbour
        return first
    second = ops.reshape(
        ops.take(flat, ops.reshape(upper + offset, (-1,)), axis=0), out_shape
    )
    return first + (second - first) * ops.reshape(weight, weight_shape)
