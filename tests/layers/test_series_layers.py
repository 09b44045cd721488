"""What each time-series layer does to the values of a series."""

import numpy as np
import pytest

from keras_smalldata.layers import (
    Jitter,
    MagnitudeWarp,
    RandomScaling,
    TimeWarp,
    WindowSlice,
    WindowWarp,
)


@pytest.fixture
def positive(rng):
    # Away from zero, so output / input is well defined.
    return rng.uniform(1.0, 2.0, (512, 101, 2)).astype("float32")


@pytest.fixture
def ramp():
    """256 series rising from 0 to 1 over 101 steps, channels 1x and 2x."""
    line = np.linspace(0, 1, 101, dtype="float32")
    return np.tile(np.stack([line, 2 * line], -1)[None], (256, 1, 1))


def same_channels(rng, steps=50):
    return np.repeat(rng.normal(0, 1, (64, steps, 1)), 2, axis=-1).astype("float32")


# Jitter


@pytest.mark.parametrize("stddev", [0.03, 0.5, 2.0])
def test_jitter_residual_std_is_stddev(rng, stddev):
    x = rng.normal(0, 1, (64, 100, 2)).astype("float32")
    residual = np.asarray(Jitter(stddev, seed=0)(x, training=True), "float64") - x
    assert abs(residual.std() / stddev - 1) < 0.03
    assert abs(residual.mean()) < 0.03 * stddev
    # Independent from step to step.
    lag = np.corrcoef(residual[:, 1:].ravel(), residual[:, :-1].ravel())[0, 1]
    assert abs(lag) < 0.05


def test_jitter_zero_stddev_is_identity(positive):
    np.testing.assert_array_equal(
        Jitter(0.0, seed=0)(positive, training=True), positive
    )


def test_jitter_draws_per_channel(rng):
    x = same_channels(rng)
    out = np.asarray(Jitter(0.1, seed=0)(x, training=True))
    assert not np.any(out[..., 0] == out[..., 1])


# RandomScaling


def test_scaling_factor_is_constant_along_time(positive):
    out = np.asarray(RandomScaling(0.3, seed=0)(positive, training=True))
    ratio = out.astype("float64") / positive
    np.testing.assert_allclose(ratio, np.repeat(ratio[:, :1], 101, axis=1), rtol=1e-6)


@pytest.mark.parametrize("stddev", [0.05, 0.3])
def test_scaling_factors_follow_n_one_stddev(positive, stddev):
    out = np.asarray(RandomScaling(stddev, seed=1)(positive, training=True))
    factors = (out.astype("float64") / positive)[:, 0]  # (512, 2)
    assert abs(factors.std() / stddev - 1) < 0.1
    assert abs(factors.mean() - 1) < 0.2 * stddev


def test_scaling_draws_per_channel(rng):
    x = same_channels(rng)
    out = np.asarray(RandomScaling(0.2, seed=0)(x, training=True))
    assert not np.any(np.isclose(out[:, 0, 0], out[:, 0, 1], rtol=1e-7))


def test_scaling_zero_stddev_is_identity(positive):
    out = RandomScaling(0.0, seed=0)(positive, training=True)
    np.testing.assert_array_equal(out, positive)


# MagnitudeWarp


def test_magnitude_warp_ratio_is_smooth_around_one(positive):
    stddev = 0.2
    out = np.asarray(MagnitudeWarp(stddev, knots=4, seed=0)(positive, training=True))
    ratio = out.astype("float64") / positive
    # Smooth: steps of a white-noise ratio would have second differences of
    # about 2.4 * stddev; a curve through 6 knots over 101 steps bends slowly.
    assert np.abs(np.diff(ratio, n=2, axis=1)).max() < 0.15 * stddev
    assert abs(ratio.mean() - 1) < 0.02
    # At the knot steps (0, 20, ..., 100) the curve takes its N(1, stddev^2)
    # values.
    assert abs(ratio[:, ::20].std() / stddev - 1) < 0.1
    # In between, interpolation shrinks the spread a little.
    assert 0.6 * stddev < ratio.std() < stddev


