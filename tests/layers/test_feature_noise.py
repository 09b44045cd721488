"""FeatureNoise: noise scaled per column by the adapted standard deviation."""

import re

import keras
import numpy as np
import pytest

from keras_smalldata.layers import FeatureNoise

COLUMN_STD = np.array([0.5, 2.0, 10.0, 0.0])


@pytest.fixture
def columns_of_different_scales(rng):
    x = rng.normal([1.0, -4.0, 50.0, 3.0], COLUMN_STD, (4096, 4))
    return x.astype("float32")


@pytest.mark.parametrize("stddev", [0.1, 0.5, 3.0])
def test_noise_std_is_stddev_times_column_std(columns_of_different_scales, stddev):
    x = columns_of_different_scales
    layer = FeatureNoise(stddev, seed=0)
    layer.adapt(x)
    noise = np.asarray(layer(x, training=True), "float64") - x
    expected = stddev * np.asarray(layer.feature_std)
    np.testing.assert_allclose(noise[:, :3].std(axis=0), expected[:3], rtol=0.1)
    assert np.all(np.abs(noise[:, :3].mean(axis=0)) < 0.1 * expected[:3])
    # The constant column has zero variance and gets no noise at all.
    np.testing.assert_array_equal(noise[:, 3], 0.0)


def test_noise_is_independent_across_columns(columns_of_different_scales):
    x = columns_of_different_scales
    layer = FeatureNoise(1.0, seed=0)
    layer.adapt(x)
    noise = np.asarray(layer(x, training=True), "float64") - x
    correlation = np.corrcoef(noise[:, :3], rowvar=False)
    off_diagonal = correlation[~np.eye(3, dtype=bool)]
    assert np.abs(off_diagonal).max() < 0.1


def test_noise_uses_adapted_std_not_the_batch_std(rng):
    layer = FeatureNoise(0.5, seed=0)
    layer.adapt(rng.normal(0, 2.0, (1000, 2)))
    batch = rng.normal(0, 100.0, (4096, 2)).astype("float32")
    noise = np.asarray(layer(batch, training=True), "float64") - batch
    np.testing.assert_allclose(noise.std(axis=0), 0.5 * 2.0, rtol=0.1)


def test_columns_outside_the_selection_get_no_noise(columns_of_different_scales):
    x = columns_of_different_scales
    layer = FeatureNoise(0.5, columns=[1], seed=0)
    layer.adapt(x)
    out = np.asarray(layer(x, training=True))
    np.testing.assert_array_equal(out[:, [0, 2, 3]], x[:, [0, 2, 3]])
    noise = out[:, 1].astype("float64") - x[:, 1]
    assert abs(noise.std() / (0.5 * layer.feature_std[1]) - 1) < 0.1


def test_one_hot_columns_stay_one_hot(rng):
    continuous = rng.normal(0, 1, (64, 2))
    one_hot = np.eye(3)[rng.integers(0, 3, 64)]
    x = np.concatenate([continuous, one_hot], axis=1).astype("float32")
    layer = FeatureNoise(0.3, columns=[True, True, False, False, False], seed=0)
    layer.adapt(x)
    out = np.asarray(layer(x, training=True))
    np.testing.assert_array_equal(out[:, 2:], one_hot)
    assert np.all(out[:, :2] != x[:, :2])


def test_zero_stddev_is_identity_in_training(columns_of_different_scales):
    x = columns_of_different_scales
    layer = FeatureNoise(0.0, seed=0)
    layer.adapt(x)
    np.testing.assert_array_equal(layer(x, training=True), x)


def test_feature_std_given_directly(rng):
    x = np.zeros((4096, 2), "float32")
    layer = FeatureNoise(0.5, feature_std=[1.0, 4.0], seed=0)
    noise = np.asarray(layer(x, training=True), "float64")
    np.testing.assert_allclose(noise.std(axis=0), [0.5, 2.0], rtol=0.1)


def test_adapt_replaces_the_previous_statistics(rng):
    layer = FeatureNoise(0.1)
    layer.adapt(rng.normal(0, 1, (100, 3)))
    layer.adapt(np.array([[0.0, 0.0], [2.0, 4.0]]))
    assert layer.feature_std == [1.0, 2.0]


@pytest.mark.parametrize("training", [None, False, True])
def test_unadapted_layer_raises(training):
    with pytest.raises(ValueError, match="Received: feature_std=None"):
        FeatureNoise(0.1)(np.ones((2, 3), "float32"), training=training)


def test_unadapted_layer_in_a_model_raises_on_predict():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, FeatureNoise(0.1)(inputs))
    with pytest.raises(ValueError, match="call `layer.adapt"):
        model.predict(np.ones((2, 3), "float32"), verbose=0)


@pytest.mark.parametrize("stddev", [-0.1, -5, "0.1", True, None])
def test_bad_stddev_raises(stddev):
    with pytest.raises(ValueError, match=re.escape(f"Received: stddev={stddev!r}")):
        FeatureNoise(stddev)


def test_nan_stddev_raises():
    # NaN is not a non-negative number; accepted, it turns every output to NaN.
    with pytest.raises(ValueError, match="Received: stddev=nan"):
        FeatureNoise(float("nan"))
