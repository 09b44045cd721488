"""Properties of the time-series augmentation layers on drawn series and arguments.

The layers document a minimum of 2 steps, so series have 2 to 16 steps.
"""

import numpy as np
from _property_strategies import (
    LayerSpec,
    check_layer,
    fractions,
    non_negative,
    seeds,
    series,
)
from hypothesis import given
from hypothesis import strategies as st

from keras_smalldata.layers import (
    Jitter,
    MagnitudeWarp,
    RandomScaling,
    TimeWarp,
    WindowSlice,
    WindowWarp,
)

# How far a resampling that should give the input back may land from it: float
# rounding of the interpolation weights, then the dtype's own rounding.
ATOL = {"uint8": 1.0, "float16": 1e-2, "float32": 1e-4}


@st.composite
def stddev_cases(draw, cls, high, **more):
    """Cases for a layer taking `stddev` (and the `more` strategies)."""
    x, pattern = draw(series())
    kwargs = {"stddev": draw(non_negative(high)), "seed": draw(seeds)}
    for name, strategy in more.items():
        kwargs[name] = draw(strategy)
    return x, pattern, LayerSpec(cls, kwargs)


def check_within_each_series(output, x):
    """Resampling interpolates, so each series stays within its own range."""
    x = x.astype("float32")
    low = x.min(axis=1, keepdims=True)
    high = x.max(axis=1, keepdims=True)
    tolerance = 1e-5 * max(1.0, float(np.abs(x).max()))
    assert np.all(output >= low - tolerance) and np.all(output <= high + tolerance)


def check_monotone_if_ramp(output, x, pattern):
    """A rising series stays rising: the warped clock never runs backwards."""
    if pattern == "ramp":
        tolerance = 1e-5 * max(1.0, float(np.abs(x.astype("float32")).max()))
        assert np.all(np.diff(output.astype("float32"), axis=1) >= -tolerance)


def check_close(output, x):
    np.testing.assert_allclose(
        output.astype("float32"), x.astype("float32"), rtol=0, atol=ATOL[x.dtype.name]
    )


@given(stddev_cases(Jitter, 3.0))
def test_jitter(count_case, case):
    count_case("Jitter")
    x, _, spec = case
    output = check_layer(spec, x)
    if spec.kwargs["stddev"] == 0:
        np.testing.assert_array_equal(output, x)


@given(stddev_cases(RandomScaling, 2.0))
def test_random_scaling(count_case, case):
    count_case("RandomScaling")
    x, _, spec = case
    output = check_layer(spec, x)
    if spec.kwargs["stddev"] == 0:
        np.testing.assert_array_equal(output, x)
    if x.dtype == np.float32:
        # One factor per series and channel: output / input is constant in time.
        ratio = np.where(np.abs(x) > 1e-3, output / np.where(x == 0, 1, x), np.nan)
        spread = np.nanmax(ratio, axis=1) - np.nanmin(ratio, axis=1)
        scale = np.nanmax(np.abs(ratio), axis=1)
        assert np.all(np.nan_to_num(spread) <= 1e-4 * np.nan_to_num(scale) + 1e-6)


@given(stddev_cases(MagnitudeWarp, 2.0, knots=st.integers(1, 8)))
def test_magnitude_warp(count_case, case):
    count_case("MagnitudeWarp")
    x, _, spec = case
    output = check_layer(spec, x)
    if spec.kwargs["stddev"] == 0:  # a curve through knots all equal to 1
        np.testing.assert_array_equal(output, x)


@given(stddev_cases(TimeWarp, 2.0, knots=st.integers(1, 8)))
def test_time_warp(count_case, case):
    count_case("TimeWarp")
    x, pattern, spec = case
    output = check_layer(spec, x)
    check_within_each_series(output, x)
    check_monotone_if_ramp(output, x, pattern)
    if spec.kwargs["stddev"] == 0:  # constant speed
        check_close(output, x)


@st.composite
def window_slice_cases(draw):
    x, pattern = draw(series())
    kwargs = {"ratio": draw(fractions(exclude_min=True)), "seed": draw(seeds)}
    return x, pattern, LayerSpec(WindowSlice, kwargs)


@given(window_slice_cases())
def test_window_slice(count_case, case):
    count_case("WindowSlice")
    x, pattern, spec = case
    output = check_layer(spec, x)
    check_within_each_series(output, x)
    check_monotone_if_ramp(output, x, pattern)
    if spec.kwargs["ratio"] == 1:  # the window is the whole series
        check_close(output, x)


@st.composite
def window_warp_cases(draw):
    x, pattern = draw(series())
    scale = st.just(1.0) | st.floats(0.05, 20.0)
    kwargs = {
        "window_ratio": draw(fractions(exclude_min=True)),
        "scales": tuple(draw(st.lists(scale, min_size=1, max_size=3))),
        "seed": draw(seeds),
    }
    return x, pattern, LayerSpec(WindowWarp, kwargs)


@given(window_warp_cases())
def test_window_warp(count_case, case):
    count_case("WindowWarp")
    x, pattern, spec = case
    output = check_layer(spec, x)
    check_within_each_series(output, x)
    check_monotone_if_ramp(output, x, pattern)
    if set(spec.kwargs["scales"]) == {1.0}:  # the window keeps its length
        check_close(output, x)
