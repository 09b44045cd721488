"""Full-size random draws without the passes `keras.random` adds.

`keras.random.uniform` and `keras.random.normal` go through
`tf.random.stateless_uniform` / `stateless_normal` under TensorFlow, which scale
and shift the kernel's output (`rnd * (maxval - minval) + minval`) even for the
unit range: two extra passes over a tensor as large as the images, each about
as costly as a cast (profile in docs/benchmarks.md, issue 18). These helpers
call the raw stateless kernels (Philox on CPU and GPU) on a seed drawn from the
layer's `SeedGenerator` (or a given seed), so they stay deterministic for a
seeded layer and differ per replica like every other draw of the layer
(`_random.py`). Other
backends, and TensorFlow graphs traced for XLA, get `keras.random`.
"""

import keras

from keras_smalldata.layers._xla import in_xla_context

# Half a step of the 23-bit float uniform: u + _HALF_STEP is in (0, 1), symmetric
# about 1/2, so its inverse normal CDF is finite and symmetric about 0.
_HALF_STEP = 2.0**-24


def _use_raw_kernels():
    return keras.backend.backend() == "tensorflow" and not in_xla_context()


def _key_counter(seed):
    import tensorflow as tf

    if isinstance(seed, keras.random.SeedGenerator):
        seed = seed.next()
    elif isinstance(seed, int):
        seed = tf.constant([seed, 0], "int32")
    seed = tf.convert_to_tensor(seed)
    # Keras' own int64 -> int32 seed cast (keras/src/backend/tensorflow/random.py).
    if seed.dtype != tf.int32:
        seed = tf.cast(tf.math.floormod(seed, tf.int32.max - 1), "int32")
    return tf.raw_ops.StatelessRandomGetKeyCounter(seed=seed)


def uniform(shape, seed):
    """Float32 uniform in [0, 1), one kernel under TensorFlow.

    `seed` is what `keras.random` takes: a `SeedGenerator`, an int or a `(2,)`
    seed tensor (Keras' `get_random_transformation(..., seed=...)`).
    """
    if not _use_raw_kernels():
        return keras.random.uniform(shape, seed=seed)
    import tensorflow as tf

    key, counter = _key_counter(seed)
    # alg=3 is "auto_select": Philox on CPU and GPU, as tf.random picks.
    return tf.raw_ops.StatelessRandomUniformV2(
        shape=shape, key=key, counter=counter, alg=3
    )


def standard_normal(shape, seed):
    """Float32 standard normal draws, by inverse CDF under TensorFlow.

    `ndtri(u)` of a 23-bit uniform `u` (shifted by half a step off 0) is the
    standard normal up to float32 resolution, with tails cut at 5.3 standard
    deviations (probability 1e-7); TensorFlow's own Box-Muller cuts them at
    5.6. It costs less than `tf.random.stateless_normal`'s Box-Muller on CPU.
    The distribution is tested in tests/layers/test_fast_random.py.
    """
    if not _use_raw_kernels():
        return keras.random.normal(shape, seed=seed)
    import tensorflow as tf

    return tf.math.ndtri(uniform(shape, seed) + _HALF_STEP)
