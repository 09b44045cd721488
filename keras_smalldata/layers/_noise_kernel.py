"""Gaussian noise added to images in one pass: a draw, then a fused XLA kernel.

Under TensorFlow (outside XLA-compiled graphs) the noise of an image of n values
comes from n / 2 Philox words (drawn for the whole batch in one kernel), each
split into two 16-bit indices into a table of the normal's quantiles,
`ndtri((i + 0.5) / 65536)`; the lookup, the scaling, the addition, the clip to
the value range and the rounding back to an integer dtype run as one XLA
kernel per image, which reads the image and writes the result once.
Measured at 224x224x3 uint8, batch 32, one thread, in `tf.data`
(docs/benchmarks.md, issue 18): `RandomGaussianNoise` went from 488 to
1,106-1,292 img/s when this replaced float32 Philox uniforms through `ndtri`
and separate TensorFlow ops, each of which streamed a 19 MB float32 batch
through memory.

The draws are the normal to 1/65536 in probability (a Kolmogorov-Smirnov
distance of at most 1/131072 plus the tails), with tails cut at 4.17 standard
deviations (probability 3e-5): tests in tests/layers/test_fast_random.py.
Other backends, and graphs traced for XLA, add `keras.random.normal` noise.
"""

import functools

import keras
import numpy as np
from keras import ops

from keras_smalldata.layers._augmentation_layer import restore_dtype
from keras_smalldata.layers._fast_random import random_bits, use_raw_kernels

_TABLE_SIZE = 2**16


def noise_draw(images, seed):
    """The random part of `add_noise` for an NHWC batch, as a dict of tensors."""
    if not use_raw_kernels():
        return {"noise": keras.random.normal(ops.shape(images), seed=seed)}
    import tensorflow as tf

    shape = tf.shape(images)
    words = (tf.reduce_prod(shape[1:]) + 1) // 2
    return {"noise_bits": random_bits(tf.stack([shape[0], words]), seed)}


def add_noise(images, draw, stddev, value_range):
    """`images` plus `stddev` times the drawn normal noise, clipped to the range.

    Returns the images' dtype, integers rounded.
    """
    low, high = value_range
    if "noise" in draw:
        noisy = ops.cast(images, "float32") + draw["noise"] * stddev
        return restore_dtype(ops.clip(noisy, low, high), images.dtype)
    import tensorflow as tf

    images = tf.convert_to_tensor(images)
    kernel = _fused_kernel()
    scalars = [tf.constant(v, "float32") for v in (stddev, low, high)]
    # Image by image: XLA compiles per shape, and the batch size varies (the
    # groups of RandomApply, a last partial batch) where the image size does
    # not; one image also stays in the CPU cache through the whole pass.
    return tf.map_fn(
        lambda args: kernel(args[0], args[1], *scalars),
        (images, draw["noise_bits"]),
        fn_output_signature=tf.TensorSpec(images.shape[1:], images.dtype),
    )


@functools.cache
def _fused_kernel():
    import tensorflow as tf
    from scipy.special import ndtri

    table = ndtri((np.arange(_TABLE_SIZE) + 0.5) / _TABLE_SIZE).astype("float32")

    @tf.function(jit_compile=True, reduce_retracing=True)
    def kernel(image, bits, stddev, low, high):
        words = tf.bitcast(bits, tf.int32)
        low_half = tf.bitwise.bitwise_and(words, 0xFFFF)
        high_half = tf.bitwise.bitwise_and(tf.bitwise.right_shift(words, 16), 0xFFFF)
        indices = tf.concat([low_half, high_half], 0)[: tf.size(image)]
        noise = tf.gather(tf.constant(table) * stddev, indices)
        noisy = tf.cast(image, tf.float32) + tf.reshape(noise, tf.shape(image))
        return restore_dtype(tf.clip_by_value(noisy, low, high), image.dtype)

    return kernel
