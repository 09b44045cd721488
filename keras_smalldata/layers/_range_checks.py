"""Checks that images match a layer's `value_range`, at no cost per batch.

A `value_range` that does not describe the data destroys the images without a
word: `(0, 1)` on 0-255 data clips everything to the top of the range, `(0, 255)`
on 0-1 data adds noise or salt hundreds of times too large. Two checks catch
the usual mistakes without touching the per-batch graph that `model.fit` and
`tf.data` run:

- `check_integer_range` looks at the dtype only, so it runs when a call or a
  symbolic (functional model) call is traced, and raises: integer images cannot
  lie in a range that ends at 1 or below, nor outside what their dtype holds.
- `range_mismatch` looks at the values, so it runs on concrete (eager) inputs
  only, once per layer, and the layer warns: a value check inside the graph
  would cost every batch, and a heuristic on values should not refuse data a
  user may have meant.
"""

import keras
import numpy as np
from keras import ops

# Values beyond the range by more than this fraction of its width are "far
# outside" (the layers clip them); values all within this fraction at the bottom
# of the range are a sliver of it (0-1 data under a 0-255 range).
_OUTSIDE = 0.1
_SLIVER = 0.01


def check_integer_range(layer_name, dtype, value_range):
    """Raises `ValueError` if integer images cannot lie in `value_range`."""
    dtype = keras.backend.standardize_dtype(dtype)
    if "int" not in dtype:
        return
    low, high = value_range
    received = f"Received: value_range={value_range} for inputs.dtype={dtype}"
    if high <= 1:
        raise ValueError(
            f"{layer_name} got integer images with a `value_range` that ends at "
            f"{high:g}: integer images hold whole numbers, so the output would be "
            "clipped to the two ends of the range. Pass the range the images use "
            "(value_range=(0, 255) for 8-bit images), or cast images scaled to "
            f"[0, 1] to float32 first. {received}"
        )
    info = np.iinfo(dtype)
    if low < info.min or high > info.max:
        raise ValueError(
            f"{layer_name} got {dtype} images, which hold values in "
            f"[{info.min}, {info.max}], with a `value_range` outside that: the "
            f"output would be clipped to what {dtype} holds. Pass the range the "
            f"images use. {received}"
        )


def is_concrete(x):
    """Whether `x` holds values now (an eager call), not a traced placeholder."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.executing_eagerly()
    if backend == "jax":
        # What Keras' own `is_in_jax_tracing_scope` checks: jit, grad and vmap
        # hand the layer subclasses of `jax.core.Tracer`.
        return not any(
            cls.__name__ == "Tracer" and cls.__module__.startswith("jax")
            for cls in type(x).__mro__
        )
    return True  # torch and numpy run eagerly


def range_mismatch(images, value_range):
    """A sentence on how `images` miss `value_range`, or None.

    NaN and infinite values are left out: they say nothing about the range (the
    layers clip infinities to it, as any value outside it).
    """
    images = ops.cast(images, "float32")
    low, high = value_range
    width = high - low
    finite = ops.isfinite(images)
    lowest = float(ops.min(ops.where(finite, images, high)))
    highest = float(ops.max(ops.where(finite, images, low)))
    if lowest < low - _OUTSIDE * width or highest > high + _OUTSIDE * width:
        return (
            f"its values reach [{lowest:g}, {highest:g}], far outside "
            f"value_range={value_range}, the range the augmentation works in"
        )
    if low < highest <= low + _SLIVER * width and lowest >= low:
        return (
            f"its values lie in [{lowest:g}, {highest:g}], the bottom "
            f"{_SLIVER:.0%} of value_range={value_range}, so the augmentation's "
            "strength (noise, salt, brightness steps) is far too large for them"
        )
    return None
