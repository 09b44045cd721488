"""The contract every time-series augmentation layer keeps.

Each case builds one public layer for `(batch, steps, channels)` series. The tests
check inference behaviour, per-series randomness, seeding, functional models,
`model.fit`, `tf.data`, dtypes, serialization, output shapes, edge cases and
input validation.
"""

import dataclasses
import json
import re
from collections.abc import Callable

import keras
import numpy as np
import pytest
import tensorflow as tf
from _backend_marks import TF_DATA, needs_float64, tensorflow_only

from keras_smalldata import layers

STEPS = 16
CHANNELS = 2
BATCH = 8


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    make: Callable

    def __str__(self):
        return self.name


CASES = [
    Case("Jitter", lambda seed=None: layers.Jitter(1.0, seed=seed)),
    Case("RandomScaling", lambda seed=None: layers.RandomScaling(0.3, seed=seed)),
    Case(
        "MagnitudeWarp",
        lambda seed=None: layers.MagnitudeWarp(0.3, knots=3, seed=seed),
    ),
    Case("TimeWarp", lambda seed=None: layers.TimeWarp(0.5, knots=3, seed=seed)),
    Case("WindowSlice", lambda seed=None: layers.WindowSlice(0.5, seed=seed)),
    Case(
        "WindowWarp",
        lambda seed=None: layers.WindowWarp(0.3, scales=(0.5, 2.0), seed=seed),
    ),
]

parametrize_cases = pytest.mark.parametrize("case", CASES, ids=str)


def n_distinct(series):
    return len({np.asarray(s).tobytes() for s in np.asarray(series)})


def same_json(first, second):
    return json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def wave(steps, rng):
    """A positive, non-monotone series `(steps, CHANNELS)` within [20, 180]."""
    t = np.linspace(0, 2 * np.pi, steps)[:, None]
    noise = rng.uniform(-20, 20, (steps, CHANNELS))
    return 100 + 50 * np.sin(t * [1.0, 2.0]) + noise


@pytest.fixture
def series(rng):
    return np.stack([wave(STEPS, rng) for _ in range(BATCH)]).astype("float32")


@pytest.fixture
def identical(rng):
    return np.repeat(wave(STEPS, rng)[None], BATCH, axis=0).astype("float32")


@parametrize_cases
def test_inference_is_identity(case, series):
    layer = case.make(seed=1)
    np.testing.assert_array_equal(layer(series), series)
    np.testing.assert_array_equal(layer(series, training=False), series)


@parametrize_cases
def test_training_draws_per_series(case, identical):
    out = np.asarray(case.make(seed=1)(identical, training=True))
    assert out.shape == identical.shape
    assert np.all(np.isfinite(out))
    assert not np.allclose(out, identical, atol=1e-3)
    assert n_distinct(out) == BATCH


@parametrize_cases
def test_same_seed_same_output(case, identical):
    first = case.make(seed=7)(identical, training=True)
    second = case.make(seed=7)(identical, training=True)
    other = case.make(seed=8)(identical, training=True)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


@parametrize_cases
def test_successive_calls_draw_again(case, series):
    layer = case.make(seed=1)
    assert not np.array_equal(
        layer(series, training=True), layer(series, training=True)
    )


