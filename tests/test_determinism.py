"""What a seed fixes, across the package (issue #9); docs/determinism.md cites these.

Each test states one property measured on this machine (CPU, TensorFlow backend).
"""

import json
import os
import subprocess
import sys
import textwrap

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402
from _layer_cases import CASES  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

from keras_smalldata import layers  # noqa: E402
from keras_smalldata.compare import KerasClassifier, ModelComparison  # noqa: E402
from keras_smalldata.data import (  # noqa: E402
    AugmentedSequence,
    SyntheticDataGenerator,
    cutmix,
    mixup,
)
from keras_smalldata.datasets import load_wine  # noqa: E402
from keras_smalldata.models import VAE  # noqa: E402
from keras_smalldata.study import run_study  # noqa: E402


def _data(case):
    # Samples that every layer changes in training (SwapNoise needs distinct rows).
    return case.data(np.random.default_rng(0))


def _draws(layer, x, calls=2):
    return [np.asarray(layer(x, training=True)) for _ in range(calls)]


# Every public layer, from the registry the layer contract uses.
parametrize_layers = pytest.mark.parametrize("case", CASES, ids=str)


@parametrize_layers
def test_same_seed_gives_the_same_sequence_of_draws(case):
    make, x = case.make, _data(case)
    first, second = _draws(make(3), x), _draws(make(3), x)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    # Each call draws anew: the sequence is fixed, not the single draw.
    assert not np.array_equal(first[0], first[1])


@parametrize_layers
def test_different_seeds_give_different_draws(case):
    make, x = case.make, _data(case)
    assert not np.array_equal(_draws(make(3), x, 1)[0], _draws(make(4), x, 1)[0])


@parametrize_layers
def test_unseeded_layers_differ_unless_keras_seed_is_set(case):
    make, x = case.make, _data(case)
    assert not np.array_equal(_draws(make(None), x, 1)[0], _draws(make(None), x, 1)[0])
    # `seed=None` takes its seed from Python's `random`, which
    # `keras.utils.set_random_seed` seeds.
    keras.utils.set_random_seed(11)
    first = _draws(make(None), x, 1)[0]
    keras.utils.set_random_seed(11)
    np.testing.assert_array_equal(first, _draws(make(None), x, 1)[0])


def test_seeded_layer_in_a_sequential_tf_data_map():
    x = np.random.default_rng(0).normal(size=(4, 16, 2)).astype("float32")

    def batches(seed):
        layer = layers.WindowWarp(0.3, seed=seed)
        dataset = tf.data.Dataset.from_tensor_slices(x).batch(2)
        dataset = dataset.map(lambda series: layer(series, training=True))
        return [b.numpy() for b in dataset]

    first, second = batches(5), batches(5)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(np.stack(first), np.stack(batches(6)))


# ------------------------------------------------------------- mixup / cutmix


def _mixing_dataset():
    x = np.random.default_rng(0).normal(size=(8, 6)).astype("float32")
    y = keras.utils.to_categorical(np.arange(8) % 3, 3).astype("float32")
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(4)


def _epochs(dataset, count=2):
    """Each pass over `dataset`, flattened to one array."""
    return [
        np.concatenate([np.append(x, y) for x, y in dataset.as_numpy_iterator()])
        for _ in range(count)
    ]


@pytest.mark.parametrize("mix", [mixup, cutmix], ids=["mixup", "cutmix"])
def test_mixing_is_seeded_per_epoch_sequence(mix):
    first = _epochs(mix(_mixing_dataset(), seed=0))
    second = _epochs(mix(_mixing_dataset(), seed=0))
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], first[1])  # a new mix every epoch
    other = _epochs(mix(_mixing_dataset(), seed=1), count=1)[0]
    assert not np.array_equal(first[0], other)


# ------------------------------------------------------------ PyDatasets


def _series_arrays():
    x = np.random.default_rng(0).normal(size=(4, 16, 2)).astype("float32")
    x = np.concatenate([x, x[::-1]])  # 8 series
    y = keras.utils.to_categorical(np.arange(8) % 2, 2).astype("float32")
    return x, y


def _batches(sequence, order):
    return {index: sequence[index] for index in order}


