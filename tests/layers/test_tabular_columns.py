"""What the tabular layers add to the layer contract: `columns` and edge cases.

The `columns` selection (indices, boolean masks, negative indices, and the
errors for selections that do not fit the data), a batch of one row, a constant
column, and the `rate` checks. The shared contract is in
`test_layer_contract.py`; `adapt` in `test_tabular_adapt.py`.
"""

import re

import keras
import numpy as np
import pytest
from _layer_cases import FEATURES, TABULAR_CASES, row_batch

from keras_smalldata import layers

BATCH = 16

parametrize_cases = pytest.mark.parametrize("case", TABULAR_CASES, ids=str)


@pytest.fixture
def rows(rng):
    return row_batch(rng)


@parametrize_cases
def test_edge_cases_stay_finite(case):
    # A batch of one row and a constant (zero-variance) column.
    one_row = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]], "float32")
    out = np.asarray(case.make(seed=1)(one_row, training=True))
    assert out.shape == (1, FEATURES)
    assert np.all(np.isfinite(out))
    constant = np.tile(one_row, (BATCH, 1))
    out = np.asarray(case.make(seed=1)(constant, training=True))
    assert np.all(np.isfinite(out))


@parametrize_cases
def test_columns_limit_the_changes(case, rows):
    indices = case.make(seed=5, columns=[0, 2])(rows, training=True)
    mask = [True, False, True, False, False, False]
    masked = case.make(seed=5, columns=mask)(rows, training=True)
    np.testing.assert_array_equal(indices, masked)
    indices = np.asarray(indices)
    np.testing.assert_array_equal(indices[:, [1, 3, 4, 5]], rows[:, [1, 3, 4, 5]])
    assert not np.array_equal(indices[:, 0], rows[:, 0])
    assert not np.array_equal(indices[:, 2], rows[:, 2])
    # A negative index counts from the end.
    negative = case.make(seed=5, columns=[-1])(rows, training=True)
    last = case.make(seed=5, columns=[FEATURES - 1])(rows, training=True)
    np.testing.assert_array_equal(negative, last)


@parametrize_cases
@pytest.mark.parametrize(
    "columns", [[], [0.5, 1.0], [[0, 1]], "abc", np.array([], "int64")]
)
def test_bad_columns_raise_at_construction(case, columns):
    with pytest.raises(ValueError, match=re.escape(f"Received: columns={columns!r}")):
        case.make(columns=columns)


@parametrize_cases
@pytest.mark.parametrize("columns", [[FEATURES], [0, -FEATURES - 1], [True, False]])
def test_columns_not_matching_the_data_raise(case, rows, columns):
    # Built from a config, so adapted layers skip `adapt`'s own check.
    config = case.make().get_config() | {"columns": columns}
    layer = type(case.make()).from_config(config)
    match = re.escape(f"Received: columns={columns}")
    with pytest.raises(ValueError, match=match):
        layer(rows, training=True)
    with pytest.raises(ValueError, match=match):
        keras.Sequential([keras.Input((FEATURES,)), layer])


@pytest.mark.parametrize("make", [layers.SwapNoise, layers.FeatureDropout])
@pytest.mark.parametrize("rate", [-0.1, 1.5, float("nan"), "0.5", True])
def test_rate_outside_unit_interval_raises(make, rate):
    with pytest.raises(ValueError, match=re.escape(f"Received: rate={rate!r}")):
        make(rate=rate)


@pytest.mark.parametrize("make", [layers.SwapNoise, layers.FeatureDropout])
@pytest.mark.parametrize("rate", [0.0, 1.0])
def test_rate_bounds_are_accepted(make, rate):
    assert make(rate=rate).rate == rate
