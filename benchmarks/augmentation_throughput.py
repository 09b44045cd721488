"""Images per second of our image layers beside their closest peers.

Each layer runs in a `tf.data` pipeline (`map(..., num_parallel_calls=AUTOTUNE)`)
on 224x224x3 float images in [0, 255], batch 32, and the script prints the median
of several timed passes and the ratio to each peer measured in the same run.

    python benchmarks/augmentation_throughput.py            # full run
    python benchmarks/augmentation_throughput.py --quick    # fewer passes

Targets (issue 2): TrivialAugment >= 10x keras.layers.RandAugment and >= 1x
keras-cv's RandAugment; RandomResizedCrop >= 1x keras-cv's RandomCropAndResize.
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from _timing import median_rate, print_table  # noqa: E402

from keras_smalldata import layers  # noqa: E402

SIZE, BATCH = 224, 32


def pipeline_rate(layer, batches, repeats):
    images = np.random.default_rng(0).uniform(0, 255, (BATCH, SIZE, SIZE, 3))
    dataset = (
        tf.data.Dataset.from_tensors(images.astype("float32"))
        .repeat(batches)
        .map(lambda x: layer(x, training=True), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )

    def run():
        for _ in dataset:
            pass

    return median_rate(run, batches * BATCH, repeats=repeats)


def peers():
    """(name, our layer, [(peer name, peer layer or None if unavailable)])."""
    try:
        import keras_cv

        cv_randaugment = keras_cv.layers.RandAugment(value_range=(0, 255))
        cv_crop = keras_cv.layers.RandomCropAndResize(
            target_size=(SIZE, SIZE),
            crop_area_factor=(0.08, 1.0),
            aspect_ratio_factor=(3 / 4, 4 / 3),
        )
    except Exception as error:  # keras-cv is an optional extra
        print(f"keras-cv unavailable ({type(error).__name__}: {error})")
        cv_randaugment = cv_crop = None
    # keras.layers.GaussianNoise rejects stddev > 1, so it gets 0.05 (absolute)
    # where ours gets 5% of the range; the cost does not depend on the value.
    gaussian = ("keras.layers.GaussianNoise", keras.layers.GaussianNoise(0.05))
    return [
        (
            "TrivialAugment",
            layers.TrivialAugment(value_range=(0, 255), seed=0),
            [
                ("keras.layers.RandAugment", keras.layers.RandAugment((0, 255))),
                ("keras_cv.layers.RandAugment", cv_randaugment),
            ],
        ),
        (
            "RandomResizedCrop",
            layers.RandomResizedCrop(SIZE, SIZE, seed=0),
            [
                ("keras_cv.layers.RandomCropAndResize", cv_crop),
                ("keras.layers.RandomCrop", keras.layers.RandomCrop(SIZE, SIZE)),
            ],
        ),
        (
            "RandomGaussianNoise",
            layers.RandomGaussianNoise(0.05, value_range=(0, 255), seed=0),
            [gaussian],
        ),
        (
            "RandomSaltPepper",
            layers.RandomSaltPepper(0.02, value_range=(0, 255), seed=0),
            [gaussian],
        ),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer passes")
    args = parser.parse_args(argv)
    batches, repeats = (2, 3) if args.quick else (6, 5)
    rows = []
    for name, ours, peer_list in peers():
        our_rate = pipeline_rate(ours, batches, repeats)
        rows.append((name, "-", f"{our_rate:.0f}", "-", "-"))
        for peer_name, peer in peer_list:
            if peer is None:
                rows.append(("", peer_name, "unavailable", "-", "-"))
                continue
            # Slow peers get fewer passes; the median is still over `repeats`.
            peer_rate = pipeline_rate(peer, max(1, batches // 2), repeats)
            rows.append(
                ("", peer_name, f"{peer_rate:.0f}", f"{our_rate / peer_rate:.2f}x", "")
            )
    print(f"images/s, {SIZE}x{SIZE}x3, batch {BATCH}, tf.data AUTOTUNE, median")
    print_table(rows, ["ours", "peer", "median img/s", "ours / peer", ""])


if __name__ == "__main__":
    main()
