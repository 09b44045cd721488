"""Per-image crop and resize written with `keras.ops` (any backend)."""

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
        index = ops.cast(ops.round(coords), "int32")
        return index, index, ops.zeros_like(coords)
    lower = ops.floor(coords)
    upper = ops.minimum(lower + 1.0, ops.cast(in_size, "float32") - 1.0)
    return ops.cast(lower, "int32"), ops.cast(upper, "int32"), coords - lower


def _interpolate(images, positions, axis):
    lower, upper, weight = positions
    shape = (-1, ops.shape(lower)[1], 1, 1) if axis == 1 else (-1, 1, lower.shape[1], 1)
    lower, upper, weight = (ops.reshape(t, shape) for t in (lower, upper, weight))
    first = ops.take_along_axis(images, _broadcast_index(lower, images, axis), axis)
    second = ops.take_along_axis(images, _broadcast_index(upper, images, axis), axis)
    return first + (second - first) * weight


def _broadcast_index(index, images, axis):
    shape = list(ops.shape(images))
    shape[axis] = ops.shape(index)[axis]
    return ops.broadcast_to(index, shape)
