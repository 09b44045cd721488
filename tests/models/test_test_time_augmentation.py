"""`keras_smalldata.models.TestTimeAugmentation`: views, aggregation, determinism,
serialization and serving export."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_smalldata.layers
from keras_smalldata import models

SHAPE = (6, 6, 1)


@keras.saving.register_keras_serializable(package="tests")
class AddOneWhenTraining(keras.layers.Layer):
    """A deterministic stand-in for augmentation: x + 1 when training."""

    def call(self, x, training=None):
        return x + 1.0 if training else x


def _model(num_outputs=3):
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input(SHAPE),
            keras.layers.Flatten(),
            keras.layers.Dense(num_outputs, activation="softmax"),
        ]
    )


def _augmentation():
    return keras.Sequential(
        [
            keras.layers.RandomFlip("horizontal", seed=1),
            keras_smalldata.layers.RandomGaussianNoise(0.2, value_range=(0, 1), seed=2),
        ]
    )


def _inputs(n=5):
    return np.random.default_rng(0).uniform(size=(n,) + SHAPE).astype("float32")


def _tta(**kwargs):
    return models.TestTimeAugmentation(_model(), _augmentation(), **kwargs)


@pytest.mark.parametrize("num_views", [1, 2, 5])
def test_aggregates_the_views(num_views):
    model = _model()
    x = _inputs()
    p0 = np.asarray(model(x))
    p1 = np.asarray(model(x + 1))
    weights = np.array([1.0, num_views - 1.0])[:, None, None] / num_views
    log_mean = np.sum(weights * np.log(np.stack([p0, p1]) + 1e-7), axis=0)
    geometric = np.exp(log_mean) / np.exp(log_mean).sum(-1, keepdims=True)
    expected = {
        "mean": p0 / num_views + p1 * (num_views - 1) / num_views,
        "geometric_mean": geometric,
        "max": np.maximum(p0, p1) if num_views > 1 else p0,
    }
    for aggregate, want in expected.items():
        tta = models.TestTimeAugmentation(
            model, AddOneWhenTraining(), num_views=num_views, aggregate=aggregate
        )
        np.testing.assert_allclose(np.asarray(tta(x)), want, atol=1e-6)


def test_views_are_augmented_and_deterministic():
    tta = _tta(num_views=4)
    x = _inputs()
    first = tta.predict(x, verbose=0)
    np.testing.assert_array_equal(first, tta.predict(x, verbose=0))
    np.testing.assert_array_equal(first, np.asarray(tta(x)))  # Eager as traced.
    assert np.abs(first - tta.model.predict(x, verbose=0)).max() > 1e-3
    np.testing.assert_allclose(first.sum(-1), 1.0, atol=1e-5)


def test_leaves_the_augmentation_random_state_alone():
    tta = _tta(num_views=3)
    states = [np.asarray(v) for v in tta.augmentation.variables]
    assert len(states) == 2  # One seed generator per layer.
    tta.predict(_inputs(), verbose=0)
    for state, variable in zip(states, tta.augmentation.variables, strict=True):
        np.testing.assert_array_equal(state, np.asarray(variable))


def test_seed_fixes_the_views():
    model, augmentation, x = _model(), _augmentation(), _inputs()

    def predict(seed):
        tta = models.TestTimeAugmentation(model, augmentation, num_views=3, seed=seed)
        return np.asarray(tta(x))

    np.testing.assert_array_equal(predict(0), predict(0))
    assert not np.array_equal(predict(0), predict(1))


def test_multiple_outputs():
    inputs = keras.Input(SHAPE)
    flat = keras.layers.Flatten()(inputs)
    model = keras.Model(
        inputs, {"a": keras.layers.Dense(2)(flat), "b": keras.layers.Dense(1)(flat)}
    )
    tta = models.TestTimeAugmentation(model, AddOneWhenTraining(), num_views=2)
    x = _inputs()
    got = tta.predict(x, verbose=0)
    plain, shifted = model.predict(x, verbose=0), model.predict(x + 1, verbose=0)
    for key in ("a", "b"):
        np.testing.assert_allclose(got[key], (plain[key] + shifted[key]) / 2, atol=1e-6)


def test_config_round_trip():
    tta = _tta(num_views=3, aggregate="geometric_mean", seed=4)
    config = tta.get_config()
    restored = models.TestTimeAugmentation.from_config(config)
    assert json.dumps(restored.get_config(), sort_keys=True) == json.dumps(
        config, sort_keys=True
    )
    assert (restored.num_views, restored.aggregate, restored.seed) == (
        3,
        "geometric_mean",
        4,
    )


def test_keras_save_and_load_give_identical_predictions(tmp_path):
    tta = _tta(num_views=3, aggregate="max")
    x = _inputs()
    expected = tta.predict(x, verbose=0)
    tta.save(tmp_path / "tta.keras")
    loaded = keras.saving.load_model(tmp_path / "tta.keras")
    assert isinstance(loaded, models.TestTimeAugmentation)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)


def test_serving_export_is_deterministic(tmp_path):
    from keras_smalldata.export import export_for_serving

    tta = _tta(num_views=4)
    tta.build((None,) + SHAPE)
    x = _inputs()
    signature = tf.TensorSpec((None,) + SHAPE, "float32", name="image")
    path = export_for_serving(tta, tmp_path / "tta", input_signature=signature)
    serve = tf.saved_model.load(path).signatures["serving_default"]
    first = serve(image=tf.constant(x))["output_0"].numpy()
    np.testing.assert_array_equal(first, serve(image=tf.constant(x))["output_0"])
    np.testing.assert_allclose(
        first, tta.predict(x, batch_size=len(x), verbose=0), atol=1e-5
    )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"num_views": 0}, "Received: num_views=0"),
        ({"num_views": 2.0}, "Received: num_views=2.0"),
        ({"aggregate": "median"}, "Received: aggregate='median'"),
        ({"seed": None}, "Received: seed=None"),
        ({"seed": -1}, "Received: seed=-1"),
        ({"model": "resnet"}, "Received: model='resnet'"),
        ({"augmentation": [AddOneWhenTraining()]}, "Received: augmentation=\\["),
    ],
)
def test_invalid_arguments(kwargs, match):
    arguments = {"model": _model(), "augmentation": AddOneWhenTraining(), **kwargs}
    with pytest.raises(ValueError, match=match):
        models.TestTimeAugmentation(**arguments)
