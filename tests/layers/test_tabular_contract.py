"""The contract every tabular augmentation layer keeps.

Each case builds one public layer for `(batch, features)` rows, adapted where the
layer needs statistics. The tests check inference behaviour, per-row randomness,
seeding, functional models, `model.fit`, `tf.data`, dtypes, serialization (with
the adapted statistics), the `columns` selection and input validation.
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

FEATURES = 6
BATCH = 16
# Training data the adapted layers learn from: columns of different scales.
REFERENCE = (
    np.random.default_rng(123)
    .normal([0, 5, -3, 10, 1, 2], [1, 2, 0.5, 3, 1, 4], (64, FEATURES))
    .astype("float32")
)


def _feature_noise(seed=None, columns=None):
    layer = layers.FeatureNoise(0.5, columns=columns, seed=seed)
    layer.adapt(REFERENCE)
    return layer


def _swap_noise(seed=None, columns=None):
    return layers.SwapNoise(0.5, columns=columns, seed=seed)


def _dropout_zero(seed=None, columns=None):
    return layers.FeatureDropout(0.5, columns=columns, seed=seed)


def _dropout_mean(seed=None, columns=None):
    layer = layers.FeatureDropout(0.5, fill="mean", columns=columns, seed=seed)
    layer.adapt(REFERENCE)
    return layer


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    make: Callable
    # The adapted statistic the layer keeps, if any.
    statistic: str | None = None
    # Swapping moves values between rows: identical rows stay identical.
    swaps: bool = False

    def __str__(self):
        return self.name


CASES = [
    Case("FeatureNoise", _feature_noise, statistic="feature_std"),
    Case("SwapNoise", _swap_noise, swaps=True),
    Case("FeatureDropout-zero", _dropout_zero),
    Case("FeatureDropout-mean", _dropout_mean, statistic="feature_mean"),
]
ADAPTED_CASES = [case for case in CASES if case.statistic]

parametrize_cases = pytest.mark.parametrize("case", CASES, ids=str)


def n_distinct(rows):
    return len({np.asarray(row).tobytes() for row in np.asarray(rows)})


def same_json(first, second):
    return json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


@pytest.fixture
def rows(rng):
    # Distinct, non-zero values in every column, away from the column means.
    values = rng.permutation(BATCH * FEATURES).reshape(BATCH, FEATURES) + 100
    return values.astype("float32")


@pytest.fixture
def identical(rng):
    row = rng.normal(0, 3, (1, FEATURES)).astype("float32")
    return np.repeat(row, BATCH, axis=0)


def reference_statistic(case):
    reduce = np.std if case.statistic == "feature_std" else np.mean
    return reduce(REFERENCE.astype("float64"), axis=0)


def per_row_input(case, rows, identical):
    """Rows whose outputs must differ from row to row when training."""
    return rows if case.swaps else identical


@parametrize_cases
def test_inference_is_identity(case, rows):
    layer = case.make(seed=1)
    np.testing.assert_array_equal(layer(rows), rows)
    np.testing.assert_array_equal(layer(rows, training=False), rows)


@parametrize_cases
def test_training_changes_rows_per_row(case, rows, identical):
    x = per_row_input(case, rows, identical)
    out = np.asarray(case.make(seed=1)(x, training=True))
    assert out.shape == x.shape
    assert np.all(np.isfinite(out))
    assert not np.array_equal(out, x)
    # Each row gets its own draw: the changes differ from row to row.
    assert n_distinct(out - x) >= BATCH - 2


@parametrize_cases
def test_same_seed_same_output(case, rows):
    first = case.make(seed=7)(rows, training=True)
    second = case.make(seed=7)(rows, training=True)
    other = case.make(seed=8)(rows, training=True)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


@parametrize_cases
def test_successive_calls_draw_again(case, rows):
    layer = case.make(seed=1)
    first = layer(rows, training=True)
    second = layer(rows, training=True)
    assert not np.array_equal(first, second)


@parametrize_cases
def test_model_predict_fit_and_evaluate(case, rows):
    # An identity Dense layer with a zero learning rate: the loss against the
    # input is zero unless the layer augments.
    inputs = keras.Input((FEATURES,))
    augmented = case.make(seed=1)(inputs)
    outputs = keras.layers.Dense(
        FEATURES, use_bias=False, kernel_initializer="identity"
    )(augmented)
    model = keras.Model(inputs, outputs)
    np.testing.assert_array_equal(model.predict(rows, verbose=0), rows)
    np.testing.assert_array_equal(model(rows), rows)
    np.testing.assert_array_equal(model(rows, training=False), rows)
    assert not np.array_equal(model(rows, training=True), rows)

    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse")
    history = model.fit(rows, rows, batch_size=BATCH // 2, epochs=1, verbose=0)
    assert history.history["loss"][0] > 1.0
    assert model.evaluate(rows, rows, verbose=0) == 0.0


@parametrize_cases
@tensorflow_only(TF_DATA)
def test_tf_data_map(case, rows, identical):
    x = per_row_input(case, rows, identical)
    layer = case.make(seed=1)
    batches = tf.data.Dataset.from_tensor_slices(x).batch(BATCH // 2)
    trained = np.concatenate(
        list(batches.map(lambda b: layer(b, training=True)).as_numpy_iterator())
    )
    assert trained.shape == (BATCH, FEATURES)
    assert not np.array_equal(trained, x)
    assert n_distinct(trained - x) >= BATCH - 2

    inferred = tf.data.Dataset.from_tensor_slices(rows).batch(4).map(layer)
    inferred = np.concatenate(list(inferred.as_numpy_iterator()))
    np.testing.assert_array_equal(inferred, rows)


@parametrize_cases
@pytest.mark.parametrize(
    "dtype",
    ["float16", pytest.param("float64", marks=needs_float64), "int32", "uint8"],
)
def test_dtype_is_kept_and_computed_as_float32(case, rows, dtype):
    x = rows.astype(dtype)
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


@parametrize_cases
@needs_float64
def test_float64_inference_keeps_full_precision(case, rows):
    x = rows.astype("float64") + 1e-9
    np.testing.assert_array_equal(case.make(seed=1)(x), x)


@parametrize_cases
def test_symbolic_dtype_under_mixed_float16(case, rows, mixed_float16):
    inputs = keras.Input((FEATURES,), dtype="float32")
    assert case.make(seed=1)(inputs).dtype == "float32"
    out = case.make(seed=1)(rows, training=True)
    assert keras.backend.standardize_dtype(out.dtype) == "float32"


@parametrize_cases
def test_config_round_trip(case, rows):
    layer = case.make(seed=11, columns=[True, False, True, True, False, True])
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert same_json(clone.get_config(), config)
    assert clone.columns == [True, False, True, True, False, True]
    # The clone is the same layer: same seed, same statistics, same draws.
    np.testing.assert_array_equal(
        clone(rows, training=True), layer(rows, training=True)
    )


@parametrize_cases
def test_keras_save_load(case, rows, tmp_path):
    inputs = keras.Input((FEATURES,))
    layer = case.make(seed=1, columns=[0, 2, 3, 5])
    model = keras.Model(inputs, layer(inputs))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(loaded.predict(rows, verbose=0), rows)
    np.testing.assert_array_equal(
        loaded.predict(rows, verbose=0), model.predict(rows, verbose=0)
    )
    loaded_layer = loaded.layers[-1]
    assert type(loaded_layer) is type(layer)
    assert same_json(loaded_layer.get_config(), layer.get_config())
    if case.statistic:
        # The adapted statistics travel with the file.
        stats = getattr(loaded_layer, case.statistic)
        np.testing.assert_array_equal(stats, getattr(layer, case.statistic))
        np.testing.assert_allclose(stats, reference_statistic(case), rtol=1e-6)
    # Neither has drawn yet: the same seed state gives the same augmentation.
    np.testing.assert_array_equal(
        loaded(rows, training=True), model(rows, training=True)
    )


@parametrize_cases
@pytest.mark.parametrize("input_shape", [(None, FEATURES), (3, FEATURES)])
def test_compute_output_shape(case, input_shape):
    layer = case.make(seed=1)
    assert tuple(layer.compute_output_shape(input_shape)) == input_shape
    symbolic = layer(keras.Input(batch_shape=input_shape))
    assert tuple(symbolic.shape) == input_shape


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
@pytest.mark.parametrize("shape", [(2, 3, FEATURES), (FEATURES,)])
def test_wrong_rank_raises(case, shape):
    layer = case.make(seed=1)
    match = re.escape(f"Received: inputs.shape={shape}")
    with pytest.raises(ValueError, match=match):
        layer(np.zeros(shape, "float32"), training=True)
    with pytest.raises(ValueError, match=match):
        layer.compute_output_shape(shape)


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
