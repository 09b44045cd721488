"""FeatureDropout: random entries filled with zero or the adapted column mean."""

import re

import keras
import numpy as np
import pytest

from keras_smalldata.layers import FeatureDropout


@pytest.fixture
def rows(rng):
    # Values away from 0 and from the column means, so a masked entry shows.
    values = rng.uniform(1.0, 2.0, (512, 8)) * rng.choice([-1, 1], (512, 8))
    return (values + np.arange(8) * 10).astype("float32")


@pytest.mark.parametrize("rate", [0.05, 0.3, 0.7])
def test_about_rate_of_the_entries_are_zeroed(rows, rate):
    out = np.asarray(FeatureDropout(rate, seed=0)(rows, training=True))
    masked = out != rows
    assert abs(masked.mean() - rate) < 0.03
    np.testing.assert_array_equal(out[masked], 0.0)
    # Kept entries are not rescaled (unlike keras.layers.Dropout).
    np.testing.assert_array_equal(out[~masked], rows[~masked])


@pytest.mark.parametrize("rate", [0.1, 0.5])
def test_masked_entries_take_the_adapted_mean(rows, rate):
    layer = FeatureDropout(rate, fill="mean", seed=0)
    layer.adapt(rows)
    np.testing.assert_allclose(layer.feature_mean, rows.mean(axis=0), rtol=1e-5)
    out = np.asarray(layer(rows, training=True))
    masked = out != rows
    assert abs(masked.mean() - rate) < 0.04
    means = np.broadcast_to(np.float32(layer.feature_mean), rows.shape)
    np.testing.assert_array_equal(out[masked], means[masked])
    np.testing.assert_array_equal(out[~masked], rows[~masked])


def test_masks_are_drawn_per_entry(rows):
    out = np.asarray(FeatureDropout(0.5, seed=1)(rows, training=True))
    masked = out == 0
    # 512 rows of 8 fair coin flips show about 221 of the 256 patterns.
    assert len({row.tobytes() for row in masked}) > 180
    assert np.all(np.abs(masked.mean(axis=0) - 0.5) < 0.1)


def test_rate_one_fills_every_entry(rows):
    zeros = FeatureDropout(1.0, seed=0)(rows, training=True)
    np.testing.assert_array_equal(zeros, np.zeros_like(rows))
    layer = FeatureDropout(1.0, fill="mean", feature_mean=list(range(8)), seed=0)
    out = np.asarray(layer(rows, training=True))
    np.testing.assert_array_equal(out, np.tile(np.arange(8, dtype="float32"), (512, 1)))


@pytest.mark.parametrize("fill", ["zero", "mean"])
def test_rate_zero_is_identity_in_training(rows, fill):
    layer = FeatureDropout(0.0, fill=fill, feature_mean=[5.0] * 8, seed=0)
    np.testing.assert_array_equal(layer(rows, training=True), rows)


def test_columns_outside_the_selection_are_never_masked(rows):
    layer = FeatureDropout(0.5, columns=[True] * 4 + [False] * 4, seed=2)
    out = np.asarray(layer(rows, training=True))
    np.testing.assert_array_equal(out[:, 4:], rows[:, 4:])
    assert abs((out[:, :4] == 0).mean() - 0.5) < 0.06


def test_integer_input_gets_the_rounded_mean():
    x = np.array([[1, 4], [2, 4], [2, 5]], "int32")  # means 5/3 and 13/3
    layer = FeatureDropout(1.0, fill="mean", seed=0)
    layer.adapt(x)
    out = layer(x, training=True)
    np.testing.assert_array_equal(out, [[2, 4]] * 3)
    assert keras.backend.standardize_dtype(out.dtype) == "int32"


def test_zero_fill_needs_no_adapt(rows):
    layer = FeatureDropout(0.2, seed=0)
    assert layer.feature_mean is None
    out = np.asarray(layer(rows, training=True))
    assert 0 < (out == 0).mean() < 0.4


@pytest.mark.parametrize("training", [None, False, True])
def test_unadapted_mean_fill_raises(training):
    with pytest.raises(ValueError, match="Received: feature_mean=None"):
        FeatureDropout(0.1, fill="mean")(np.ones((2, 3), "float32"), training=training)


@pytest.mark.parametrize("fill", ["median", "Mean", None, 0])
def test_unknown_fill_raises(fill):
    with pytest.raises(ValueError, match=re.escape(f"Received: fill={fill!r}")):
        FeatureDropout(fill=fill)


@pytest.mark.parametrize("rate", [-0.5, 2, float("inf")])
def test_bad_rate_raises(rate):
    with pytest.raises(ValueError, match=re.escape(f"Received: rate={rate}")):
        FeatureDropout(rate)
