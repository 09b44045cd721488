"""SwapNoise: entries take the same column's value from another row."""

import re

import numpy as np
import pytest
import tensorflow as tf
from _backend_marks import TF_DATA, tensorflow_only

from keras_smalldata.layers import SwapNoise

ROWS, FEATURES = 256, 16


@pytest.fixture
def distinct():
    # Every value distinct, so a swap is always visible; value // FEATURES is
    # the row it came from and value % FEATURES its column.
    return np.arange(ROWS * FEATURES, dtype="float32").reshape(ROWS, FEATURES)


def test_values_stay_in_their_column(distinct):
    out = np.asarray(SwapNoise(0.5, seed=0)(distinct, training=True))
    assert out.shape == distinct.shape
    for j in range(FEATURES):
        assert set(out[:, j].tolist()) <= set(distinct[:, j].tolist())
    np.testing.assert_array_equal(out % FEATURES, distinct % FEATURES)


@pytest.mark.parametrize("rate", [0.05, 0.15, 0.5, 0.9])
def test_about_rate_of_the_entries_are_swapped(distinct, rate):
    out = np.asarray(SwapNoise(rate, seed=1)(distinct, training=True))
    swapped = out != distinct
    assert abs(swapped.mean() - rate) < 0.03
    # Every column is swapped at the same rate.
    assert np.all(np.abs(swapped.mean(axis=0) - rate) < 0.15)


def test_donors_are_other_rows_spread_over_the_batch(distinct):
    out = np.asarray(SwapNoise(1.0, seed=2)(distinct, training=True))
    donor = out // FEATURES
    own = np.arange(ROWS)[:, None]
    # With rate 1 every entry comes from another row, never its own.
    assert np.all(donor != own)
    # Donors are drawn per entry, across the whole batch.
    assert len(np.unique(donor)) > 0.9 * ROWS
    assert np.mean(donor[:, :1] == donor) < 0.1
    offsets = (donor - own) % ROWS
    assert offsets.min() >= 1 and offsets.max() <= ROWS - 1
    assert abs(offsets.mean() / (ROWS / 2) - 1) < 0.1


def test_batch_of_two_exchanges_the_rows():
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "float32")
    np.testing.assert_array_equal(SwapNoise(1.0, seed=0)(x, training=True), x[::-1])


@pytest.mark.parametrize("rate", [0.5, 1.0])
def test_batch_of_one_is_unchanged(rate):
    x = np.array([[1.0, 2.0, 3.0]], "float32")
    np.testing.assert_array_equal(SwapNoise(rate, seed=0)(x, training=True), x)


def test_rate_zero_is_identity_in_training(distinct):
    np.testing.assert_array_equal(
        SwapNoise(0.0, seed=0)(distinct, training=True), distinct
    )


def test_columns_outside_the_selection_are_unchanged(distinct):
    columns = [0, 3, 7]
    out = np.asarray(SwapNoise(0.5, columns=columns, seed=3)(distinct, training=True))
    others = [j for j in range(FEATURES) if j not in columns]
    np.testing.assert_array_equal(out[:, others], distinct[:, others])
    assert abs((out[:, columns] != distinct[:, columns]).mean() - 0.5) < 0.06


def test_one_hot_columns_stay_one_hot(rng):
    one_hot = np.eye(4, dtype="float32")[rng.integers(0, 4, 64)]
    out = np.asarray(SwapNoise(0.5, seed=0)(one_hot, training=True))
    assert set(np.unique(out).tolist()) <= {0.0, 1.0}
    assert not np.array_equal(out, one_hot)


@tensorflow_only(TF_DATA)
def test_batches_of_any_size_in_tf_data(distinct):
    layer = SwapNoise(0.5, seed=4)
    # 10 rows in batches of 4: the last batch holds 2 rows.
    x = distinct[:10]
    batches = tf.data.Dataset.from_tensor_slices(x).batch(4)
    outputs = list(batches.map(lambda b: layer(b, training=True)).as_numpy_iterator())
    assert [len(b) for b in outputs] == [4, 4, 2]
    for start, out in zip([0, 4, 8], outputs, strict=True):
        rows = x[start : start + len(out)]
        for j in range(FEATURES):
            # Only values of the same batch can be swapped in.
            assert set(out[:, j].tolist()) <= set(rows[:, j].tolist())
    assert not np.array_equal(np.concatenate(outputs), x)


@pytest.mark.parametrize("rate", [-0.01, 1.01, "high", None])
def test_bad_rate_raises(rate):
    with pytest.raises(ValueError, match=re.escape(f"Received: rate={rate!r}")):
        SwapNoise(rate)