@parametrize_cases
def test_model_predict_fit_and_evaluate(case, series):
    # An identity Dense layer over the channels with a zero learning rate: the
    # loss against the input is zero unless the layer augments.
    inputs = keras.Input((STEPS, CHANNELS))
    augmented = case.make(seed=1)(inputs)
    outputs = keras.layers.Dense(
        CHANNELS, use_bias=False, kernel_initializer="identity"
    )(augmented)
    model = keras.Model(inputs, outputs)
    np.testing.assert_array_equal(model.predict(series, verbose=0), series)
    np.testing.assert_array_equal(model(series), series)
    np.testing.assert_array_equal(model(series, training=False), series)
    assert not np.allclose(model(series, training=True), series, atol=1e-3)

    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse")
    history = model.fit(series, series, batch_size=BATCH // 2, epochs=1, verbose=0)
    assert history.history["loss"][0] > 0.5
    assert model.evaluate(series, series, verbose=0) == 0.0


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
@tensorflow_only(TF_DATA)
def test_tf_data_map(case, series, identical):
    layer = case.make(seed=1)
    batches = tf.data.Dataset.from_tensor_slices(identical).batch(BATCH // 2)
    trained = np.concatenate(
        list(batches.map(lambda b: layer(b, training=True)).as_numpy_iterator())
    )
    assert trained.shape == (BATCH, STEPS, CHANNELS)
    assert n_distinct(trained) == BATCH
    # The seed state advances from one batch to the next.
    assert not np.array_equal(trained[: BATCH // 2], trained[BATCH // 2 :])

    inferred = tf.data.Dataset.from_tensor_slices(series).batch(3).map(layer)
    np.testing.assert_array_equal(
        np.concatenate(list(inferred.as_numpy_iterator())), series
    )


@parametrize_cases
@pytest.mark.parametrize(
    "dtype",
    ["float16", pytest.param("float64", marks=needs_float64), "int32", "uint8"],
)
def test_dtype_is_kept_and_computed_as_float32(case, series, dtype):
    x = np.round(series).astype(dtype)
    inferred = case.make(seed=3)(x)
    assert keras.backend.standardize_dtype(inferred.dtype) == dtype
    np.testing.assert_array_equal(inferred, x)

    trained = case.make(seed=3)(x, training=True)
    assert keras.backend.standardize_dtype(trained.dtype) == dtype
    # The same draws on the float32 copy, cast back (integers rounded, clipped).
    expected = np.asarray(case.make(seed=3)(x.astype("float32"), training=True))
    if "int" in dtype:
        info = np.iinfo(dtype)
        expected = np.clip(np.round(expected), info.min, info.max)
    np.testing.assert_array_equal(trained, expected.astype(dtype))
    assert not np.array_equal(trained, x)


@parametrize_cases
@needs_float64
def test_float64_inference_keeps_full_precision(case, series):
    x = series.astype("float64") + 1e-9
    np.testing.assert_array_equal(case.make(seed=1)(x), x)


@parametrize_cases
def test_symbolic_dtype_under_mixed_float16(case, series, mixed_float16):
    inputs = keras.Input((STEPS, CHANNELS), dtype="float32")
    assert case.make(seed=1)(inputs).dtype == "float32"
    out = case.make(seed=1)(series, training=True)
    assert keras.backend.standardize_dtype(out.dtype) == "float32"


@parametrize_cases
def test_config_round_trip(case, series):
    layer = case.make(seed=11)
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert same_json(clone.get_config(), config)
    np.testing.assert_array_equal(
        clone(series, training=True), layer(series, training=True)
    )


@parametrize_cases
def test_keras_save_load(case, series, tmp_path):
    inputs = keras.Input((STEPS, CHANNELS))
    layer = case.make(seed=1)
    model = keras.Model(inputs, layer(inputs))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(loaded.predict(series, verbose=0), series)
    np.testing.assert_array_equal(
        loaded.predict(series, verbose=0), model.predict(series, verbose=0)
    )
    loaded_layer = loaded.layers[-1]
    assert type(loaded_layer) is type(layer)
    assert same_json(loaded_layer.get_config(), layer.get_config())
    # Neither has drawn yet: the same seed state gives the same augmentation.
    np.testing.assert_array_equal(
        loaded(series, training=True), model(series, training=True)
    )


@parametrize_cases
@pytest.mark.parametrize(
    "input_shape", [(None, STEPS, CHANNELS), (None, None, 1), (3, 2, 4)]
)
def test_compute_output_shape(case, input_shape):
    layer = case.make(seed=1)
    assert tuple(layer.compute_output_shape(input_shape)) == input_shape
    symbolic = layer(keras.Input(batch_shape=input_shape))
    assert tuple(symbolic.shape) == input_shape


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
@pytest.mark.parametrize("shape", [(BATCH, STEPS), (STEPS,), (1, 1, STEPS, 1)])
def test_wrong_rank_raises(case, shape):
    layer = case.make(seed=1)
    match = re.escape(f"Received: inputs.shape={shape}")
    with pytest.raises(ValueError, match=match):
        layer(np.zeros(shape, "float32"), training=True)
    with pytest.raises(ValueError, match=match):
        layer(np.zeros(shape, "float32"))
    with pytest.raises(ValueError, match="rank 3"):
        layer.compute_output_shape(shape)


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
