"""TrivialAugment: one operation at one strength per image, PIL-exact colour ops."""

import re
import types

import numpy as np
import pytest
from _backend_marks import TF_PARTITION, tensorflow_only

from keras_smalldata.layers import TrivialAugment, _color_ops, _grouping
from keras_smalldata.layers.trivial_augment import _NAMES


def n_distinct(images):
    return len({image.tobytes() for image in np.asarray(images)})


def use_generic_grouping(monkeypatch):
    fake_keras = types.SimpleNamespace(
        backend=types.SimpleNamespace(backend=lambda: "jax")
    )
    monkeypatch.setattr(_grouping, "keras", fake_keras)


@pytest.fixture
def identical(rng):
    image = rng.integers(50, 200, (1, 16, 16, 3)).astype("float32")
    return np.repeat(image, 64, axis=0)


def test_identical_images_get_many_different_operations(identical):
    outputs = TrivialAugment(seed=0)(identical, training=True)
    assert n_distinct(outputs) >= 30


def photometric_candidates(images):
    """Each colour operation on `images` at the lowest and top bins of 2.

    Returns a dict: name -> array `(candidates, batch, height, width, channels)`.
    """
    ones = np.ones(len(images))
    candidates = {"identity": [images]}
    for name in ("brightness", "color", "contrast", "sharpness"):
        op = getattr(_color_ops, name)
        candidates[name] = [op(images, ones * f) for f in (0.01, 1.0, 1.99)]
    candidates["posterize"] = [_color_ops.posterize(images, ones * b) for b in (2, 8)]
    candidates["solarize"] = [_color_ops.solarize(images, ones * t) for t in (0, 255)]
    candidates["autocontrast"] = [_color_ops.autocontrast(images)]
    candidates["equalize"] = [_color_ops.equalize(images)]
    return {
        name: np.stack([np.asarray(c) for c in outs])
        for name, outs in candidates.items()
    }


def test_each_image_gets_one_operation_at_a_bin_magnitude(rng):
    # Images without zeros: the geometric operations at their top magnitude fill
    # part of the image with 0, which no colour candidate at these bins matches
    # except brightness 0.01 (values near 0 everywhere).
    images = rng.integers(50, 200, (64, 16, 16, 3)).astype("float32")
    outputs = np.asarray(
        TrivialAugment(num_magnitude_bins=2, seed=3)(images, training=True)
    )
    candidates = photometric_candidates(images)
    # matches[name][i]: image i's output is one of `name`'s candidates.
    matches = {
        name: np.isclose(outs, outputs[None], atol=1e-3).all(axis=(2, 3, 4)).any(0)
        for name, outs in candidates.items()
    }
    seen = {name for name, hit in matches.items() if hit.any()}
    geometric = ~np.any(list(matches.values()), axis=0)
    # A shear, translation or rotation: some pixels are filled with 0.
    assert (outputs[geometric] == 0).all(axis=-1).any(axis=(1, 2)).all()
    assert geometric.any()
    assert len(seen) >= 7


@tensorflow_only(TF_PARTITION)
def test_tensorflow_grouping_matches_generic_path(identical, monkeypatch):
    fast = TrivialAugment(seed=5)(identical, training=True)
    fast_single = TrivialAugment(seed=6)(identical[:1], training=True)
    use_generic_grouping(monkeypatch)
    slow = TrivialAugment(seed=5)(identical, training=True)
    slow_single = TrivialAugment(seed=6)(identical[:1], training=True)
    np.testing.assert_allclose(fast, slow, atol=1e-3)
    np.testing.assert_allclose(fast_single, slow_single, atol=1e-3)
    assert n_distinct(fast) >= 30


def test_value_range_is_mapped_to_the_operations(identical):
    # The same draws on [0, 1] images give the [0, 255] result scaled down.
    wide = TrivialAugment(value_range=(0, 255), seed=2)(identical, training=True)
    unit = TrivialAugment(value_range=(0, 1), seed=2)(identical / 255, training=True)
    np.testing.assert_allclose(np.asarray(unit) * 255, wide, atol=0.05)


def test_uint8_outputs_match_float_outputs_rounded(identical):
    as_float = TrivialAugment(seed=4)(identical, training=True)
    as_uint8 = TrivialAugment(seed=4)(identical.astype("uint8"), training=True)
    expected = np.clip(np.round(np.asarray(as_float)), 0, 255)
    assert np.abs(np.asarray(as_uint8, "float32") - expected).max() <= 1


def geometric(images, name, magnitude):
    layer = TrivialAugment()
    batch = len(images)
    op = np.full(batch, _NAMES.index(name), "int32")
    return np.asarray(
        layer._geometric(images, op, np.full(batch, magnitude, "float32"))
    )


def test_rotate_180_flips_both_axes(rng):
    images = rng.uniform(0, 255, (2, 9, 9, 3)).astype("float32")
    np.testing.assert_allclose(
        geometric(images, "rotate", 180.0), images[:, ::-1, ::-1], atol=1e-2
    )


def test_translations_shift_and_fill_with_zero(rng):
    images = rng.uniform(1, 255, (2, 8, 8, 3)).astype("float32")
    right = geometric(images, "translate_x", 2 / 8)
    np.testing.assert_allclose(right[:, :, 2:], images[:, :, :-2], atol=1e-3)
    np.testing.assert_array_equal(right[:, :, :2], 0)
    up = geometric(images, "translate_y", -3 / 8)
    np.testing.assert_allclose(up[:, :-3], images[:, 3:], atol=1e-3)
    np.testing.assert_array_equal(up[:, -3:], 0)


@pytest.mark.parametrize("name", ["shear_x", "shear_y", "rotate", "translate_x"])
def test_geometric_at_zero_magnitude_is_identity(rng, name):
    images = rng.uniform(0, 255, (2, 8, 8, 3)).astype("float32")
    np.testing.assert_allclose(geometric(images, name, 0.0), images, atol=1e-3)


def test_shear_x_keeps_the_center_row(rng):
    images = rng.uniform(1, 255, (2, 9, 9, 3)).astype("float32")
    sheared = geometric(images, "shear_x", 0.5)
    np.testing.assert_allclose(sheared[:, 4], images[:, 4], atol=1e-3)
    assert not np.allclose(sheared[:, 0], images[:, 0], atol=1.0)


@pytest.mark.parametrize("bins", [1, 0, -3, 2.5, True])
def test_bad_num_magnitude_bins_raises(bins):
    with pytest.raises(
        ValueError, match=re.escape(f"Received: num_magnitude_bins={bins}")
    ):
        TrivialAugment(num_magnitude_bins=bins)


def test_two_magnitude_bins_are_accepted():
    layer = TrivialAugment(num_magnitude_bins=2)
    assert layer.get_config()["num_magnitude_bins"] == 2
