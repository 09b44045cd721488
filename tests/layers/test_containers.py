"""RandomApply and RandomChoice: per-image choice among deterministic layers."""

import json
import re

import keras
import numpy as np
import pytest
from _backend_marks import tensorflow_only

from keras_smalldata.layers import (
    RandomApply,
    RandomChoice,
    RandomGaussianNoise,
    RandomSaltPepper,
)


@keras.saving.register_keras_serializable(package="keras_smalldata_tests")
class AddConstant(keras.layers.Layer):
    """Adds `value`, and records the batch sizes it is called on eagerly."""

    def __init__(self, value=1.0, **kwargs):
        super().__init__(**kwargs)
        self.value = value
        self.batch_sizes = []

    def call(self, images):
        if isinstance(images.shape[0], int):
            self.batch_sizes.append(images.shape[0])
        return images + self.value

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "value": self.value}


# Only the TensorFlow path of `keras_smalldata/layers/_grouping.py` partitions
# the batch; other backends compute every branch and select per image.
ONLY_CHOSEN = "other backends run every branch on the whole batch and select"


def offsets(outputs, images):
    """The constant each image was shifted by (NaN if not a constant shift)."""
    diff = np.asarray(outputs, "float64") - np.asarray(images, "float64")
    first = diff.reshape(len(diff), -1)[:, 0]
    constant = np.isclose(diff, first[:, None, None, None], atol=1e-4).all(
        axis=(1, 2, 3)
    )
    return np.where(constant, np.round(first, 4), np.nan)


@pytest.fixture
def images(rng):
    return rng.uniform(0, 100, (200, 4, 4, 2)).astype("float32")


def test_rate_zero_is_identity_in_training(images):
    layer = RandomApply(AddConstant(1.0), rate=0.0, seed=0)
    np.testing.assert_array_equal(layer(images, training=True), images)


def test_rate_one_always_applies(images):
    inner = AddConstant(1.0)
    out = RandomApply(inner, rate=1.0, seed=0)(images, training=True)
    np.testing.assert_allclose(out, inner(images), atol=1e-4)


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.7])
def test_fraction_applied_is_near_rate(images, rate):
    out = RandomApply(AddConstant(1.0), rate=rate, seed=0)(images, training=True)
    shift = offsets(out, images)
    assert set(np.unique(shift).tolist()) == {0.0, 1.0}
    assert abs((shift == 1.0).mean() - rate) < 0.1


@tensorflow_only(ONLY_CHOSEN)
def test_random_apply_runs_the_layer_on_chosen_images_only(images):
    inner = AddConstant(1.0)
    out = RandomApply(inner, rate=0.3, seed=0)(images, training=True)
    applied = int((offsets(out, images) == 1.0).sum())
    assert inner.batch_sizes == [applied]


def test_random_apply_calls_the_layer_in_training_mode(images):
    inner = RandomGaussianNoise(0.1, seed=1)
    out = RandomApply(inner, rate=1.0, seed=0)(images, training=True)
    assert not np.allclose(out, images, atol=1e-3)
    # Outside training, neither the container nor the layer changes anything.
    np.testing.assert_array_equal(RandomApply(inner, rate=1.0)(images), images)


def test_random_choice_gives_each_image_exactly_one_layer(images):
    first, second = AddConstant(1.0), AddConstant(2.0)
    out = RandomChoice([first, second], seed=0)(images, training=True)
    shift = offsets(out, images)
    assert set(np.unique(shift).tolist()) == {1.0, 2.0}
    assert abs((shift == 1.0).mean() - 0.5) < 0.1


@tensorflow_only(ONLY_CHOSEN)
def test_random_choice_runs_each_layer_on_its_images_only(images):
    first, second = AddConstant(1.0), AddConstant(2.0)
    shift = offsets(
        RandomChoice([first, second], seed=0)(images, training=True), images
    )
    assert first.batch_sizes == [int((shift == 1.0).sum())]
    assert second.batch_sizes == [int((shift == 2.0).sum())]


def test_random_choice_uses_all_of_three_layers(images):
    layers = [AddConstant(1.0), AddConstant(2.0), AddConstant(3.0)]
    shift = offsets(RandomChoice(layers, seed=0)(images, training=True), images)
    counts = [(shift == v).sum() for v in (1.0, 2.0, 3.0)]
    assert sum(counts) == len(images)
    assert min(counts) > 40


def test_single_image_input(images):
    layer = RandomChoice([AddConstant(1.0), AddConstant(2.0)], seed=0)
    out = layer(images[0], training=True)
    assert out.shape == images[0].shape
    assert offsets(np.asarray(out)[None], images[:1])[0] in (1.0, 2.0)


def test_uint8_is_clipped_not_wrapped():
    images = np.array([0, 100, 254, 255], "uint8").reshape(1, 2, 2, 1)
    out = RandomApply(AddConstant(1.0), rate=1.0, seed=0)(images, training=True)
    assert keras.backend.standardize_dtype(out.dtype) == "uint8"
    np.testing.assert_array_equal(np.asarray(out).ravel(), [1, 101, 255, 255])


