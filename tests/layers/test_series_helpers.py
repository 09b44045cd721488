"""The spline and resampling helpers behind the time-series layers."""

import keras
import numpy as np
import pytest
from scipy.interpolate import CubicSpline

from keras_smalldata.layers._series_layer import resample, smooth_curve, time_grid


def curve(knots, steps):
    return np.asarray(smooth_curve(keras.ops.convert_to_tensor(knots), steps))


@pytest.fixture
def knots(rng):
    return rng.normal(1.0, 0.5, (3, 5, 2)).astype("float32")


@pytest.mark.parametrize("every", [1, 3, 10])
def test_curve_passes_through_the_knots(knots, every):
    # 5 knots over 4 * every + 1 steps: knot k sits at step k * every.
    steps = 4 * every + 1
    out = curve(knots, steps)
    assert out.shape == (3, steps, 2)
    np.testing.assert_allclose(out[:, ::every], knots, atol=1e-6)


@pytest.mark.parametrize("steps", [2, 7, 50, 101])
def test_curve_starts_and_ends_at_the_end_knots(knots, steps):
    out = curve(knots, steps)
    np.testing.assert_allclose(out[:, 0], knots[:, 0], atol=1e-6)
    np.testing.assert_allclose(out[:, -1], knots[:, -1], atol=1e-6)
    assert np.all(np.isfinite(out))


def test_curve_of_constant_knots_is_constant():
    out = curve(np.full((2, 6, 3), 1.25, "float32"), 37)
    np.testing.assert_allclose(out, 1.25, atol=1e-6)


def test_curve_is_linear_between_collinear_interior_knots():
    # Catmull-Rom reproduces a line wherever the four control points lie on it;
    # only the first and last segments see the repeated end knot.
    knots = np.arange(5, dtype="float32").reshape(1, 5, 1) * 2.0
    out = curve(knots, 41)[0, :, 0]
    t = np.arange(41)
    np.testing.assert_allclose(out[10:31], 2.0 * t[10:31] / 10, atol=1e-5)


def test_curve_between_two_knots_is_symmetric():
    out = curve(np.array([[[0.0], [1.0]]], "float32"), 21)[0, :, 0]
    np.testing.assert_allclose(out[10], 0.5, atol=1e-6)
    np.testing.assert_allclose(out + out[::-1], 1.0, atol=1e-6)
    assert np.all(np.diff(out) >= 0)


def test_curve_is_close_to_a_cubic_spline():
    x = np.linspace(0, 2 * np.pi, 9)
    knots = np.sin(x).astype("float32").reshape(1, 9, 1)
    steps = 8 * 10 + 1
    out = curve(knots, steps)[0, :, 0]
    t = np.linspace(0, 2 * np.pi, steps)
    spline = CubicSpline(x, np.sin(x))(t)
    # Away from the end segments, whose end tangents differ by design.
    assert np.abs(out - spline)[10:71].max() < 0.02
    assert np.abs(out - np.sin(t))[10:71].max() < 0.02
    assert np.abs(out - spline).max() < 0.1


def test_curve_with_more_knots_than_steps_is_finite(knots):
    out = curve(knots, 3)
    np.testing.assert_allclose(out[:, 0], knots[:, 0], atol=1e-6)
    np.testing.assert_allclose(out[:, -1], knots[:, -1], atol=1e-6)


@pytest.fixture
def series(rng):
    return rng.normal(0, 1, (2, 6, 3)).astype("float32")


def test_resample_at_integer_positions_returns_those_steps(series):
    order = np.array([[5, 0, 3, 3, 1, 2], [0, 1, 2, 3, 4, 5]])
    positions = np.repeat(order[:, :, None], 3, axis=-1).astype("float32")
    out = np.asarray(resample(series, positions))
    expected = np.take_along_axis(series, np.repeat(order[:, :, None], 3, -1), 1)
    np.testing.assert_array_equal(out, expected)


def test_resample_interpolates_linearly(series):
    positions = np.full((2, 6, 1), 2.25, "float32")
    out = np.asarray(resample(series, positions))
    expected = 0.75 * series[:, 2] + 0.25 * series[:, 3]
    np.testing.assert_allclose(out, np.repeat(expected[:, None], 6, 1), atol=1e-6)


def test_resample_clips_positions_to_the_series(series):
    positions = np.array([-3.0, -0.5, 5.0, 5.5, 100.0, 0.0], "float32")
    out = np.asarray(resample(series, np.tile(positions[None, :, None], (2, 1, 1))))
    for step, source in enumerate([0, 0, 5, 5, 5, 0]):
        np.testing.assert_array_equal(out[:, step], series[:, source])


def test_resample_per_channel_positions(series):
    positions = np.zeros((2, 6, 3), "float32")
    positions[..., 1] = 5.0
    positions[..., 2] = np.arange(6)
    out = np.asarray(resample(series, positions))
    np.testing.assert_array_equal(out[..., 0], np.repeat(series[:, :1, 0], 6, 1))
    np.testing.assert_array_equal(out[..., 1], np.repeat(series[:, 5:, 1], 6, 1))
    np.testing.assert_array_equal(out[..., 2], series[..., 2])


def test_time_grid():
    grid = np.asarray(time_grid(5))
    assert grid.shape == (1, 5, 1)
    assert grid.dtype == np.float32
    np.testing.assert_array_equal(grid[0, :, 0], [0, 1, 2, 3, 4])
