"""Properties of the tabular augmentation layers on drawn rows and arguments."""

import numpy as np
from _property_strategies import (
    LayerSpec,
    check_layer,
    columns,
    fractions,
    non_negative,
    rows,
    seeds,
    selected,
)
from hypothesis import given
from hypothesis import strategies as st

from keras_smalldata.layers import FeatureDropout, FeatureNoise, SwapNoise


def check_unselected_columns_kept(output, x, columns_arg):
    kept = ~selected(columns_arg, x.shape[1])
    np.testing.assert_array_equal(output[:, kept], x[:, kept])


@st.composite
def feature_noise_cases(draw):
    x = draw(rows())
    features = x.shape[1]
    # The statistics are given, or learned by `adapt` on the rows themselves.
    feature_std = draw(
        st.none() | st.lists(non_negative(50.0), min_size=features, max_size=features)
    )
    spec = LayerSpec(
        FeatureNoise,
        {
            "stddev": draw(non_negative(3.0)),
            "columns": draw(columns(features)),
            "seed": draw(seeds),
            "feature_std": feature_std,
        },
        adapt=x if feature_std is None else None,
    )
    return x, spec


@given(feature_noise_cases())
def test_feature_noise(count_case, case):
    count_case("FeatureNoise")
    x, spec = case
    output = check_layer(spec, x)
    check_unselected_columns_kept(output, x, spec.kwargs["columns"])
    # Features with zero variance get no noise.
    std = spec.kwargs["feature_std"]
    if std is None:
        std = np.std(x.astype("float64"), axis=0)
    constant = np.asarray(std) == 0
    np.testing.assert_array_equal(output[:, constant], x[:, constant])
    if spec.kwargs["stddev"] == 0:
        np.testing.assert_array_equal(output, x)


@st.composite
def swap_noise_cases(draw):
    x = draw(rows())
    spec = LayerSpec(
        SwapNoise,
        {
            "rate": draw(fractions()),
            "columns": draw(columns(x.shape[1])),
            "seed": draw(seeds),
        },
    )
    return x, spec


@given(swap_noise_cases())
def test_swap_noise(count_case, case):
    count_case("SwapNoise")
    x, spec = case
    output = check_layer(spec, x)
    # Values come from the same column of some row.
    for j in range(x.shape[1]):
        assert set(output[:, j].tolist()) <= set(x[:, j].tolist())
    check_unselected_columns_kept(output, x, spec.kwargs["columns"])
    if spec.kwargs["rate"] == 0 or x.shape[0] == 1:
        # Nothing to swap with in a batch of one row.
        np.testing.assert_array_equal(output, x)


@st.composite
def feature_dropout_cases(draw):
    x = draw(rows())
    features = x.shape[1]
    fill = draw(st.sampled_from(["zero", "mean"]))
    feature_mean = None
    if fill == "mean":  # given, or learned by `adapt` on the rows themselves
        feature_mean = draw(
            st.none()
            | st.lists(
                st.floats(-300.0, 300.0, allow_subnormal=False),
                min_size=features,
                max_size=features,
            )
        )
    spec = LayerSpec(
        FeatureDropout,
        {
            "rate": draw(fractions()),
            "fill": fill,
            "columns": draw(columns(features)),
            "seed": draw(seeds),
            "feature_mean": feature_mean,
        },
        adapt=x if fill == "mean" and feature_mean is None else None,
    )
    return x, spec


def fill_values(spec, x):
    """The values masked entries take, in the input's dtype."""
    if spec.kwargs["fill"] == "zero":
        return np.zeros(x.shape[1], x.dtype)
    mean = spec.kwargs["feature_mean"]
    if mean is None:
        mean = np.mean(x.astype("float64"), axis=0)
    mean = np.asarray(mean, "float32")
    if x.dtype == np.uint8:  # rounded and clipped, like any integer output
        mean = np.clip(np.round(mean), 0, 255)
    return mean.astype(x.dtype)


@given(feature_dropout_cases())
def test_feature_dropout(count_case, case):
    count_case("FeatureDropout")
    x, spec = case
    output = check_layer(spec, x)
    fill = np.broadcast_to(fill_values(spec, x), x.shape)
    assert np.all((output == x) | (output == fill))
    check_unselected_columns_kept(output, x, spec.kwargs["columns"])
    rate = spec.kwargs["rate"]
    if rate == 0:
        np.testing.assert_array_equal(output, x)
    if rate == 1:
        chosen = selected(spec.kwargs["columns"], x.shape[1])
        np.testing.assert_array_equal(output[:, chosen], fill[:, chosen])
