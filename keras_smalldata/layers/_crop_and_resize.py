"""Per-image crop and resize: `keras.ops` on any backend, a TF kernel under TF."""

import keras
from keras import ops


def crop_and_resize(images, boxes, size, interpolation="bilinear"):
    """Crops a different box from each image and resizes it to `size`.

    Sampling is separable (rows, then columns) and uses half-pixel centers, so a
    box the size of the output reproduces the crop exactly.

    Args:
        images: float tensor `(batch, height, width, channels)`.
        boxes: float tensor `(batch, 4)` of `(top, left, box_height, box_width)` in
            pixels; boxes must lie inside the image.
        size: `(height, width)` of the output.
        interpolation: `"bilinear"` or `"nearest"`.
    """
    if keras.backend.backend() == "tensorflow":
        return _tf_crop_and_resize(images, boxes, size, interpolation)
    return ops_crop_and_resize(images, boxes, size, interpolation)


def _tf_crop_and_resize(images, boxes, size, interpolation):
    """The same sampling through `tf.image.crop_and_resize`.

    Measured at 224x224x3, batch 32: about 3x the throughput of the gathers in
    `ops_crop_and_resize`. A one-pixel edge padding makes the kernel's
    extrapolation equal the clamping of the keras.ops version.
    """
    import tensorflow as tf

    padded = tf.pad(images, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="SYMMETRIC")
    last_row = tf.cast(tf.shape(images)[1] + 1, "float32")
    last_col = tf.cast(tf.shape(images)[2] + 1, "float32")
    top, left, box_h, box_w = tf.unstack(tf.cast(boxes, "float32"), axis=1)
    y1, y2 = _padded_span(top, box_h, size[0], last_row)
    x1, x2 = _padded_span(left, box_w, size[1], last_col)
    return tf.image.crop_and_resize(
        padded,
        tf.stack([y1, x1, y2, x2], axis=1),
        tf.range(tf.shape(images)[0]),
        size,
        method=interpolation,
    )


def _padded_span(start, length, out_size, last):
    """First and last half-pixel sample, normalized in the padded image."""
    step = length / out_size
    first = start + 0.5 * step + 0.5  # -0.5 for pixel centers, +1 for the padding
    return first / last, (first + step * (out_size - 1)) / last


def ops_crop_and_resize(images, boxes, size, interpolation="bilinear"):
    """`crop_and_resize` written with `keras.ops` only (any backend)."""
    height, width = ops.shape(images)[1], ops.shape(images)[2]
    top, left, box_h, box_w = (boxes[:, i : i + 1] for i in range(4))
    rows = _sample_positions(top, box_h, size[0], height, interpolation)
    cols = _sample_positions(left, box_w, size[1], width, interpolation)
    images = _interpolate(images, rows, axis=1)
    return _interpolate(images, cols, axis=2)


def _sample_positions(start, length, out_size, in_size, interpolation):
    steps = ops.cast(ops.arange(out_size), "float32")[None, :] + 0.5
    coords = start + steps * (length / out_size) - 0.5
    coords = ops.clip(coords, 0.0, ops.cast(in_size, "float32") - 1.0)
    if interpolation == "nearest":
        index = ops.cast(ops.floor(coords + 0.5), "int32")
        return index, index, None
    lower = ops.floor(coords)
    upper = ops.minimum(lower + 1.0, ops.cast(in_size, "float32") - 1.0)
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