def test_same_seed_same_choices(images):
    def make():
        return RandomChoice([AddConstant(1.0), AddConstant(2.0)], seed=42)

    first = make()(images, training=True)
    second = make()(images, training=True)
    np.testing.assert_array_equal(first, second)


def test_nested_containers_config_round_trip(images):
    layer = RandomApply(
        RandomChoice(
            [AddConstant(1.0), RandomSaltPepper(0.1, seed=2)],
            seed=3,
        ),
        rate=0.25,
        seed=4,
    )
    config = layer.get_config()
    clone = RandomApply.from_config(config)
    assert json.dumps(clone.get_config(), sort_keys=True) == json.dumps(
        config, sort_keys=True
    )
    assert clone.rate == 0.25
    assert isinstance(clone.layer, RandomChoice)
    assert [type(x) for x in clone.layer.layers] == [AddConstant, RandomSaltPepper]


def test_save_load_restores_the_inner_layers(images, tmp_path):
    inputs = keras.Input(images.shape[1:])
    layer = RandomChoice([AddConstant(1.0), AddConstant(2.0)], seed=0)
    model = keras.Model(inputs, layer(inputs))
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_array_equal(loaded.predict(images, verbose=0), images)
    shift = offsets(loaded(images, training=True), images)
    assert set(np.unique(shift).tolist()) == {1.0, 2.0}


def keras_flip():
    return keras.layers.RandomFlip("horizontal", seed=1)


def keras_cv_flip():
    keras_cv = pytest.importorskip("keras_cv")
    return keras_cv.layers.RandomFlip("horizontal", seed=1)


@pytest.mark.parametrize("make_flip", [keras_flip, keras_cv_flip], ids=["keras", "cv"])
def test_containers_accept_keras_and_keras_cv_layers(images, make_flip):
    flip = make_flip()
    images = images[:32]
    flipped = images[:, :, ::-1]
    out = np.asarray(RandomApply(flip, rate=1.0, seed=0)(images, training=True))
    is_flipped = [np.array_equal(o, f) for o, f in zip(out, flipped, strict=True)]
    is_same = [np.array_equal(o, x) for o, x in zip(out, images, strict=True)]
    assert all(f or s for f, s in zip(is_flipped, is_same, strict=True))
    assert any(is_flipped) and any(is_same)

    out = RandomChoice([flip, AddConstant(1.0)], seed=0)(images, training=True)
    shift = offsets(out, images)
    flipped_now = [np.array_equal(o, f) for o, f in zip(out, flipped, strict=True)]
    assert (shift == 1.0).any() and any(flipped_now)
    assert all((s in (0.0, 1.0)) or f for s, f in zip(shift, flipped_now, strict=True))

    config = RandomApply(flip, rate=0.5).get_config()
    clone = RandomApply.from_config(config)
    assert type(clone.layer) is type(flip)
    assert json.dumps(clone.get_config(), sort_keys=True) == json.dumps(
        config, sort_keys=True
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: RandomApply(keras.layers.Resizing(2, 2)),
        lambda: RandomChoice([AddConstant(1.0), keras.layers.Resizing(2, 2)]),
    ],
    ids=["RandomApply", "RandomChoice"],
)
def test_shape_changing_layer_raises(images, make):
    match = re.escape("maps (200, 4, 4, 2) to (200, 2, 2, 2)")
    with pytest.raises(ValueError, match=match):
        make()(images, training=True)
    with pytest.raises(ValueError, match="keep the image shape"):
        make()(keras.Input((4, 4, 2)))


@pytest.mark.parametrize(
    "make, received",
    [
        (lambda: RandomApply("flip"), "Received: 'flip' of type str"),
        (lambda: RandomApply(lambda x: x), "of type function"),
        (lambda: RandomApply(None), "Received: None of type NoneType"),
        (lambda: RandomChoice([AddConstant(), 3]), "Received: 3 of type int"),
        (lambda: RandomChoice([None, AddConstant()]), "Received: None"),
    ],
    ids=["str", "function", "apply-None", "int", "choice-None"],
)
def test_non_layer_raises_type_error(make, received):
    with pytest.raises(TypeError, match=re.escape(received)):
        make()


@pytest.mark.parametrize("layers", [[], (), AddConstant(), None])
def test_random_choice_needs_a_non_empty_list(layers):
    with pytest.raises(ValueError, match=re.escape(f"Received: layers={layers!r}")):
        RandomChoice(layers)


@pytest.mark.parametrize("rate", [-0.1, 1.1, "0.5"])
def test_random_apply_bad_rate_raises(rate):
    with pytest.raises(ValueError, match=re.escape(f"Received: rate={rate!r}")):
        RandomApply(AddConstant(), rate=rate)
