"""Per-image crop and resize: `keras.ops` on any backend, a TF kernel under TF."""

import keras
from keras import ops

from keras_smalldata.layers._xla import in_xla_context


def crop_and_resize(images, boxes, size, interpolation="bilinear", flips=None):
    """Crops a different box from each image and resizes it to `size`.

    Sampling is separable (rows, then columns) and uses half-pixel centers, so a
    box the size of the output reproduces the crop exactly; samples that fall
    outside the image take the value of the nearest edge.

    Args:
        images: float tensor `(batch, height, width, channels)`.
        boxes: float tensor `(batch, 4)` of `(top, left, box_height, box_width)` in
            pixels; boxes must lie inside the image.
        size: `(height, width)` of the output.
        interpolation: `"bilinear"` or `"nearest"`.
        flips: bool tensor `(batch,)` or None. Images whose entry is True come out
            mirrored left to right, at no extra cost. Defaults to None (none).
    """
    if keras.backend.backend() == "tensorflow" and not in_xla_context():
        return _tf_crop_and_resize(images, boxes, size, interpolation, flips)
    # XLA has no CropAndResize kernel; JAX and torch have no such op.
    return ops_crop_and_resize(images, boxes, size, interpolation, flips)


def _tf_crop_and_resize(images, boxes, size, interpolation, flips):
    """The same sampling through `tf.image.crop_and_resize`.

    Measured at 224x224x3, batch 32: about 3x the throughput of the gathers in
    `ops_crop_and_resize`. The kernel fills samples outside the image with a
    constant where we clamp to the edge; a one-pixel edge padding makes the two
    agree, but copying the batch costs about a third of the kernel (profile in
    docs/benchmarks.md, issue 18), so the batch is padded only when one of its
    samples falls outside (about a quarter of the batches of a default
    `RandomResizedCrop` at 224 -> 224).
    """
    import tensorflow as tf

    shape = tf.shape(images)
    top, left, box_h, box_w = tf.unstack(tf.cast(boxes, "float32"), axis=1)
    y_first, y_last = _first_and_last_sample(top, box_h, size[0])
    x_first, x_last = _first_and_last_sample(left, box_w, size[1])
    if flips is not None:
        # crop_and_resize samples a box from x1 to x2 even when x1 > x2.
        x_first, x_last = (
            tf.where(flips, x_last, x_first),
            tf.where(flips, x_first, x_last),
        )
    last_row = tf.cast(shape[1] - 1, "float32")
    last_col = tf.cast(shape[2] - 1, "float32")
    # A margin keeps the kernel's own rounding of the coordinates inside too.
    margin = 1e-3
    inside = tf.logical_and(
        tf.logical_and(last_row > 0, last_col > 0),
        tf.reduce_all(
            tf.stack(
                [
                    tf.minimum(y_first, y_last) >= margin,
                    tf.maximum(y_first, y_last) <= last_row - margin,
                    tf.minimum(x_first, x_last) >= margin,
                    tf.maximum(x_first, x_last) <= last_col - margin,
                ]
            )
        ),
    )
    indices = tf.range(shape[0])

    def unpadded():
        spans = [y_first / last_row, x_first / last_col]
        spans += [y_last / last_row, x_last / last_col]
        return tf.image.crop_and_resize(
            images, tf.stack(spans, axis=1), indices, size, method=interpolation
        )

    def padded():
        # Coordinates shift by one pixel; the padded image has 2 more rows.
        padded_images = tf.pad(images, [[0, 0], [1, 1], [1, 1], [0, 0]], "SYMMETRIC")
        spans = [(y_first + 1) / (last_row + 2), (x_first + 1) / (last_col + 2)]
        spans += [(y_last + 1) / (last_row + 2), (x_last + 1) / (last_col + 2)]
        return tf.image.crop_and_resize(
            padded_images, tf.stack(spans, axis=1), indices, size, method=interpolation
        )

    return tf.cond(inside, unpadded, padded)


def _first_and_last_sample(start, length, out_size):
    """Pixel coordinates of the first and last half-pixel sample of a box."""
    step = length / out_size
    first = start + 0.5 * step - 0.5
    return first, first + step * (out_size - 1)


def ops_crop_and_resize(images, boxes, size, interpolation="bilinear", flips=None):
    """`crop_and_resize` written with `keras.ops` only (any backend)."""
    height, width = ops.shape(images)[1], ops.shape(images)[2]
    top, left, box_h, box_w = (boxes[:, i : i + 1] for i in range(4))
    rows = _sample_positions(top, box_h, size[0], height, interpolation)
    cols = _sample_positions(left, box_w, size[1], width, interpolation)
    if flips is not None:
        # Sampling the columns right to left mirrors the crop.
        flips = ops.reshape(flips, (-1, 1))
        cols = tuple(
            None if c is None else ops.where(flips, ops.flip(c, axis=1), c)
            for c in cols
        )
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
