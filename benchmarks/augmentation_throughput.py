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
   pipeline does), `GaussNoise` alone on every image, and ours.
   A last row times `tf.data` mapping the identity: the harness alone, the
   ceiling of any in-graph arm.
3. Scaling: our pipeline at 1 and 2 threads.

How the threads are pinned: TensorFlow runs each `tf.data` pipeline, drawn
from one long-lived iterator as a training epoch draws it, on a
private pool of `threads` threads (`options.threading.private_threadpool_size`)
with single-threaded ops (`max_intra_op_parallelism = 1`): a sequential `map`
for one thread, `map(num_parallel_calls=threads)` for more. The global
intra-op pool (`tf.config.threading`) gets 1 thread: XLA-compiled kernels
(our noise) run on it whatever `tf.data`'s limit, and with 2 threads the
noise arm used 1.26 cores; the inter-op pool gets 2. albumentations runs
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

tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(2)


def test_images(dtype):
    images = np.random.default_rng(0).uniform(0, 255, (BATCH, SIZE, SIZE, 3))
    return images.round().astype(dtype)


def tf_data_arm(fn, images, batches, threads=1):
    """`(run, images per run)`: `batches` batches of `fn` mapped in tf.data.

    The arm draws from one long-lived iterator, as a training epoch does: a
    new iterator per timed pass would add its set-up (a thread pool, the
    function's instantiation) to every pass, which measured up to 115 us per
    image with the identity map (docs/benchmarks.md, issue 18). Nothing is
    computed ahead between passes: no prefetch is injected, a sequential map
    runs only when asked, and a parallel map's few batches made ahead during
    other arms' passes are taken before the pass counts its batches.
    """
    dataset = tf.data.Dataset.from_tensors(images).repeat()
    if threads == 1:
        dataset = dataset.map(fn)
    else:
        dataset = dataset.map(fn, num_parallel_calls=threads)
    options = tf.data.Options()
    options.threading.private_threadpool_size = threads
    options.threading.max_intra_op_parallelism = 1
    options.experimental_optimization.inject_prefetch = False
    options.autotune.enabled = False
    iterator = iter(dataset.with_options(options))
    # A parallel map keeps `threads` batches ready; a sequential one none.
    made_ahead = threads + 1 if threads > 1 else 0

    def run():
        for _ in range(made_ahead):
            next(iterator)
        for _ in range(batches):
            next(iterator)

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


def our_pipelines():
    """{name: (map function, names of its albumentations peers)}."""
    crop = layers.RandomResizedCrop(SIZE, SIZE, seed=0)
    flip = keras.layers.RandomFlip("horizontal", seed=0)
    noise = layers.RandomGaussianNoise(STDDEV, value_range=(0, 255), seed=0)
    pipelines = {
        "RandomResizedCrop": (training_call(crop), (A_CROP,)),
        "RandomGaussianNoise": (training_call(noise), (A_NOISE,)),
        "RRC + keras RandomFlip + RandomGaussianNoise": (
            lambda x: noise(flip(crop(x, training=True), training=True), training=True),
            (A_DEFAULTS, A_EVERY),
        ),
    }
    try:  # `horizontal_flip` is new in issue 18; absent when timing the old code.
        flip_crop = layers.RandomResizedCrop(SIZE, SIZE, horizontal_flip=True, seed=0)
    except ValueError:  # Keras: "Unrecognized keyword arguments"
        return pipelines
    half_noise = layers.RandomApply(noise, rate=0.5, seed=0)
    pipelines["RRC(horizontal_flip=True) + RandomGaussianNoise"] = (
        lambda x: noise(flip_crop(x, training=True), training=True),
        (A_EVERY,),
    )
    pipelines["RRC(horizontal_flip=True) + RandomApply(RandomGaussianNoise, 0.5)"] = (
        lambda x: half_noise(flip_crop(x, training=True), training=True),
        (A_DEFAULTS,),
    )
    return pipelines


A_CROP = "A.RandomResizedCrop"
A_NOISE = f"A.GaussNoise(p=1, std {STDDEV})"
A_DEFAULTS = "A.RRC + HorizontalFlip + GaussNoise (defaults: noise on half)"
A_EVERY = f"A.RRC + HorizontalFlip + GaussNoise(p=1, std {STDDEV})"


def albumentations_pipelines():
    """{name: transform}, or {} when albumentations is not installed."""
    try:
        import albumentations as A
    except ImportError:
        print("albumentations unavailable: pip install -e '.[bench]'")
        return {}
    crop = A.RandomResizedCrop(size=(SIZE, SIZE))
    every = A.GaussNoise(std_range=(STDDEV, STDDEV), p=1.0)
    return {
        A_CROP: A.Compose([crop], seed=0),
        A_NOISE: A.Compose([every], seed=0),
        A_DEFAULTS: A.Compose([crop, A.HorizontalFlip(), A.GaussNoise()], seed=0),
        A_EVERY: A.Compose([crop, A.HorizontalFlip(), every], seed=0),
    }


# What `tf.data` itself costs per batch: the ceiling of any in-graph arm here.
IDENTITY = "tf.data map(identity), no augmentation"


def albumentations_rows(batches, repeats):
    """Table 2: ours and albumentations on uint8 images, one thread each."""
    images = test_images("uint8")
    ours = our_pipelines()
    ours[IDENTITY] = (lambda x: x, (A_CROP, A_DEFAULTS))
    arms = {name: tf_data_arm(fn, images, batches) for name, (fn, _) in ours.items()}
    for name, transform in albumentations_pipelines().items():
        arms[name] = albumentations_arm(transform, images, batches)
    rates = interleaved_median_rates(arms, repeats=repeats)
    rows = []
    for name, (_, peers) in ours.items():
        rows.append((name, "-", f"{rates[name]:.0f}", "-"))
        rows.extend(ratio_row(peer, rates, name) for peer in peers)
    return rows


def scaling_rows(batches, repeats):
    """Table 3: our pipeline at 1 and 2 threads."""
    images = test_images("uint8")
    name, (fn, _) = list(our_pipelines().items())[-1]
    arms = {
        threads: tf_data_arm(fn, images, batches * threads, threads=threads)
        for threads in (1, 2)
    }
    rates = interleaved_median_rates(arms, repeats=repeats)
    return [
        (name, f"{threads} thread(s)", f"{rate:.0f}", f"{rate / rates[1]:.2f}x")
        for threads, rate in rates.items()
    ]


TABLES = {
    "keras": (keras_peer_rows, ["ours", "peer", "median img/s", "ours / peer"]),
    "albumentations": (
        albumentations_rows,
        ["ours", "albumentations", "median img/s", "ours / albumentations"],
    ),
    "scaling": (scaling_rows, ["ours", "threads", "median img/s", "vs 1 thread"]),
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
        threads = "1 and 2 threads" if name == "scaling" else "1 thread"
        print(f"\n{name}: img/s, {SIZE}x{SIZE}x3, batch {BATCH}, {threads}, median")
        print_table(rows_fn(batches, repeats), headers)


if __name__ == "__main__":
    main()
