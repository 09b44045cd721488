"""Serving latency of augmentation layers left in an exported model.

Exports the same CNN twice with `keras_smalldata.export.export_for_serving`:
once with augmentation layers at its input (Keras core `RandomFlip`,
`RandomRotation`, `RandomZoom`, `RandomContrast`, and keras_smalldata's
`TrivialAugment` and `RandomGaussianNoise` when they exist), once without.
Both share the same weights. Each is loaded with `tf.saved_model.load` and its
`serving_default` signature called at batch 1 and 32. Exported for serving, the
augmentation layers are inert, so they should cost nothing: the target is a p50
latency ratio (with / without) <= 1.02.

Each repeat times `--calls` calls of each model, alternating the two models
call by call, and takes the p50 of each; the script prints the median over
repeats of those p50s and of their per-repeat ratio, with the ratio's range.
Absolute times depend on the machine; the ratio is the result.

    python benchmarks/serving_overhead.py            # ~1-2 minutes on 2 CPUs
    python benchmarks/serving_overhead.py --repeats 3 --calls 20   # smoke run
"""

import argparse
import os
import platform
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_smalldata.export import export_for_serving  # noqa: E402


def augmentation_layers():
    layers = [
        keras.layers.RandomFlip(),
        keras.layers.RandomRotation(0.1),
        keras.layers.RandomZoom(0.2),
        keras.layers.RandomContrast(0.2),
    ]
    try:
        import keras_smalldata.layers as ours
    except ImportError:
        return layers, []
    extra = []
    if hasattr(ours, "TrivialAugment"):
        extra.append(ours.TrivialAugment(value_range=(0, 255)))
    if hasattr(ours, "RandomGaussianNoise"):
        extra.append(ours.RandomGaussianNoise(stddev=5.0, value_range=(0, 255)))
    return extra + layers, [type(layer).__name__ for layer in extra]


def build_models(image_size):
    backbone = keras.Sequential(
        [
            keras.layers.Rescaling(1 / 255),
            keras.layers.Conv2D(32, 3, strides=2, activation="relu"),
            keras.layers.Conv2D(64, 3, strides=2, activation="relu"),
            keras.layers.Conv2D(128, 3, strides=2, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(10),
        ],
        name="backbone",
    )
    shape = (image_size, image_size, 3)
    plain_inputs = keras.Input(shape, name="image")
    plain = keras.Model(plain_inputs, backbone(plain_inputs))
    augmented_inputs = keras.Input(shape, name="image")
    x = augmented_inputs
    layers, ours = augmentation_layers()
    for layer in layers:
        x = layer(x)
    augmented = keras.Model(augmented_inputs, backbone(x))  # same weights
    return augmented, plain, ours


def call_ms(function, images):
    start = time.perf_counter()
    function(image=images)["output_0"].numpy()
    return 1000 * (time.perf_counter() - start)


def paired_p50_ms(served, images, calls):
    """p50 of each model over `calls` calls, alternating call by call.

    Interleaving single calls exposes both models to the same machine state
    (other processes, CPU frequency), which a ratio of two separate timing
    loops would not.
    """
    times = {name: [] for name in served}
    names = list(served)
    for call in range(calls):
        for name in names if call % 2 == 0 else names[::-1]:
            times[name].append(call_ms(served[name], images))
    return {name: statistics.median(values) for name, values in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--image-size", type=int, default=96)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 32])
    args = parser.parse_args()

    keras.utils.set_random_seed(0)
    augmented, plain, ours = build_models(args.image_size)
    with tempfile.TemporaryDirectory() as tmp:
        served = {
            "augmented": tf.saved_model.load(
                export_for_serving(augmented, os.path.join(tmp, "augmented"))
            ).signatures["serving_default"],
            "plain": tf.saved_model.load(
                export_for_serving(plain, os.path.join(tmp, "plain"))
            ).signatures["serving_default"],
        }
    rng = np.random.default_rng(0)

    print(
        f"serving_overhead: keras {keras.__version__}, tensorflow "
        f"{tf.__version__}, {platform.machine()} CPU x{os.cpu_count()}, "
        f"images {args.image_size}x{args.image_size}x3, "
        f"{args.repeats} repeats x {args.calls} calls"
    )
    print(f"keras_smalldata layers in the augmented model: {ours or 'none yet'}")
    print(
        f"{'batch':>5}  {'p50 with aug (ms)':>17}  {'p50 without (ms)':>16}  "
        f"{'ratio (median)':>14}  {'ratio range':>13}"
    )
    for batch_size in args.batch_sizes:
        images = tf.constant(
            rng.uniform(0, 255, (batch_size, args.image_size, args.image_size, 3)),
            tf.float32,
        )
        paired_p50_ms(served, images, 10)  # warm up both
        np.testing.assert_allclose(
            served["augmented"](image=images)["output_0"],
            served["plain"](image=images)["output_0"],
            atol=1e-4,
        )
        with_aug, without, ratios = [], [], []
        for _ in range(args.repeats):
            p50 = paired_p50_ms(served, images, args.calls)
            with_aug.append(p50["augmented"])
            without.append(p50["plain"])
            ratios.append(p50["augmented"] / p50["plain"])
        print(
            f"{batch_size:>5}  {statistics.median(with_aug):>17.3f}  "
            f"{statistics.median(without):>16.3f}  "
            f"{statistics.median(ratios):>14.3f}  "
            f"{min(ratios):>6.3f}-{max(ratios):.3f}"
        )
    print("target: ratio (median) <= 1.02")


if __name__ == "__main__":
    main()
