"""Runs the distributed-training scenarios in a fresh process and prints JSON.

Usage: `python _scenarios.py draws|training`. TensorFlow's logical devices can
only be configured before it initializes its devices, which any earlier
TensorFlow call in the pytest process has done, so the tests run this script in
a subprocess (with `CUDA_VISIBLE_DEVICES=""`). It splits the CPU into two
logical devices, runs every scenario of the group under
`tf.distribute.MirroredStrategy` over them (and on one device where a scenario
compares), and prints one JSON object, `{scenario: result}`, as the last line of
stdout. A scenario that raises reports `{"error": traceback}` instead, so one
failure does not hide the others.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["KERAS_BACKEND"] = "tensorflow"

import tensorflow as tf  # noqa: E402

_CPU = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    _CPU, [tf.config.LogicalDeviceConfiguration()] * 2
)

import contextlib  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_smalldata  # noqa: E402
from keras_smalldata import layers as L  # noqa: E402

DEVICES = ["/cpu:0", "/cpu:1"]


def mirrored():
    return tf.distribute.MirroredStrategy(DEVICES)


def local(strategy, value):
    """Per-replica numpy values of a distributed value (or variable)."""
    return [np.asarray(v) for v in strategy.experimental_local_results(value)]


# ---------------------------------------------------------------- draws


def _layer_cases():
    """Every public layer, with an input it augments, built to draw visibly."""
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 255, (4, 16, 16, 3)).astype("float32")
    table = rng.normal(size=(8, 6)).astype("float32")
    series = rng.normal(size=(4, 32, 2)).astype("float32")
    ones = np.ones(6, "float32")
    zeros = np.zeros(6, "float32")
    return {
        "RandomResizedCrop": (lambda: L.RandomResizedCrop(12, 12, seed=1), images),
        "TrivialAugment": (lambda: L.TrivialAugment(seed=1), images),
        "RandomGaussianNoise": (lambda: L.RandomGaussianNoise(5.0, seed=1), images),
        "RandomSaltPepper": (lambda: L.RandomSaltPepper(0.1, seed=1), images),
        "RandomApply": (
            lambda: L.RandomApply(L.RandomGaussianNoise(5.0, seed=2), seed=1),
            images,
        ),
        "RandomChoice": (
            lambda: L.RandomChoice(
                [L.RandomGaussianNoise(5.0, seed=2), L.RandomSaltPepper(0.1, seed=3)],
                seed=1,
            ),
            images,
        ),
        "FeatureNoise": (lambda: L.FeatureNoise(0.5, feature_std=ones, seed=1), table),
        "SwapNoise": (lambda: L.SwapNoise(0.5, seed=1), table),
        "FeatureDropout": (
            lambda: L.FeatureDropout(0.5, fill="mean", feature_mean=zeros, seed=1),
            table,
        ),
        "Jitter": (lambda: L.Jitter(0.1, seed=1), series),
        "RandomScaling": (lambda: L.RandomScaling(0.2, seed=1), series),
        "MagnitudeWarp": (lambda: L.MagnitudeWarp(0.3, seed=1), series),
        "TimeWarp": (lambda: L.TimeWarp(0.3, seed=1), series),
        "WindowSlice": (lambda: L.WindowSlice(0.5, seed=1), series),
        "WindowWarp": (lambda: L.WindowWarp(0.3, seed=1), series),
    }


def _per_replica_outputs(strategy, make_layer, x, call):
    """Builds the layer under the strategy and calls it on both replicas with
    the same input; returns the layer and the per-replica outputs."""
    with strategy.scope():
        layer = make_layer()
    x = tf.constant(x)
    step = tf.function(lambda: call(layer, x))
    return layer, local(strategy, strategy.run(step))


def _draw_report(x, outputs):
    return {
        "replicas_equal": bool(np.array_equal(outputs[0], outputs[1])),
        "changed": [
            bool(o.shape != x.shape or not np.array_equal(o, x)) for o in outputs
        ],
    }


def scenario_layers(strategy):
    """Each public layer, called on the same batch on both replicas."""
    cases = _layer_cases()
    with strategy.scope():
        built = {name: make_layer() for name, (make_layer, _) in cases.items()}
    inputs = {name: tf.constant(x) for name, (_, x) in cases.items()}

    @tf.function
    def step():
        return {
            name: layer(inputs[name], training=True) for name, layer in built.items()
        }

    outputs = strategy.run(step)
    results = {}
    for name, layer in built.items():
        report = _draw_report(cases[name][1], local(strategy, outputs[name]))
        # The mirrored seed state must stay identical on the replicas (what a
        # checkpoint saves); only the seed handed to the random ops is folded.
        states = local(strategy, layer.seed_generator.state.value)
        report["states_equal"] = bool(np.array_equal(states[0], states[1]))
        results[name] = report
    return results


def scenario_keras_rotation(strategy):
    """Keras' own RandomRotation: the behaviour the fold works around."""
    images = np.random.default_rng(0).uniform(0, 255, (4, 16, 16, 3))
    images = images.astype("float32")
    _, outputs = _per_replica_outputs(
        strategy,
        lambda: keras.layers.RandomRotation(0.3, seed=1),
        images,
        lambda layer, x: layer(x, training=True),
    )
    return _draw_report(images, outputs)