def test_augmented_sequence_is_seeded_across_epochs():
    x, y = _series_arrays()

    def run():
        sequence = AugmentedSequence(
            x,
            y,
            batch_size=4,
            augmentation=layers.Jitter(0.1, seed=1),
            mix="mixup",
            seed=0,
        )
        epochs = []
        for _ in range(2):
            epochs.append(_batches(sequence, range(len(sequence))))
            sequence.on_epoch_end()
        return epochs

    first, second = run(), run()
    for epoch_a, epoch_b in zip(first, second, strict=True):
        for index in epoch_a:
            for a, b in zip(epoch_a[index], epoch_b[index], strict=True):
                np.testing.assert_array_equal(a, b)


def test_augmented_sequence_mixing_ignores_order_but_layers_do_not():
    x, y = _series_arrays()

    def sequence(augmentation):
        return AugmentedSequence(
            x, y, batch_size=2, augmentation=augmentation, mix="cutmix", seed=0
        )

    # Shuffling and mixing depend on (seed, epoch, batch index) only.
    in_order = _batches(sequence(None), range(4))
    reversed_order = _batches(sequence(None), reversed(range(4)))
    for index in range(4):
        for a, b in zip(in_order[index], reversed_order[index], strict=True):
            np.testing.assert_array_equal(a, b)
    # Augmentation layers draw batch after batch: the request order (thread
    # timing, with workers > 1) decides which batch gets which draw.
    in_order = _batches(sequence(layers.Jitter(0.1, seed=1)), range(4))
    reversed_order = _batches(sequence(layers.Jitter(0.1, seed=1)), reversed(range(4)))
    assert not np.array_equal(in_order[0][0], reversed_order[0][0])


@pytest.fixture(scope="module")
def tabular_cvae():
    keras.utils.set_random_seed(0)
    return VAE.for_tabular(4, latent_dim=2, num_classes=3, hidden_units=(8,))


def test_synthetic_data_generator_is_seeded_in_any_order(tabular_cvae):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 4)).astype("float32")
    y = np.arange(12) % 3

    def batches(seed, order):
        generator = SyntheticDataGenerator(tabular_cvae, x, y, batch_size=4, seed=seed)
        return _batches(generator, order)

    first = batches(0, range(3))
    second = batches(0, reversed(range(3)))
    for index in range(3):
        for a, b in zip(first[index], second[index], strict=True):
            np.testing.assert_array_equal(a, b)
    other = batches(1, range(3))
    assert not np.array_equal(first[0][0], other[0][0])


# ------------------------------------------------------------------ VAE


@pytest.mark.parametrize("num_classes", [None, 3], ids=["unconditional", "cvae"])
def test_vae_samples_survive_save_and_load(num_classes, tmp_path):
    keras.utils.set_random_seed(0)
    vae = VAE.for_tabular(4, latent_dim=2, num_classes=num_classes, hidden_units=(8,))
    labels = None if num_classes is None else [0, 1, 2, 2]
    before = vae.sample(4, labels=labels, seed=7)
    np.testing.assert_array_equal(before, vae.sample(4, labels=labels, seed=7))
    assert not np.array_equal(before, vae.sample(4, labels=labels, seed=8))
    vae.save(tmp_path / "vae.keras")
    loaded = keras.saving.load_model(tmp_path / "vae.keras", safe_mode=True)
    np.testing.assert_array_equal(before, loaded.sample(4, labels=labels, seed=7))


# ----------------------------------------------------------- comparisons

_TIMES = ["fit_time", "score_time", "fit_time_mean", "score_time_mean"]


def _without_times(frame):
    return frame.drop(columns=[c for c in _TIMES if c in frame.columns])


def _sklearn_estimators():
    return {
        "forest": RandomForestClassifier(n_estimators=5, random_state=0),
        "tree": DecisionTreeClassifier(random_state=0),
    }


def test_model_comparison_of_seeded_sklearn_estimators_repeats():
    x, y = load_wine()
    first, second = (
        ModelComparison(_sklearn_estimators(), random_state=0).fit(x, y)
        for _ in range(2)
    )
    pd.testing.assert_frame_equal(
        _without_times(first.results_), _without_times(second.results_)
    )
    pd.testing.assert_frame_equal(
        _without_times(first.fold_scores_), _without_times(second.fold_scores_)
    )
    pd.testing.assert_frame_equal(first.significance_, second.significance_)


