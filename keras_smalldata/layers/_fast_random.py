"""Full-size random draws without the passes `keras.random` adds.

`keras.random.uniform` goes through `tf.random.stateless_uniform` under
TensorFlow, which scales and shifts the kernel's output
(`rnd * (maxval - minval) + minval`) even for the unit range: two extra passes
over a tensor as large as the images, each about as costly as a cast (profile
in docs/benchmarks.md, issue 18). These helpers call the raw stateless kernels
(Philox on CPU and GPU) on a seed drawn from the layer's `SeedGenerator` (or a
given seed), so they stay deterministic for a seeded layer and differ per
replica like every other draw of the layer (`_random.py`). Other backends, and
TensorFlow graphs traced for XLA, get `keras.random`.
"""

import keras

from keras_smalldata.layers._xla import in_xla_context


def use_raw_kernels():
    """Whether the raw TensorFlow kernels run here (TF, not traced for XLA)."""
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
    if not use_raw_kernels():
        return keras.random.uniform(shape, seed=seed)
    import tensorflow as tf

    key, counter = _key_counter(seed)
    # alg=3 is "auto_select": Philox on CPU and GPU, as tf.random picks.
    return tf.raw_ops.StatelessRandomUniformV2(
        shape=shape, key=key, counter=counter, alg=3
    )


def random_bits(shape, seed):
    """Uniform uint32 bits, one Philox kernel (TensorFlow's raw kernels only)."""
    import tensorflow as tf

    key, counter = _key_counter(seed)
    return tf.raw_ops.StatelessRandomUniformFullIntV2(
        shape=shape, key=key, counter=counter, alg=3, dtype=tf.uint32
    )
