"""The contract every public image augmentation layer keeps.

Each case builds one public layer (containers wrap our own layers). The tests check
inference behaviour, per-image randomness, seeding, functional models, `model.fit`,
`tf.data`, dtypes, layouts, mixed precision, serialization and input validation.
"""

import dataclasses
import json
import re
from collections.abc import Callable

import keras
import numpy as np
import pytest
import tensorflow as tf
from _backend_marks import TF_DATA, tensorflow_only

from keras_smalldata import layers

SIZE = 8
CROP = 6  # RandomResizedCrop's output size in these tests.
BATCH = 16


def _inner_seed(seed, offset):
    return None if seed is None else seed + offset


def _make_crop(seed=None, data_format=None, value_range=(0, 255)):
    return layers.RandomResizedCrop(CROP, CROP, seed=seed, data_format=data_format)


def _make_trivial_augment(seed=None, data_format=None, value_range=(0, 255)):
    return layers.TrivialAugment(
        value_range=value_range, seed=seed, data_format=data_format
    )


def _make_gaussian_noise(seed=None, data_format=None, value_range=(0, 255)):
    return layers.RandomGaussianNoise(
        0.1, value_range=value_range, seed=seed, data_format=data_format
    )


def _make_salt_pepper(seed=None, data_format=None, value_range=(0, 255)):
    return layers.RandomSaltPepper(
        0.3, value_range=value_range, seed=seed, data_format=data_format
    )


def _make_random_apply(seed=None, data_format=None, value_range=(0, 255)):
    inner = layers.RandomGaussianNoise(
        0.1,
        value_range=value_range,
        seed=_inner_seed(seed, 1),
        data_format=data_format,
    )
    return layers.RandomApply(inner, rate=0.5, seed=seed)


def _make_random_choice(seed=None, data_format=None, value_range=(0, 255)):
    inner = [
        layers.RandomSaltPepper(
            0.3,
            value_range=value_range,
            seed=_inner_seed(seed, 1),
            data_format=data_format,
        ),
        layers.RandomGaussianNoise(
            0.1,
            value_range=value_range,
            seed=_inner_seed(seed, 2),
            data_format=data_format,
        ),
    ]
    return layers.RandomChoice(inner, seed=seed)


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    make: Callable
    # Fewest distinct outputs expected from BATCH identical images in training.
    min_distinct: int
    resizes: bool = False
    takes_data_format: bool = True
    takes_value_range: bool = True

    def __str__(self):
        return self.name


CASES = [
    Case(
        "RandomResizedCrop",
        _make_crop,
        min_distinct=BATCH,
        resizes=True,
        takes_value_range=False,
    ),
    Case("TrivialAugment", _make_trivial_augment, min_distinct=8),
    Case("RandomGaussianNoise", _make_gaussian_noise, min_distinct=BATCH),
    Case("RandomSaltPepper", _make_salt_pepper, min_distinct=BATCH),
    # About half the images pass through unchanged, and those are all equal.
    Case(
        "RandomApply",
        _make_random_apply,
        min_distinct=4,
        takes_data_format=False,
        takes_value_range=False,
    ),
    Case(
        "RandomChoice",
        _make_random_choice,
        min_distinct=BATCH,
        takes_data_format=False,
        takes_value_range=False,
    ),
]
IMAGE_CASES = [case for case in CASES if case.takes_data_format]
VALUE_RANGE_CASES = [case for case in CASES if case.takes_value_range]

parametrize_cases = pytest.mark.parametrize("case", CASES, ids=str)


def n_distinct(images):
    return len({np.asarray(image).tobytes() for image in np.asarray(images)})


def expected_inference(case, images):
    """What `case`'s layer returns when not training, for NHWC float images."""
    if case.resizes:
        # A square input's center crop is the whole image.
        return tf.image.resize(images, (CROP, CROP), "bilinear").numpy()
    return images


def out_size(case):
    return CROP if case.resizes else SIZE