def scenario_keras_layer_in_container(strategy):
    """RandomApply(rate=1) around Keras' RandomRotation: our draw (whether to
    apply) is folded, the wrapped Keras layer's own draws are not."""
    images = np.random.default_rng(0).uniform(0, 255, (4, 16, 16, 3))
    images = images.astype("float32")
    _, outputs = _per_replica_outputs(
        strategy,
        lambda: L.RandomApply(keras.layers.RandomRotation(0.3, seed=2), 1.0, seed=1),
        images,
        lambda layer, x: layer(x, training=True),
    )
    return _draw_report(images, outputs)


def scenario_vae_noise(strategy):
    """The VAE's latent draws (its only randomness) on the same batch."""
    x = np.random.default_rng(0).normal(size=(8, 5)).astype("float32")

    def make_vae():
        keras.utils.set_random_seed(0)
        return keras_smalldata.models.VAE.for_tabular(
            5, latent_dim=2, hidden_units=(4,), seed=1
        )

    _, outputs = _per_replica_outputs(
        strategy,
        make_vae,
        x,
        lambda vae, x: vae(x, training=True)["reconstruction"],
    )
    return {"replicas_equal": bool(np.array_equal(outputs[0], outputs[1]))}


def scenario_mixing(strategy):
    """`mixup` / `cutmix` datasets run on the host, on the global batch, before
    the strategy splits it: each replica gets different samples with their own
    weights. Reports each replica's mixing weights, read off one-hot labels."""
    num = 8
    x = np.eye(num, dtype="float32")
    y = np.eye(num, dtype="float32")
    results = {}
    for method in ("mixup", "cutmix"):
        dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(num)
        mixed = getattr(keras_smalldata.data, method)(dataset, seed=1)
        batch = next(iter(strategy.experimental_distribute_dataset(mixed)))
        labels = local(strategy, batch[1])
        half = num // 2
        # Weight each local sample keeps of its own (global) label.
        own = [
            [float(labels[r][j, r * half + j]) for j in range(half)] for r in range(2)
        ]
        results[method] = {
            "local_batch_sizes": [int(v.shape[0]) for v in labels],
            "own_weights": own,
        }
    return results


# ------------------------------------------------------------- training


def _tabular_data(n=32):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int32")
    return x, y


def _head(units, seed):
    return keras.layers.Dense(
        units, kernel_initializer=keras.initializers.GlorotUniform(seed=seed)
    )


def _classifier(augmentation):
    model = keras.Sequential(
        [keras.Input((4,))]
        + augmentation
        + [_head(16, 10), keras.layers.Activation("relu"), _head(2, 11)]
    )
    model.compile(
        keras.optimizers.SGD(0.05),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def _fit_classifier(strategy, augmentation, epochs):
    x, y = _tabular_data()
    with strategy.scope() if strategy else contextlib.nullcontext():
        model = _classifier(augmentation())
    history = model.fit(
        x, y, batch_size=8, epochs=epochs, shuffle=False, verbose=0
    ).history
    return model, history


def scenario_model_exact(strategy):
    """Our layers at zero strength in a Dense classifier: the distributed run
    must reproduce the single-device weights (same data, same initial weights,
    each global batch of 8 split 4 + 4 and the gradients summed)."""
    ones = np.ones(4, "float32")

    def augmentation():
        return [
            L.FeatureNoise(0.0, feature_std=ones, seed=1),
            L.SwapNoise(0.0, seed=2),
            L.FeatureDropout(0.0, seed=3),
        ]

    single, single_history = _fit_classifier(None, augmentation, epochs=2)
    dist, dist_history = _fit_classifier(strategy, augmentation, epochs=2)
    states = [
        local(strategy, layer.seed_generator.state.value) for layer in dist.layers[:3]
    ]
    return {
        "max_weight_diff": max(
            float(np.max(np.abs(a - b)))
            for a, b in zip(single.get_weights(), dist.get_weights(), strict=True)
        ),
        "single_loss": single_history["loss"],
        "dist_loss": dist_history["loss"],
        "single_states": [
            np.asarray(layer.seed_generator.state.value).tolist()
            for layer in single.layers[:3]
        ],
        "dist_states": [[s.tolist() for s in replica] for replica in states],
    }


def scenario_model_augmented(strategy):
    """Active augmentation: three single-device runs with seeds 0, 1, 2 and a
    distributed run with seed 0; the training loss per epoch, and the clean
    (training=False) loss and accuracy at the end."""
    x, y = _tabular_data()
    ones = np.ones(4, "float32")

    def run(strategy, seed):
        def augmentation():
            return [
                L.FeatureNoise(0.3, feature_std=ones, seed=seed),
                L.SwapNoise(0.1, seed=seed + 100),
            ]

        model, history = _fit_classifier(strategy, augmentation, epochs=15)
        # The clean (training=False) predictions, called eagerly: cheaper than
        # tracing `evaluate` for each run.
        logits = model(x, training=False)
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, logits)
        accuracy = np.mean(np.argmax(np.asarray(logits), -1) == y)
        return {
            "loss": [float(v) for v in history["loss"]],
            "clean_loss": float(loss),
            "clean_accuracy": float(accuracy),
        }

    return {
        "single": [run(None, seed) for seed in (0, 1, 2)],
        "dist": run(strategy, 0),
    }


