"""The contract every public augmentation layer keeps, whatever its data.

In the spirit of Keras' `run_layer_test`: each layer registered once in
`tests/_layer_cases.py` is checked for inference behaviour, per-sample draws in
training, functional models with `predict` / `fit` / `evaluate`, `tf.data`,
dtypes, mixed precision, config round trip, `.keras` save/load in safe mode,
output shapes and the refusal of inputs of the wrong rank. Seeding is tested in
`tests/test_determinism.py`; what only one data kind has (layouts and value
ranges of images, the tabular `columns`, series lengths) in that kind's files.
"""

import json
import re

import keras
import numpy as np
import pytest
from _backend_marks import TF_DATA, needs_float64, tensorflow_only
from _layer_cases import BY_NAME, CASES, KINDS

from keras_smalldata import layers

parametrize_cases = pytest.mark.parametrize("case", CASES, ids=str)


def n_distinct(batch):
    return len({np.asarray(sample).tobytes() for sample in np.asarray(batch)})


def same_json(first, second):
    return json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_every_public_layer_is_registered_once():
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))
    assert sorted(names) == sorted(layers.__all__)
    assert all(type(BY_NAME[name].make()).__name__ == name for name in names)


# Keras' names for drawing and applying a transformation, and ours for the
# series and tabular layers: the only public methods a layer adds to Keras'.
HOOKS = {
    "get_random_transformation",
    "transform_images",
    "transform_labels",
    "transform_bounding_boxes",
    "transform_segmentation_masks",
    "transform_series",
    "transform_features",
    "adapt",
}


@parametrize_cases
def test_public_names_are_the_arguments_and_the_hooks(case):
    layer = case.make()
    added = {name for name in dir(layer) if not name.startswith("_")}
    added -= set(dir(keras.layers.Layer()))
    # Every image layer has these two, None where it does not take them (as
    # every Keras image layer has `bounding_box_format`).
    allowed = set(layer.get_config()) | HOOKS | {"seed_generator"}
    if case.kind == "image":
        allowed |= {"value_range", "bounding_box_format"}
    assert added <= allowed, sorted(added - allowed)


@parametrize_cases
def test_inference_is_deterministic(case, rng):
    x = case.data(rng)
    layer = case.make(seed=1)
    expected = case.expected_inference(x)
    np.testing.assert_allclose(layer(x), expected, atol=1e-3)
    np.testing.assert_allclose(layer(x, training=False), expected, atol=1e-3)
    np.testing.assert_array_equal(layer(x), layer(x))


@parametrize_cases
def test_training_draws_per_sample(case, rng):
    x = case.per_sample_input(rng)
    out = np.asarray(case.make(seed=1)(x, training=True))
    assert out.shape == case.output_shape(x.shape)
    assert np.all(np.isfinite(out))
    assert not np.allclose(out, case.expected_inference(x), atol=1e-3)
    assert n_distinct(out - case.expected_inference(x)) >= case.min_distinct