@pytest.fixture
def images(rng):
    return rng.uniform(0, 255, (4, SIZE, SIZE, 3)).astype("float32")


@pytest.fixture
def identical(rng):
    image = rng.uniform(0, 255, (1, SIZE, SIZE, 3)).astype("float32")
    return np.repeat(image, BATCH, axis=0)


@parametrize_cases
def test_inference_is_deterministic(case, images):
    layer = case.make(seed=1)
    expected = expected_inference(case, images)
    np.testing.assert_allclose(layer(images), expected, atol=1e-3)
    np.testing.assert_allclose(layer(images, training=False), expected, atol=1e-3)
    np.testing.assert_allclose(layer(images), layer(images), atol=0)


@parametrize_cases
def test_training_draws_per_image(case, identical):
    outputs = case.make(seed=1)(identical, training=True)
    assert n_distinct(outputs) >= case.min_distinct
    assert not np.allclose(outputs, expected_inference(case, identical), atol=1e-3)


@parametrize_cases
def test_same_seed_same_output(case, identical):
    first = case.make(seed=7)(identical, training=True)
    second = case.make(seed=7)(identical, training=True)
    other = case.make(seed=8)(identical, training=True)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


@parametrize_cases
def test_successive_calls_draw_again(case, identical):
    layer = case.make(seed=1)
    first = layer(identical, training=True)
    second = layer(identical, training=True)
    assert not np.array_equal(first, second)


@parametrize_cases
def test_functional_model(case, images, identical):
    inputs = keras.Input((SIZE, SIZE, 3))
    model = keras.Model(inputs, case.make(seed=1)(inputs))
    expected = expected_inference(case, images)
    np.testing.assert_allclose(model.predict(images, verbose=0), expected, atol=1e-3)
    np.testing.assert_allclose(model(images), expected, atol=1e-3)
    np.testing.assert_allclose(model(images, training=False), expected, atol=1e-3)
    trained = model(identical, training=True)
    assert n_distinct(trained) >= case.min_distinct


@parametrize_cases
def test_fit_augments_and_evaluate_does_not(case, identical):
    # A 1x1 depthwise convolution with weight 1 and a zero learning rate is the
    # identity, so the loss against the inference output is zero unless the
    # layer augments.
    inputs = keras.Input((SIZE, SIZE, 3))
    augmented = case.make(seed=1)(inputs)
    outputs = keras.layers.DepthwiseConv2D(
        1, use_bias=False, depthwise_initializer="ones"
    )(augmented)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse")
    target = expected_inference(case, identical)
    history = model.fit(identical, target, batch_size=BATCH, epochs=1, verbose=0)
    assert history.history["loss"][0] > 1.0
    assert model.evaluate(identical, target, verbose=0) < 1e-6


