"""Images per second of our image layers beside their peers, per CPU thread.

Every arm augments 224x224x3 images, batch 32, and every number is the median
of several timed passes, the arms' passes interleaved (each round times every
arm once) so that a load spike on the shared machine hits them alike. Ratios
are between arms of the same run. Three tables:

1. Keras-land peers (issue 2): each of our layers alone beside its closest
   Keras / KerasCV peer, float32 images in [0, 255], in `tf.data`.
2. albumentations 2.0.8 (issue 18), on uint8 images as decoded from JPEG: the
   issue's pipelines, `RandomResizedCrop` alone and `RandomResizedCrop +
   HorizontalFlip + GaussNoise` (defaults: flip and noise each on half the
   images), the same with the noise on every image at our `stddev` (what our
   pipeline does), and ours.
3. Scaling: our pipeline at 1 and 2 threads.

How the threads are pinned: TensorFlow runs each `tf.data` pipeline on a
private pool of `threads` threads (`options.threading.private_threadpool_size`)
with single-threaded ops (`max_intra_op_parallelism = 1`): a sequential `map`
for one thread, `map(num_parallel_calls=threads)` for more. The global
intra-/inter-op pools (`tf.config.threading`) get 2 threads. albumentations runs
image by image in the main thread with `cv2.setNumThreads(1)`, then stacks the
batch (the collation a data loader does).

    pip install -e ".[bench]"       # albumentations; "unavailable" without it
    python benchmarks/augmentation_throughput.py            # full run
    python benchmarks/augmentation_throughput.py --quick    # fewer passes
    python benchmarks/augmentation_throughput.py --only albumentations

Targets: issue 2, TrivialAugment >= 10x keras.layers.RandAugment and >= 1x
keras-cv's RandAugment, RandomResizedCrop >= 1x keras-cv's RandomCropAndResize;
issue 18, our pipeline >= 1x albumentations' per thread, RandomResizedCrop
>= 0.5x, >= 1.8x from 1 to 2 threads.
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from _timing import interleaved_median_rates, print_table  # noqa: E402

from keras_smalldata import layers  # noqa: E402

SIZE, BATCH = 224, 32
# Our noise as a fraction of the range, and albumentations' like-for-like std.
STDDEV = 0.05

tf.config.threading.set_intra_op_parallelism_threads(2)
tf.config.threading.set_inter_op_parallelism_threads(2)


def test_images(dtype):
    images = np.random.default_rng(0).uniform(0, 255, (BATCH, SIZE, SIZE, 3))
    return images.round().astype(dtype)


def tf_data_arm(fn, images, batches, threads=1):
    """`(run, images per run)`: `fn` mapped over `batches` batches in tf.data."""
    dataset = tf.data.Dataset.from_tensors(images).repeat(batches)
    if threads == 1:
        dataset = dataset.map(fn)
    else:
        dataset = dataset.map(fn, num_parallel_calls=threads)
    options = tf.data.Options()
    options.threading.private_threadpool_size = threads
    options.threading.max_intra_op_parallelism = 1
    dataset = dataset.with_options(options)

    def run():
        for _ in dataset:
            pass

    return run, batches * BATCH


def training_call(layer):
    return lambda x: layer(x, training=True)


def albumentations_arm(transform, images, batches):
    """`(run, images per run)`: `transform` image by image, then a stack."""
    import cv2

    cv2.setNumThreads(1)
    batch = list(images)

    def run():
        for _ in range(batches):
            np.stack([transform(image=image)["image"] for image in batch])

    return run, batches * BATCH


def keras_cv_peers():
    try:
        import keras_cv

        return (
            keras_cv.layers.RandAugment(value_range=(0, 255)),
            keras_cv.layers.RandomCropAndResize(
                target_size=(SIZE, SIZE),
                crop_area_factor=(0.08, 1.0),
                aspect_ratio_factor=(3 / 4, 4 / 3),
            ),
        )
    except Exception as error:  # keras-cv is an optional extra
        print(f"keras-cv unavailable ({type(error).__name__}: {error})")
        return None, None


def keras_peer_rows(batches, repeats):
    """Table 1: (name, our layer, [(peer name, peer layer or None)])."""
    cv_randaugment, cv_crop = keras_cv_peers()
    # keras.layers.GaussianNoise rejects stddev > 1, so it gets 0.05 (absolute)
    # where ours gets 5% of the range; the cost does not depend on the value.
    gaussian = ("keras.layers.GaussianNoise", keras.layers.GaussianNoise(0.05))
    cases = [
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
            layers.RandomGaussianNoise(STDDEV, value_range=(0, 255), seed=0),
            [gaussian],
        ),
        (
            "RandomSaltPepper",
            layers.RandomSaltPepper(0.02, value_range=(0, 255), seed=0),
            [gaussian],
        ),
    ]
    images = test_images("float32")
    rows = []
    for name, ours, peer_list in cases:
        arms = {name: tf_data_arm(training_call(ours), images, batches)}
        for peer_name, peer in peer_list:
            if peer is not None:
                # Slow peers get fewer batches; the median is still over `repeats`.
                arms[peer_name] = tf_data_arm(
                    training_call(peer), images, max(1, batches // 2)
                )
        rates = interleaved_median_rates(arms, repeats=repeats)
        rows.append((name, "-", f"{rates[name]:.0f}", "-"))
        for peer_name, _ in peer_list:
            rows.append(ratio_row(peer_name, rates, name))
    return rows


def ratio_row(peer_name, rates, ours, label=""):
    if peer_name not in rates:
        return (label, peer_name, "unavailable", "-")
    ratio = rates[ours] / rates[peer_name]
    return (label, peer_name, f"{rates[peer_name]:.0f}", f"{ratio:.2f}x")


def our_pipeline():
    """Ours for `RandomResizedCrop + HorizontalFlip + GaussNoise`."""
    crop = layers.RandomResizedCrop(SIZE, SIZE, seed=0)
    flip = keras.layers.RandomFlip("horizontal", seed=0)
    noise = layers.RandomGaussianNoise(STDDEV, value_range=(0, 255), seed=0)
    return lambda x: noise(flip(crop(x, training=True), training=True), training=True)


def albumentations_pipelines():
    """{name: transform}, or None when albumentations is not installed."""
    try:
        import albumentations as A
    except ImportError:
        return None
    crop = A.RandomResizedCrop(size=(SIZE, SIZE))
    return {
        "A.RandomResizedCrop": A.Compose([crop], seed=0),
        "A.RRC + HorizontalFlip + GaussNoise (defaults)": A.Compose(
            [crop, A.HorizontalFlip(), A.GaussNoise()], seed=0
        ),
        f"A.RRC + HorizontalFlip + GaussNoise(p=1, std {STDDEV})": A.Compose(
            [
                crop,
                A.HorizontalFlip(),
                A.GaussNoise(std_range=(STDDEV, STDDEV), p=1.0),
            ],
            seed=0,
        ),
    }


def albumentations_rows(batches, repeats):
    """Table 2: ours and albumentations on uint8 images, one thread each."""
    images = test_images("uint8")
    ours = {
        "RandomResizedCrop": training_call(layers.RandomResizedCrop(SIZE, SIZE, seed=0)),
        "RandomResizedCrop + keras RandomFlip + RandomGaussianNoise": our_pipeline(),
    }
    arms = {name: tf_data_arm(fn, images, batches) for name, fn in ours.items()}
    transforms = albumentations_pipelines()
    if transforms is None:
        print("albumentations unavailable: pip install -e '.[bench]'")
        transforms = {}
    for name, transform in transforms.items():
        arms[name] = albumentations_arm(transform, images, batches)
    rates = interleaved_median_rates(arms, repeats=repeats)
    crop_name, pipeline_name = ours
    names = list(albumentations_pipelines_names())
    rows = [(crop_name, "-", f"{rates[crop_name]:.0f}", "-")]
    rows.append(ratio_row(names[0], rates, crop_name))
    rows.append((pipeline_name, "-", f"{rates[pipeline_name]:.0f}", "-"))
    for name in names[1:]:
        rows.append(ratio_row(name, rates, pipeline_name))
    return rows


def albumentations_pipelines_names():
    return (
        "A.RandomResizedCrop",
        "A.RRC + HorizontalFlip + GaussNoise (defaults)",
        f"A.RRC + HorizontalFlip + GaussNoise(p=1, std {STDDEV})",
    )


def scaling_rows(batches, repeats):
    """Table 3: our pipeline at 1 and 2 threads."""
    images = test_images("uint8")
    arms = {
        f"{threads} thread(s)": tf_data_arm(
            our_pipeline(), images, batches * threads, threads=threads
        )
        for threads in (1, 2)
    }
    rates = interleaved_median_rates(arms, repeats=repeats)
    one = rates["1 thread(s)"]
    return [(name, "-", f"{rate:.0f}", f"{rate / one:.2f}x") for name, rate in rates.items()]


TABLES = {
    "keras": (keras_peer_rows, ["ours", "peer", "median img/s", "ours / peer"]),
    "albumentations": (
        albumentations_rows,
        ["ours", "albumentations", "median img/s", "ours / albumentations"],
    ),
    "scaling": (scaling_rows, ["our pipeline", "", "median img/s", "vs 1 thread"]),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer passes")
    parser.add_argument(
        "--only", choices=sorted(TABLES), action="append", help="tables to run"
    )
    args = parser.parse_args(argv)
    batches, repeats = (2, 3) if args.quick else (6, 7)
    for name in args.only or list(TABLES):
        rows_fn, headers = TABLES[name]
        print(f"\n{name}: img/s, {SIZE}x{SIZE}x3, batch {BATCH}, 1 thread, median")
        print_table(rows_fn(batches, repeats), headers)


if __name__ == "__main__":
    main()