@parametrize_cases
def test_model_predict_fit_and_evaluate(case, rng):
    # An identity Dense layer over the last axis with a zero learning rate: the
    # loss against the inference output is zero unless the layer augments.
    x = case.per_sample_input(rng)
    inputs = keras.Input(x.shape[1:])
    augmented = case.make(seed=1)(inputs)
    outputs = keras.layers.Dense(
        x.shape[-1], use_bias=False, kernel_initializer="identity"
    )(augmented)
    model = keras.Model(inputs, outputs)
    expected = case.expected_inference(x)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, atol=1e-3)
    np.testing.assert_allclose(model(x, training=False), expected, atol=1e-3)
    assert n_distinct(model(x, training=True) - expected) >= case.min_distinct

    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse")
    history = model.fit(x, expected, batch_size=len(x) // 2, epochs=1, verbose=0)
    assert history.history["loss"][0] > 0.1
    assert model.evaluate(x, expected, verbose=0) < 1e-6


@parametrize_cases
@tensorflow_only(TF_DATA)
def test_tf_data_map(case, rng):
    import tensorflow as tf

    x = case.per_sample_input(rng)
    half = len(x) // 2
    layer = case.make(seed=1)
    batches = tf.data.Dataset.from_tensor_slices(x).batch(half)
    trained = np.concatenate(
        list(batches.map(lambda b: layer(b, training=True)).as_numpy_iterator())
    )
    assert trained.shape == case.output_shape(x.shape)
    expected = case.expected_inference(x)
    assert n_distinct(trained - expected) >= case.min_distinct
    # The seed state advances from one batch to the next.
    assert not np.array_equal(trained[:half], trained[half:])

    inferred = tf.data.Dataset.from_tensor_slices(x).batch(3).map(layer)
    inferred = np.concatenate(list(inferred.as_numpy_iterator()))
    np.testing.assert_allclose(inferred, expected, atol=1e-3)


@parametrize_cases
@pytest.mark.parametrize(
    "dtype",
    ["float16", pytest.param("float64", marks=needs_float64), "int32", "uint8"],
)
def test_dtype_is_kept_and_computed_as_float32(case, rng, dtype):
    x = np.round(case.data(rng)).astype(dtype)
    inferred = case.make(seed=3)(x)
    assert keras.backend.standardize_dtype(inferred.dtype) == dtype
    if not case.resizes:
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
def test_symbolic_dtypes_under_mixed_float16(case, rng, mixed_float16):
    sample_shape = KINDS[case.kind].sample_shape
    for dtype in ("float32", "uint8"):
        inputs = keras.Input(sample_shape, dtype=dtype)
        assert case.make(seed=1)(inputs).dtype == dtype
    out = case.make(seed=1)(case.data(rng), training=True)
    assert keras.backend.standardize_dtype(out.dtype) == "float32"


@parametrize_cases
def test_config_round_trip(case, rng):
    x = case.data(rng)
    layer = case.make(seed=11)
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert same_json(clone.get_config(), config)
    # The clone is the same layer: same seed, same statistics, same draws.
    np.testing.assert_array_equal(clone(x, training=True), layer(x, training=True))


@parametrize_cases
def test_keras_save_load_in_safe_mode(case, rng, tmp_path):
    x = case.data(rng)
    layer = case.make(seed=1)
    model = keras.Sequential([keras.Input(x.shape[1:]), layer])
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    np.testing.assert_array_equal(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0)
    )
    loaded_layer = loaded.layers[-1]
    assert type(loaded_layer) is type(layer)
    # Adapted statistics travel in the config.
    assert same_json(loaded_layer.get_config(), layer.get_config())
    # Neither has drawn yet: the same seed state gives the same augmentation.
    np.testing.assert_array_equal(loaded(x, training=True), model(x, training=True))


@parametrize_cases
def test_compute_output_shape(case):
    sample_shape = KINDS[case.kind].sample_shape
    shapes = [(None, *sample_shape), (3, *sample_shape)]
    if case.kind == "image":
        shapes.append(sample_shape)  # a single image
    layer = case.make(seed=1)
    for input_shape in shapes:
        expected = case.output_shape(input_shape)
        assert tuple(layer.compute_output_shape(input_shape)) == expected
        symbolic = layer(keras.Input(batch_shape=input_shape))
        assert tuple(symbolic.shape) == expected
        concrete = tuple(2 if d is None else d for d in input_shape)
        for training in (False, True):
            out = layer(np.full(concrete, 100.0, "float32"), training=training)
            assert tuple(out.shape) == case.output_shape(concrete)


@parametrize_cases
def test_wrong_rank_raises(case):
    layer = case.make(seed=1)
    for shape in KINDS[case.kind].bad_shapes:
        match = re.escape(f"Received: inputs.shape={shape}")
        for training in (False, True):
            with pytest.raises(ValueError, match=match):
                layer(np.zeros(shape, "float32"), training=training)
        with pytest.raises(ValueError, match=match):
            layer.compute_output_shape(shape)