def scenario_vae(strategy):
    """VAE.fit with KLAnnealing: three single-device runs with latent seeds 0,
    1, 2 and a distributed run with seed 0, from the same initial weights."""
    x = np.random.default_rng(0).normal(size=(64, 6)).astype("float32")

    def run(strategy, seed):
        with strategy.scope() if strategy else contextlib.nullcontext():
            keras.utils.set_random_seed(0)  # the networks' initial weights
            vae = keras_smalldata.models.VAE.for_tabular(
                6, latent_dim=2, hidden_units=(8,), seed=seed
            )
            vae.compile(optimizer=keras.optimizers.Adam(0.01))
        history = vae.fit(
            x,
            batch_size=16,
            epochs=3,
            shuffle=False,
            verbose=0,
            # Assigns `beta_variable` between steps, in cross-replica context.
            callbacks=[keras_smalldata.callbacks.KLAnnealing(warmup_epochs=2)],
        )
        logs = history.history
        return {key: [float(v) for v in values] for key, values in logs.items()}

    return {
        "single": [run(None, seed) for seed in (0, 1, 2)],
        "dist": run(strategy, 0),
    }


def scenario_fine_tune(strategy):
    """`fine_tune` (it compiles twice with new optimizers, the second a
    `DiscriminativeOptimizer`) on one device, and under the strategy called
    inside and outside `strategy.scope()`."""
    x, y = _tabular_data()
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)

    def run(strategy, inside):
        with strategy.scope() if strategy else contextlib.nullcontext():
            backbone = keras.Sequential(
                [
                    keras.Input((4,)),
                    _head(8, 1),
                    keras.layers.Activation("relu"),
                    _head(8, 2),
                ],
                name="backbone",
            )
            model = keras.Sequential(
                [
                    keras.Input((4,)),
                    L.FeatureNoise(0.0, feature_std=np.ones(4, "float32"), seed=1),
                    backbone,
                    _head(2, 3),
                ]
            )
            model.compile(
                keras.optimizers.SGD(0.05),
                keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            )
        scope = strategy.scope() if strategy and inside else contextlib.nullcontext()
        with scope:
            history = keras_smalldata.transfer.fine_tune(
                model, dataset, epochs=2, freeze_epochs=1, base_lr=0.05, lr_mult=10
            )
        return model, history.history["loss"]

    single, single_loss = run(None, False)
    report = {"single_loss": single_loss}
    for key, inside in (("inside", True), ("outside", False)):
        model, loss = run(strategy, inside)
        report[key] = {
            "loss": loss,
            "max_weight_diff": max(
                float(np.max(np.abs(a - b)))
                for a, b in zip(single.get_weights(), model.get_weights(), strict=True)
            ),
        }
    return report


GROUPS = {
    "draws": [
        scenario_layers,
        scenario_keras_rotation,
        scenario_keras_layer_in_container,
        scenario_vae_noise,
        scenario_mixing,
    ],
    "training": [
        scenario_model_exact,
        scenario_model_augmented,
        scenario_vae,
        scenario_fine_tune,
    ],
}


def main(group):
    strategy = mirrored()
    results = {"num_replicas": strategy.num_replicas_in_sync}
    for scenario in GROUPS[group]:
        name = scenario.__name__.removeprefix("scenario_")
        start = time.perf_counter()
        try:
            results[name] = scenario(strategy)
        except Exception:  # reported to the test, which fails on it
            results[name] = {"error": traceback.format_exc()}
        print(f"{name}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1])
