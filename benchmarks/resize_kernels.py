"""Which TensorFlow kernel resamples a crop fastest on one CPU thread?

Times, per 224x224x3 float32 image (batch 32, one intra-op thread), the same
crop (rows 22-179, columns 22-201) resized back to 224x224 by
`tf.image.crop_and_resize` (what `RandomResizedCrop` uses), `tf.image.resize`
of a slice per image (`map_fn`) and of one slice for the whole batch,
`ScaleAndTranslate` and `ImageProjectiveTransformV3`; and albumentations'
`RandomResizedCrop` image by image (`cv2.setNumThreads(1)`) when installed
(`pip install -e ".[bench]"`). Issue 18 asks whether TensorFlow's CPU kernels
can reach albumentations' crop.

    python benchmarks/resize_kernels.py
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from _timing import median_rate  # noqa: E402

BATCH, SIZE = 32, 224
TOP, LEFT, HEIGHT, WIDTH = 22, 22, 157, 179


def tensorflow_kernels(images):
    """{name: function of the batch}, each resampling the same crop."""
    boxes = np.tile(
        [
            [
                TOP / SIZE,
                LEFT / SIZE,
                (TOP + HEIGHT) / SIZE,
                (LEFT + WIDTH) / SIZE,
            ]
        ],
        (BATCH, 1),
    ).astype("float32")
    scale = tf.constant([SIZE / HEIGHT, SIZE / WIDTH])
    transforms = tf.tile(
        [[HEIGHT / SIZE, 0.0, TOP, 0.0, WIDTH / SIZE, LEFT, 0.0, 0.0]], [BATCH, 1]
    )

    def crop(image):
        return image[TOP : TOP + HEIGHT, LEFT : LEFT + WIDTH]

    kernels = {
        "tf.image.crop_and_resize": lambda x: tf.image.crop_and_resize(
            x, boxes, tf.range(BATCH), (SIZE, SIZE)
        ),
        "tf.image.resize per image (map_fn)": lambda x: tf.map_fn(
            lambda image: tf.image.resize(crop(image), (SIZE, SIZE)), x
        ),
        "tf.image.resize, one slice for the batch": lambda x: tf.image.resize(
            x[:, TOP : TOP + HEIGHT, LEFT : LEFT + WIDTH], (SIZE, SIZE)
        ),
        "ScaleAndTranslate": lambda x: tf.raw_ops.ScaleAndTranslate(
            images=x,
            size=[SIZE, SIZE],
            scale=scale,
            translation=-tf.constant([float(TOP), float(LEFT)]) * scale,
            kernel_type="triangle",
            antialias=False,
        ),
        "ImageProjectiveTransformV3": lambda x: tf.raw_ops.ImageProjectiveTransformV3(
            images=x,
            transforms=transforms,
            output_shape=[SIZE, SIZE],
            fill_value=0.0,
            interpolation="BILINEAR",
            fill_mode="NEAREST",
        ),
    }
    return {name: tf.function(kernel) for name, kernel in kernels.items()}


def albumentations_crop(image):
    try:
        import albumentations
        import cv2
    except ImportError:
        return None
    cv2.setNumThreads(1)
    transform = albumentations.RandomResizedCrop((SIZE, SIZE))
    return lambda: [transform(image=image) for _ in range(BATCH)]


def main():
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    images = np.random.default_rng(0).uniform(0, 255, (BATCH, SIZE, SIZE, 3))
    images = images.astype("float32")
    batch = tf.constant(images)
    rates = {
        name: median_rate(lambda kernel=kernel: kernel(batch).numpy(), BATCH)
        for name, kernel in tensorflow_kernels(images).items()
    }
    peer = albumentations_crop(images[0])
    if peer is not None:
        rates["albumentations.RandomResizedCrop"] = median_rate(peer, BATCH)
    print(f"microseconds per {SIZE}x{SIZE}x3 float32 image, one thread, median")
    for name, rate in rates.items():
        print(f"{name:<42} {1e6 / rate:8.0f}")


if __name__ == "__main__":
    main()