def test_magnitude_warp_more_knots_bend_more(positive):
    def bending(knots):
        layer = MagnitudeWarp(0.2, knots=knots, seed=0)
        ratio = np.asarray(layer(positive, training=True), "float64") / positive
        return np.abs(np.diff(ratio, n=2, axis=1)).mean()

    # Segments of 33 steps versus 11: the second differences grow about 9x.
    assert bending(8) > 4 * bending(2)


def test_magnitude_warp_draws_per_channel(rng):
    x = same_channels(rng) + 5.0
    out = np.asarray(MagnitudeWarp(0.2, seed=0)(x, training=True))
    assert not np.any(np.isclose(out[:, 0, 0], out[:, 0, 1], rtol=1e-7))


def test_magnitude_warp_zero_stddev_is_identity(positive):
    out = MagnitudeWarp(0.0, seed=0)(positive, training=True)
    np.testing.assert_allclose(out, positive, rtol=1e-6)


# TimeWarp


@pytest.mark.parametrize("stddev", [0.2, 1.0, 10.0])
def test_time_warp_keeps_a_ramp_monotone_with_its_ends(ramp, stddev):
    out = np.asarray(TimeWarp(stddev, seed=0)(ramp, training=True))
    assert np.all(np.isfinite(out))
    assert np.all(np.diff(out, axis=1) >= 0)
    np.testing.assert_array_equal(out[:, 0], ramp[:, 0])
    np.testing.assert_array_equal(out[:, -1], ramp[:, -1])
    # Time really is distorted.
    assert np.abs(out - ramp).max() > 0.05


def test_time_warp_values_stay_within_the_series_range(rng):
    x = rng.normal(0, 1, (64, 30, 2)).astype("float32")
    out = np.asarray(TimeWarp(1.0, seed=0)(x, training=True))
    assert np.all(out >= x.min(axis=1, keepdims=True) - 1e-6)
    assert np.all(out <= x.max(axis=1, keepdims=True) + 1e-6)


def test_time_warp_zero_stddev_is_identity(ramp):
    out = TimeWarp(0.0, seed=0)(ramp, training=True)
    np.testing.assert_allclose(out, ramp, atol=1e-6)


def test_time_warp_of_two_steps_is_identity(rng):
    x = rng.normal(0, 1, (8, 2, 3)).astype("float32")
    np.testing.assert_array_equal(TimeWarp(5.0, seed=0)(x, training=True), x)


def test_time_warp_draws_per_channel(rng):
    x = same_channels(rng)
    out = np.asarray(TimeWarp(0.5, seed=0)(x, training=True))
    differs = np.any(np.abs(out[..., 0] - out[..., 1]) > 1e-3, axis=1)
    assert differs.all()


# WindowSlice


@pytest.mark.parametrize("ratio", [0.1, 0.5, 0.9])
def test_window_slice_of_a_ramp_is_a_shorter_ramp(ramp, ratio):
    out = np.asarray(WindowSlice(ratio, seed=0)(ramp, training=True))[..., 0]
    np.testing.assert_allclose(out[:, -1] - out[:, 0], ratio, atol=1e-5)
    # Linear: every step covers the same span.
    np.testing.assert_allclose(np.diff(out, axis=1), ratio / 100, atol=1e-5)
    start = out[:, 0]
    assert np.all(start >= 0) and np.all(start <= 1 - ratio + 1e-6)
    # The window starts anywhere in [0, 1 - ratio], drawn per series.
    assert start.min() < 0.1 * (1 - ratio)
    assert start.max() > 0.9 * (1 - ratio)


def test_window_slice_channels_share_the_window(ramp):
    out = np.asarray(WindowSlice(0.4, seed=1)(ramp, training=True))
    np.testing.assert_allclose(out[..., 1], 2 * out[..., 0], rtol=1e-6, atol=1e-7)


def test_window_slice_ratio_one_is_identity(rng):
    x = rng.normal(0, 1, (8, 13, 2)).astype("float32")
    np.testing.assert_array_equal(WindowSlice(1.0, seed=0)(x, training=True), x)


