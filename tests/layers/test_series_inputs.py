"""What the time-series layers add to the layer contract: lengths and arguments.

Series of any length in one model, two steps, one step (refused), a batch of
one, constant series, and the argument checks. The shared contract is in
`test_layer_contract.py`; what each layer does to the values in
`test_series_layers.py`.
"""

import re

import keras
import numpy as np
import pytest
from _layer_cases import SERIES_CASES, STEPS, wave

from keras_smalldata import layers

CHANNELS = 2
BATCH = 8

parametrize_cases = pytest.mark.parametrize("case", SERIES_CASES, ids=str)


@parametrize_cases
def test_model_with_variable_length(case, rng):
    inputs = keras.Input((None, CHANNELS))
    model = keras.Model(inputs, case.make(seed=1)(inputs))
    for steps in (2, 5, 40):
        x = wave(steps, rng)[None].astype("float32")
        np.testing.assert_array_equal(model(x), x)
        out = np.asarray(model(x, training=True))
        assert out.shape == (1, steps, CHANNELS)
        assert np.all(np.isfinite(out))


@parametrize_cases
@pytest.mark.parametrize("shape", [(1, 2, 1), (1, 2, 3), (1, STEPS, 1), (5, 3, 1)])
def test_edge_cases_stay_finite(case, shape, rng):
    # Series of two steps, a batch of one, a single channel.
    x = rng.normal(0, 1, shape).astype("float32")
    out = np.asarray(case.make(seed=1)(x, training=True))
    assert out.shape == shape
    assert np.all(np.isfinite(out))
    constant = np.full(shape, 3.0, "float32")
    out = np.asarray(case.make(seed=1)(constant, training=True))
    assert np.all(np.isfinite(out))


@parametrize_cases
@pytest.mark.parametrize("shape", [(BATCH, 1, CHANNELS), (None, 1, 1)])
def test_single_step_raises(case, shape):
    layer = case.make(seed=1)
    match = re.escape(f"Received: inputs.shape={shape}")
    with pytest.raises(ValueError, match=match):
        layer.compute_output_shape(shape)
    with pytest.raises(ValueError, match=match):
        layer(keras.Input(batch_shape=shape))
    if shape[0] is not None:
        with pytest.raises(ValueError, match="at least 2 steps"):
            layer(np.zeros(shape, "float32"), training=True)


# Arguments.

STDDEV_LAYERS = [
    layers.Jitter,
    layers.RandomScaling,
    layers.MagnitudeWarp,
    layers.TimeWarp,
]
KNOTS_LAYERS = [layers.MagnitudeWarp, layers.TimeWarp]


@pytest.mark.parametrize("make", STDDEV_LAYERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("stddev", [-0.1, -3, "0.1", None, True])
def test_bad_stddev_raises(make, stddev):
    with pytest.raises(ValueError, match=re.escape(f"Received: stddev={stddev!r}")):
        make(stddev=stddev)


@pytest.mark.parametrize("make", STDDEV_LAYERS, ids=lambda c: c.__name__)
def test_nan_stddev_raises(make):
    # NaN is not a non-negative number; accepted, it makes every output NaN (or
    # crashes the resampling of TimeWarp).
    with pytest.raises(ValueError, match="Received: stddev=nan"):
        make(stddev=float("nan"))


@pytest.mark.parametrize("make", KNOTS_LAYERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("knots", [0, -2, 1.5, 4.0, "4", True, None])
def test_bad_knots_raises(make, knots):
    with pytest.raises(ValueError, match=re.escape(f"Received: knots={knots!r}")):
        make(knots=knots)


@pytest.mark.parametrize("make", KNOTS_LAYERS, ids=lambda c: c.__name__)
def test_knots_accept_positive_integers(make):
    assert make(knots=1).knots == 1
    knots = make(knots=np.int64(6)).knots
    assert knots == 6 and type(knots) is int


@pytest.mark.parametrize(
    "make, name",
    [(layers.WindowSlice, "ratio"), (layers.WindowWarp, "window_ratio")],
)
@pytest.mark.parametrize("value", [0, 0.0, -0.2, 1.01, float("nan"), "0.5", True])
def test_ratio_outside_zero_one_raises(make, name, value):
    with pytest.raises(ValueError, match=re.escape(f"Received: {name}={value!r}")):
        make(**{name: value})


@pytest.mark.parametrize(
    "make, name",
    [(layers.WindowSlice, "ratio"), (layers.WindowWarp, "window_ratio")],
)
def test_ratio_of_one_is_accepted(make, name):
    assert getattr(make(**{name: 1}), name) == 1.0


@pytest.mark.parametrize(
    "scales", [(), [], (0.0,), (-1.0, 2.0), (0.5, "2"), 2.0, None, (None,)]
)
def test_bad_scales_raise(scales):
    with pytest.raises(ValueError, match=re.escape(f"Received: scales={scales!r}")):
        layers.WindowWarp(scales=scales)


def test_infinite_scale_raises():
    # Accepted, an infinite scale makes the warped clock NaN and the resampling
    # fails with a gather error instead of a ValueError naming `scales`.
    with pytest.raises(ValueError, match=r"Received: scales=\(inf,\)"):
        layers.WindowWarp(scales=(float("inf"),))
