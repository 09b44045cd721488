"""Images per second of the issue-18 pipelines on a GPU, beside Keras core.

The pipelines of `augmentation_throughput.py`'s albumentations table, on 224x224x3
uint8 images already on the GPU (batch 128), each applied `STEPS` times inside
one `tf.function`, with and without XLA (`jit_compile=True`, where our crop
takes its `keras.ops` form because TensorFlow's CropAndResize has no XLA
kernel). The Keras-core peers: `keras.layers.RandomZoom` (a per-image zoom-in,
the closest core layer to a random resized crop), then `RandomFlip` and
`GaussianNoise`. Medians of interleaved passes; ratios within the run.

Without a GPU it prints a "no GPU" line and exits with status 0.

    python benchmarks/gpu_augmentation.py
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from _timing import interleaved_median_rates, print_table  # noqa: E402

from keras_smalldata import layers  # noqa: E402

SIZE, BATCH, STEPS, STDDEV = 224, 128, 20, 0.05


def pipelines():
    """{name: (ours, Keras core)} as functions of a uint8 batch."""
    crop = layers.RandomResizedCrop(SIZE, SIZE, seed=0)
    flip_crop = layers.RandomResizedCrop(SIZE, SIZE, horizontal_flip=True, seed=0)
    noise = layers.RandomGaussianNoise(STDDEV, value_range=(0, 255), seed=0)
    flip = keras.layers.RandomFlip("horizontal", seed=0)
    zoom = keras.layers.RandomZoom((-0.7, 0.0), seed=0)
    # GaussianNoise rejects stddev > 1; its cost does not depend on the value.
    core_noise = keras.layers.GaussianNoise(STDDEV, seed=0)

    def call(*chain):
        def run(x):
            for layer in chain:
                x = layer(x, training=True)
            return x

        return run

    return {
        "RandomResizedCrop": (call(crop), call(zoom)),
        "RRC + keras RandomFlip + RandomGaussianNoise": (
            call(crop, flip, noise),
            call(zoom, flip, core_noise),
        ),
        "RRC(horizontal_flip=True) + RandomGaussianNoise": (
            call(flip_crop, noise),
            call(zoom, flip, core_noise),
        ),
    }


def arm(fn, images, jit_compile):
    """`(run, images per run)`: `fn` applied `STEPS` times in one function."""

    @tf.function(jit_compile=jit_compile)
    def steps(x):
        total = tf.constant(0.0)
        for _ in tf.range(STEPS):
            # A reduction keeps each step's output alive.
            total += tf.reduce_sum(tf.cast(fn(x)[:, 0, 0, 0], "float32"))
        return total

    def run():
        steps(images).numpy()

    return run, STEPS * BATCH


def main():
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        print("no GPU: TensorFlow sees none, nothing to measure")
        return 0
    print(f"GPU: {gpus[0].name}")
    rng = np.random.default_rng(0)
    with tf.device("/GPU:0"):
        images = tf.constant(rng.integers(0, 256, (BATCH, SIZE, SIZE, 3), "uint8"))
    rows = []
    for name, (ours, core) in pipelines().items():
        arms = {}
        for jit in (False, True):
            arms[("ours", jit)] = arm(ours, images, jit)
            arms[("Keras core", jit)] = arm(core, images, jit)
        rates = interleaved_median_rates(arms, repeats=5)
        for jit in (False, True):
            ratio = rates[("ours", jit)] / rates[("Keras core", jit)]
            rows.append(
                (
                    name,
                    "XLA" if jit else "graph",
                    f"{rates[('ours', jit)]:.0f}",
                    f"{rates[('Keras core', jit)]:.0f}",
                    f"{ratio:.2f}x",
                )
            )
    print(f"img/s, {SIZE}x{SIZE}x3 uint8, batch {BATCH}, median of 5")
    print_table(rows, ["pipeline", "compiled", "ours", "Keras core", "ours / core"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
