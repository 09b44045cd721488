"""Where a 224x224 batch spends its time: our kernels beside albumentations'.

Times each TensorFlow kernel our crop + flip + noise pipeline runs, on one
batch of 32 224x224x3 images, with one intra-op thread, beside the transforms
albumentations 2.0.8 runs on the same images (one OpenCV thread). Every line is
microseconds per image, the median of interleaved passes; read them against
each other, not as absolute costs (the machine is shared).

    python benchmarks/augmentation_profile.py
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)

import keras  # noqa: E402
from _timing import interleaved_median_rates, print_table  # noqa: E402

from keras_smalldata.layers import (  # noqa: E402
    RandomGaussianNoise,
    RandomResizedCrop,
)
from keras_smalldata.layers._crop_and_resize import crop_and_resize  # noqa: E402
from keras_smalldata.layers._noise_kernel import add_noise, noise_draw  # noqa: E402

SIZE, BATCH = 224, 32
SHAPE = (BATCH, SIZE, SIZE, 3)


def tensorflow_steps():
    """{name: (function, args)}, each a step of our pipeline or a layer."""
    rng = np.random.default_rng(0)
    u8 = tf.constant(rng.integers(0, 256, SHAPE, "uint8"))
    f32 = tf.cast(u8, "float32")
    seed = tf.constant([1, 2], "int32")
    key, counter = tf.raw_ops.StatelessRandomGetKeyCounter(seed=seed)
    boxes = tf.constant([[0.1, 0.1, 0.8, 0.8]] * BATCH)
    # The same box in whole pixels (top, left, height, width).
    pixel_boxes = tf.constant([[22, 22, 157, 157]] * BATCH)
    indices = tf.range(BATCH)
    half = tf.constant([True, False] * (BATCH // 2))
    flips = half[:, None, None, None]
    crop = RandomResizedCrop(SIZE, SIZE, horizontal_flip=True, seed=0)
    flip = keras.layers.RandomFlip("horizontal", seed=0)
    noise = RandomGaussianNoise(0.05, seed=0)
    draw = noise_draw(u8, seed)

    def raw_uniform(shape):
        return tf.raw_ops.StatelessRandomUniformV2(
            shape=shape, key=key, counter=counter, alg=3
        )

    return {
        # One memory-bound pass: the unit the others are read against.
        "cast uint8 -> float32 (one pass)": (lambda x: tf.cast(x, "float32"), u8),
        "round + clip + cast to uint8": (
            lambda x: tf.cast(tf.clip_by_value(tf.round(x), 0.0, 255.0), "uint8"),
            f32,
        ),
        "RRC: box draws (32 x 23 uniforms)": (lambda: raw_uniform((BATCH, 23)),),
        "RRC before: CropAndResize, float32": (
            lambda x: tf.image.crop_and_resize(x, boxes, indices, (SIZE, SIZE)),
            f32,
        ),
        "RRC: per-image slice + ResizeBilinear, uint8 -> uint8, flips": (
            lambda x: crop_and_resize(x, pixel_boxes, (SIZE, SIZE), flips=half),
            u8,
        ),
        "flip: reverse + where (keras RandomFlip)": (
            lambda x: tf.where(flips, tf.reverse(x, [2]), x),
            f32,
        ),
        "noise before: Philox float32 uniform": (lambda: raw_uniform(SHAPE),),
        "noise before: ndtri (inverse normal CDF)": (
            lambda x: tf.math.ndtri(x * (1 / 256) + 2.0**-24),
            f32,
        ),
        "noise before: scale + add + clip": (
            lambda x: tf.clip_by_value(x + x * 0.05, 0.0, 255.0),
            f32,
        ),
        "noise: Philox + Box-Muller (tf.random.stateless_normal)": (
            lambda: tf.raw_ops.StatelessRandomNormalV2(
                shape=SHAPE, key=key, counter=counter, alg=3
            ),
        ),
        "noise: Philox bits, one uint32 per 2 values": (lambda: noise_draw(u8, seed),),
        "noise: fused XLA table + add + clip + round, per image, uint8": (
            lambda x: add_noise(x, draw, 0.05 * 255, (0, 255)),
            u8,
        ),
        "layer: RandomResizedCrop(horizontal_flip=True), uint8": (
            lambda x: crop(x, training=True),
            u8,
        ),
        "layer: keras RandomFlip, uint8": (lambda x: flip(x, training=True), u8),
        "layer: RandomGaussianNoise, uint8": (lambda x: noise(x, training=True), u8),
        "XLA: Philox uniform (jit_compile)": (
            tf.function(lambda: raw_uniform(SHAPE), jit_compile=True),
        ),
    }


def albumentations_steps():
    try:
        import albumentations as A
        import cv2
    except ImportError:
        print("albumentations unavailable: pip install -e '.[bench]'")
        return {}
    cv2.setNumThreads(1)
    images = list(np.random.default_rng(0).integers(0, 256, SHAPE, "uint8"))
    generator = np.random.default_rng(0)
    transforms = {
        "A.RandomResizedCrop": A.RandomResizedCrop(size=(SIZE, SIZE), p=1.0),
        "A.HorizontalFlip(p=1)": A.HorizontalFlip(p=1.0),
        "A.GaussNoise(p=1, std 0.05)": A.GaussNoise(std_range=(0.05, 0.05), p=1.0),
    }
    composed = {name: A.Compose([t], seed=0) for name, t in transforms.items()}
    steps = {
        name: (lambda t=t: [t(image=i) for i in images],)
        for name, t in composed.items()
    }
    steps["numpy normal float32 (in GaussNoise)"] = (
        lambda: [generator.standard_normal(i.shape, "float32") for i in images],
    )
    return steps


def main():
    arms = {}
    for name, (fn, *args) in tensorflow_steps().items():
        function = fn if hasattr(fn, "get_concrete_function") else tf.function(fn)
        arms[name] = (
            lambda f=function, a=args: tf.nest.map_structure(
                lambda t: t.numpy(), f(*a)
            ),
            BATCH,
        )
    for name, (fn,) in albumentations_steps().items():
        arms[name] = (fn, BATCH)
    rates = interleaved_median_rates(arms, repeats=7)
    unit = 1e6 / rates["cast uint8 -> float32 (one pass)"]
    rows = [
        (name, f"{1e6 / rate:.0f}", f"{1e6 / rate / unit:.1f}")
        for name, rate in rates.items()
    ]
    print(f"us per image, {SIZE}x{SIZE}x3, batch {BATCH}, 1 thread, median of 7")
    print_table(rows, ["step", "us / image", "in casts"])


if __name__ == "__main__":
    main()