def test_window_slice_of_two_steps(ramp):
    x = ramp[:, ::100]  # (256, 2, 2): the values 0 and 1 (and 0 and 2).
    out = np.asarray(WindowSlice(0.5, seed=0)(x, training=True))[..., 0]
    np.testing.assert_allclose(out[:, 1] - out[:, 0], 0.5, atol=1e-6)
    assert np.all(out >= 0) and np.all(out <= 1)


# WindowWarp


@pytest.mark.parametrize("scales", [(0.5,), (2.0,), (0.5, 2.0), (0.25, 1.5, 4.0)])
@pytest.mark.parametrize("window_ratio", [0.1, 0.5])
def test_window_warp_keeps_a_ramp_monotone_with_its_ends(ramp, scales, window_ratio):
    layer = WindowWarp(window_ratio, scales=scales, seed=0)
    out = np.asarray(layer(ramp, training=True))
    assert np.all(np.diff(out, axis=1) >= 0)
    np.testing.assert_allclose(out[:, 0], ramp[:, 0], atol=1e-6)
    np.testing.assert_allclose(out[:, -1], ramp[:, -1], atol=1e-6)
    assert np.abs(out - ramp).max() > 0.01


def test_window_warp_scale_one_is_identity(rng):
    x = rng.normal(0, 1, (16, 40, 2)).astype("float32")
    out = WindowWarp(0.3, scales=(1.0,), seed=0)(x, training=True)
    np.testing.assert_allclose(out, x, atol=1e-5)


@pytest.mark.parametrize(
    "scale, inside_slope, outside_slope, inside_steps",
    [
        # Window of 20 of 100 step lengths, stretched to 40: the result then
        # runs over 120 lengths squeezed into 100, so each step advances 1.2
        # lengths outside the window and 0.6 inside, for 40 / 1.2 = 33.3 steps.
        (2.0, 0.006, 0.012, 40 / 1.2),
        # Squeezed to 10: 90 lengths into 100, 0.9 outside and 1.8 inside.
        (0.5, 0.018, 0.009, 10 / 0.9),
    ],
)
def test_window_warp_stretches_the_window_by_the_scale(
    ramp, scale, inside_slope, outside_slope, inside_steps
):
    out = np.asarray(WindowWarp(0.2, scales=(scale,), seed=0)(ramp, training=True))
    slopes = np.diff(out[..., 0], axis=1)
    inside = np.isclose(slopes, inside_slope, atol=1e-5)
    outside = np.isclose(slopes, outside_slope, atol=1e-5)
    # At most the two steps across the window edges have other slopes.
    assert np.all((inside | outside).sum(axis=1) >= 100 - 2)
    assert np.all(np.abs(inside.sum(axis=1) - inside_steps) <= 1.5)


def test_window_warp_draws_scale_and_position_per_series(ramp):
    out = np.asarray(WindowWarp(0.2, scales=(0.5, 2.0), seed=0)(ramp, training=True))
    slopes = np.diff(out[..., 0], axis=1)
    stretched = np.isclose(slopes, 0.006, atol=1e-5).any(axis=1)
    assert 0.35 < stretched.mean() < 0.65
    # Where the slow part starts differs from series to series.
    first_slow = np.argmax(np.isclose(slopes, 0.006, atol=1e-5), axis=1)[stretched]
    assert len(np.unique(first_slow)) > 20


def test_window_warp_channels_share_the_warp(ramp):
    out = np.asarray(WindowWarp(0.3, seed=1)(ramp, training=True))
    np.testing.assert_allclose(out[..., 1], 2 * out[..., 0], rtol=1e-6, atol=1e-7)


def test_window_warp_whole_window_is_identity(ramp):
    # Stretching the whole series, then resampling it to its length, undoes
    # itself.
    out = WindowWarp(1.0, scales=(0.5, 3.0), seed=0)(ramp, training=True)
    np.testing.assert_allclose(out, ramp, atol=1e-5)


def test_window_warp_of_two_steps_keeps_the_ends(ramp):
    x = ramp[:, ::100]
    out = WindowWarp(0.5, seed=0)(x, training=True)
    np.testing.assert_allclose(out, x, atol=1e-6)