@parametrize_cases
@tensorflow_only(TF_DATA)
def test_tf_data_map(case, images, identical):
    layer = case.make(seed=1)
    batches = tf.data.Dataset.from_tensor_slices(identical).batch(BATCH // 2)
    trained = np.concatenate(
        list(batches.map(lambda x: layer(x, training=True)).as_numpy_iterator())
    )
    assert trained.shape == (BATCH, out_size(case), out_size(case), 3)
    assert n_distinct(trained) >= case.min_distinct
    # The seed state advances from one batch to the next.
    assert not np.array_equal(trained[: BATCH // 2], trained[BATCH // 2 :])

    per_image = tf.data.Dataset.from_tensor_slices(identical)
    per_image = per_image.map(lambda x: layer(x, training=True)).batch(BATCH)
    assert n_distinct(next(iter(per_image))) > 1

    inferred = tf.data.Dataset.from_tensor_slices(images).batch(2).map(layer)
    inferred = np.concatenate(list(inferred.as_numpy_iterator()))
    np.testing.assert_allclose(inferred, expected_inference(case, images), atol=1e-3)


@parametrize_cases
def test_uint8_in_uint8_out(case, images, identical):
    layer = case.make(seed=1)
    images = np.round(images).astype("uint8")
    inferred = layer(images)
    assert keras.backend.standardize_dtype(inferred.dtype) == "uint8"
    expected = expected_inference(case, images.astype("float32"))
    assert np.abs(np.asarray(inferred, "float32") - expected).max() <= 1.0

    identical = np.round(identical).astype("uint8")
    trained = layer(identical, training=True)
    assert keras.backend.standardize_dtype(trained.dtype) == "uint8"
    assert n_distinct(trained) >= case.min_distinct


@parametrize_cases
def test_uint8_model_input(case, images):
    inputs = keras.Input((SIZE, SIZE, 3), dtype="uint8")
    outputs = case.make(seed=1)(inputs)
    assert outputs.dtype == "uint8"
    model = keras.Model(inputs, outputs)
    result = model(np.round(images).astype("uint8"), training=True)
    assert keras.backend.standardize_dtype(result.dtype) == "uint8"


@parametrize_cases
@pytest.mark.parametrize("training", [False, True])
def test_float16_in_float16_out(case, images, training):
    layer = case.make(seed=1)
    result = layer(images.astype("float16"), training=training)
    assert keras.backend.standardize_dtype(result.dtype) == "float16"


@parametrize_cases
def test_float32_in_float32_out(case, images):
    layer = case.make(seed=1)
    for training in (False, True):
        result = layer(images, training=training)
        assert keras.backend.standardize_dtype(result.dtype) == "float32"


@parametrize_cases
def test_unbatched_input(case, images):
    inferred = case.make(seed=3)(images[0])
    expected = expected_inference(case, images[:1])[0]
    np.testing.assert_allclose(inferred, expected, atol=1e-3)
    trained = case.make(seed=3)(images[0], training=True)
    batched = case.make(seed=3)(images[:1], training=True)
    assert trained.shape == (out_size(case), out_size(case), 3)
    np.testing.assert_array_equal(trained, batched[0])


@parametrize_cases
@pytest.mark.parametrize("training", [False, True])
def test_channels_first_matches_channels_last(case, images, training):
    last = case.make(seed=5, data_format="channels_last")(images, training=training)
    first = case.make(seed=5, data_format="channels_first")(
        np.transpose(images, (0, 3, 1, 2)), training=training
    )
    np.testing.assert_allclose(np.transpose(first, (0, 2, 3, 1)), last, atol=1e-4)


@parametrize_cases
def test_mixed_float16_policy(case, images, identical, mixed_float16):
    layer = case.make(seed=1)
    inputs = keras.Input((SIZE, SIZE, 3))
    symbolic = case.make(seed=1)(inputs)
    trained = layer(identical, training=True)
    assert keras.backend.standardize_dtype(trained.dtype) == symbolic.dtype
    trained = np.asarray(trained, "float32")
    assert np.all(np.isfinite(trained))
    assert trained.min() >= 0 and trained.max() <= 255
    assert n_distinct(trained) >= case.min_distinct
    inferred = np.asarray(layer(images), "float32")
    np.testing.assert_allclose(inferred, expected_inference(case, images), atol=0.5)

    inputs = keras.Input((SIZE, SIZE, 3), dtype="uint8")
    assert case.make(seed=1)(inputs).dtype == "uint8"
    result = layer(np.round(images).astype("uint8"), training=True)
    assert keras.backend.standardize_dtype(result.dtype) == "uint8"


@parametrize_cases
def test_values_stay_in_value_range(case, rng):
    value_range = (-1.0, 1.0)
    images = rng.uniform(-1, 1, (64, SIZE, SIZE, 3)).astype("float32")
    images[:, 0, 0] = -1.0
    images[:, 0, 1] = 1.0
    layer = case.make(seed=1, value_range=value_range)
    outputs = np.asarray(layer(images, training=True))
    assert np.all(np.isfinite(outputs))
    assert outputs.min() >= -1.0 and outputs.max() <= 1.0
    assert not np.allclose(outputs, expected_inference(case, images), atol=1e-3)


@parametrize_cases
def test_config_round_trip(case, identical):
    layer = case.make(seed=11, value_range=(0, 1))
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert json.dumps(clone.get_config(), sort_keys=True) == json.dumps(
        config, sort_keys=True
    )
    # The clone is the same layer: same seed, same draws.
    np.testing.assert_array_equal(
        clone(identical / 255.0, training=True),
        layer(identical / 255.0, training=True),
    )


@parametrize_cases
def test_keras_save_load(case, images, identical, tmp_path):
    inputs = keras.Input((SIZE, SIZE, 3))
    layer = case.make(seed=1)
    model = keras.Model(inputs, layer(inputs))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(
        loaded.predict(images, verbose=0), model.predict(images, verbose=0)
    )
    loaded_layer = loaded.layers[-1]
    assert type(loaded_layer) is type(layer)
    assert json.dumps(loaded_layer.get_config(), sort_keys=True) == json.dumps(
        layer.get_config(), sort_keys=True
    )
    assert n_distinct(loaded(identical, training=True)) >= case.min_distinct


@parametrize_cases
@pytest.mark.parametrize(
    "data_format, input_shape, expected",
    [
        ("channels_last", (None, SIZE, SIZE, 3), (None, "o", "o", 3)),
        ("channels_last", (2, SIZE, SIZE, 3), (2, "o", "o", 3)),
        ("channels_last", (SIZE, SIZE, 3), ("o", "o", 3)),
        ("channels_first", (None, 3, SIZE, SIZE), (None, 3, "o", "o")),
        ("channels_first", (3, SIZE, SIZE), (3, "o", "o")),
    ],
)
def test_compute_output_shape(case, data_format, input_shape, expected):
    expected = tuple(out_size(case) if d == "o" else d for d in expected)
    layer = case.make(seed=1, data_format=data_format)
    assert tuple(layer.compute_output_shape(input_shape)) == expected
    concrete = tuple(2 if d is None else d for d in input_shape)
    images = np.zeros(concrete, "float32")
    for training in (False, True):
        actual = layer(images, training=training).shape
        assert tuple(actual) == tuple(2 if d is None else d for d in expected)


@parametrize_cases
@pytest.mark.parametrize("shape", [(SIZE, SIZE), (1, 1, SIZE, SIZE, 3)])
def test_wrong_rank_raises(case, shape):
    layer = case.make(seed=1)
    # The message names the argument (`images` or `inputs`) and its shape.
    match = r"Received: \w+\.shape=" + re.escape(str(shape))
    with pytest.raises(ValueError, match=match):
        layer(np.zeros(shape, "float32"), training=True)
    with pytest.raises(ValueError, match="rank 3 or 4"):
        layer.compute_output_shape(shape)


@pytest.mark.parametrize("case", IMAGE_CASES, ids=str)
def test_bad_data_format_raises(case):
    with pytest.raises(ValueError, match="Received: data_format='nhwc'"):
        case.make(data_format="nhwc")


@pytest.mark.parametrize("case", VALUE_RANGE_CASES, ids=str)
@pytest.mark.parametrize("value_range", [(255, 0), (1, 1), (0,), "0-255"])
def test_bad_value_range_raises(case, value_range):
    match = re.escape(f"Received: value_range={value_range}")
    with pytest.raises(ValueError, match=match):
        case.make(value_range=value_range)


@parametrize_cases
def test_non_finite_values_stay_in_their_image(case, images):
    # NaN and infinity never raise (every operation of TrivialAugment is drawn
    # for some of the 16 poisoned images), and never change another image.
    images = np.tile(images, (8, 1, 1, 1))
    poisoned = images.copy()
    poisoned[::2, 1, 2] = (np.nan, np.inf, -np.inf)
    poisoned[::2, 5, 5, 1] = np.nan
    clean = np.asarray(case.make(seed=3)(images, training=True))
    output = np.asarray(case.make(seed=3)(poisoned, training=True))
    assert output.shape == clean.shape
    np.testing.assert_array_equal(output[1::2], clean[1::2])