def mlp(input_shape, n_classes):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.FeatureNoise(0.1, feature_std=[1.0] * input_shape[0]),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(n_classes, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", run_eagerly=True)
    return model


def test_model_comparison_of_seeded_keras_estimators_repeats_on_cpu():
    x, y = load_wine()
    x = (x - x.mean(0)) / x.std(0)

    def run():
        estimator = KerasClassifier(mlp, epochs=2, batch_size=32, random_state=0)
        return ModelComparison({"mlp": estimator}, cv=2, random_state=0).fit(x, y)

    first, second = run(), run()
    pd.testing.assert_frame_equal(
        _without_times(first.fold_scores_), _without_times(second.fold_scores_)
    )


def test_run_study_repeats_with_the_same_seed():
    x, y = load_wine()

    def run():
        results = run_study(
            x,
            y,
            per_class=(3,),
            arms=["svc", "augment"],
            repeats=1,
            seed=2,
            progress=False,
            epochs=1,
        )
        return results.scores.drop(columns=["fit_seconds"])

    pd.testing.assert_frame_equal(run(), run())


# ------------------------------------------------ training, op determinism

_TRAINING_SCRIPT = textwrap.dedent(
    """
    import json, os
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import keras
    import numpy as np
    import tensorflow as tf
    from keras_smalldata import layers
    from keras_smalldata.models import VAE

    tf.config.experimental.enable_op_determinism()
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 1, (16, 8, 8, 3)).astype("float32")
    series = rng.normal(size=(16, 12, 2)).astype("float32")
    rows = rng.normal(size=(16, 4)).astype("float32")
    labels = np.arange(16) % 3

    def classifier(shape, augmentation):
        # Unseeded layers: their seeds come from `set_random_seed`.
        model = keras.Sequential(
            [keras.Input(shape), *augmentation, keras.layers.Flatten(),
             keras.layers.Dropout(0.3),
             keras.layers.Dense(3, activation="softmax")]
        )
        model.compile("adam", "sparse_categorical_crossentropy")
        return model

    def run():
        keras.utils.set_random_seed(0)
        models = {
            "images": (classifier((8, 8, 3), [
                layers.RandomResizedCrop(8, 8, scale=(0.5, 1.0)),
                layers.RandomApply(
                    layers.RandomGaussianNoise(value_range=(0, 1)), rate=0.5),
                keras.layers.Conv2D(4, 3)]), images),
            "series": (classifier((12, 2), [
                layers.Jitter(), layers.TimeWarp(), layers.WindowWarp()]), series),
            "tabular": (classifier((4,), [
                layers.FeatureNoise(feature_std=[1.0] * 4), layers.SwapNoise(),
                layers.FeatureDropout()]), rows),
        }
        weights = {}
        for name, (model, x) in models.items():
            start = [w.numpy().copy() for w in model.weights]
            model.fit(x, labels, batch_size=4, epochs=2, verbose=0)
            end = [w.numpy() for w in model.weights]
            assert any(not np.array_equal(a, b) for a, b in zip(start, end))
            weights[name] = end
        vae = VAE.for_tabular(4, latent_dim=2, hidden_units=(8,))
        vae.compile(optimizer="adam")
        vae.fit(rows, batch_size=4, epochs=2, verbose=0)
        weights["vae"] = [w.numpy() for w in vae.weights]
        return weights

    first, second = run(), run()
    print(json.dumps({
        name: all(np.array_equal(a, b) for a, b in zip(first[name], second[name]))
        for name in first
    }))
    """
)


def test_training_repeats_under_set_random_seed_and_op_determinism():
    # `enable_op_determinism` is process-wide: run it in a fresh interpreter.
    result = subprocess.run(
        [sys.executable, "-c", _TRAINING_SCRIPT],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    identical = json.loads(result.stdout.strip().splitlines()[-1])
    assert identical == {"images": True, "series": True, "tabular": True, "vae": True}
