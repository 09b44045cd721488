"""`_color_ops` reproduces PIL's ImageOps / ImageEnhance within one grey level."""

import types

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageOps

from keras_smalldata.layers import _color_ops

FACTORS = (0.05, 0.5, 1.0, 1.5, 1.99)


def pil_apply(images, fn):
    return np.stack([np.asarray(fn(Image.fromarray(image))) for image in images])


def ours_apply(images, fn):
    # As the layers do: compute in float32, then round back to uint8.
    out = np.asarray(fn(images.astype("float32")))
    return np.clip(np.round(out), 0, 255).astype("uint8")


@pytest.fixture(params=["full", "narrow"])
def images(request, rng):
    """Random RGB images: full-range ones, and low-contrast ones."""
    low, high = (0, 256) if request.param == "full" else (60, 180)
    return rng.integers(low, high, (3, 32, 32, 3)).astype("uint8")


def assert_within_one_level(ours, pil):
    assert ours.shape == pil.shape
    assert np.abs(ours.astype(int) - pil.astype(int)).max() <= 1


@pytest.mark.parametrize(
    "name, enhancer",
    [
        ("brightness", ImageEnhance.Brightness),
        ("color", ImageEnhance.Color),
        ("contrast", ImageEnhance.Contrast),
        ("sharpness", ImageEnhance.Sharpness),
    ],
)
def test_enhance_ops_match_pil(images, name, enhancer):
    op = getattr(_color_ops, name)
    for factor in FACTORS:
        ours = ours_apply(images, lambda x, f=factor: op(x, np.full(len(x), f)))
        pil = pil_apply(images, lambda im, f=factor: enhancer(im).enhance(f))
        assert_within_one_level(ours, pil)


def test_enhance_ops_apply_a_factor_per_image(images):
    factors = np.array([0.2, 1.0, 1.8])
    ours = ours_apply(images, lambda x: _color_ops.contrast(x, factors))
    for image, out, factor in zip(images, ours, factors, strict=True):
        pil = np.asarray(ImageEnhance.Contrast(Image.fromarray(image)).enhance(factor))
        assert_within_one_level(out, pil)


def test_sharpness_keeps_the_border(images):
    out = ours_apply(images, lambda x: _color_ops.sharpness(x, np.full(len(x), 1.9)))
    np.testing.assert_array_equal(out[:, 0], images[:, 0])
    np.testing.assert_array_equal(out[:, :, -1], images[:, :, -1])
    assert not np.array_equal(out[:, 1:-1, 1:-1], images[:, 1:-1, 1:-1])


@pytest.mark.parametrize("bits", [1, 2, 4, 6, 8])
def test_posterize_matches_pil(images, bits):
    ours = ours_apply(images, lambda x: _color_ops.posterize(x, np.full(len(x), bits)))
    pil = pil_apply(images, lambda im: ImageOps.posterize(im, bits))
    np.testing.assert_array_equal(ours, pil)


@pytest.mark.parametrize("threshold", [0, 1, 100, 128, 255])
def test_solarize_matches_pil(images, threshold):
    ours = ours_apply(
        images, lambda x: _color_ops.solarize(x, np.full(len(x), threshold))
    )
    pil = pil_apply(images, lambda im: ImageOps.solarize(im, threshold))
    np.testing.assert_array_equal(ours, pil)


def test_autocontrast_matches_pil(images):
    ours = ours_apply(images, _color_ops.autocontrast)
    pil = pil_apply(images, ImageOps.autocontrast)
    assert_within_one_level(ours, pil)
    # Each channel is stretched to the full range.
    assert (ours.min(axis=(1, 2)) == 0).all() and (ours.max(axis=(1, 2)) == 255).all()


def test_equalize_matches_pil(images):
    ours = ours_apply(images, _color_ops.equalize)
    pil = pil_apply(images, ImageOps.equalize)
    assert_within_one_level(ours, pil)


@pytest.mark.parametrize("num_bins", [256, 257])
@pytest.mark.parametrize("path", ["backend", "segment_sum"])
def test_histograms_count_each_row(rng, monkeypatch, path, num_bins):
    if path == "segment_sum":
        # The branch every backend but TensorFlow takes.
        backend = types.SimpleNamespace(backend=lambda: "jax")
        fake = types.SimpleNamespace(backend=backend)
        monkeypatch.setattr(_color_ops, "keras", fake)
    flat = rng.integers(0, num_bins, (5, 40)).astype("int32")
    flat[0] = num_bins - 1  # one row with a single value, at the last bin
    expected = np.stack([np.bincount(row, minlength=num_bins) for row in flat])
    hist = _color_ops.histograms(flat, num_bins)
    assert tuple(hist.shape) == (5, num_bins)
    np.testing.assert_array_equal(np.asarray(hist), expected)


def test_equalize_matches_pil_on_few_grey_levels(rng):
    images = rng.integers(0, 4, (3, 32, 32, 3)).astype("uint8") * 20
    images[0, 0, 0] = 255
    ours = ours_apply(images, _color_ops.equalize)
    pil = pil_apply(images, ImageOps.equalize)
    assert_within_one_level(ours, pil)
    assert not np.array_equal(ours, images)


def test_constant_images_are_left_alone_like_pil():
    images = np.full((2, 8, 8, 3), 77, "uint8")
    for ours_fn, pil_fn in [
        (_color_ops.equalize, ImageOps.equalize),
        (_color_ops.autocontrast, ImageOps.autocontrast),
    ]:
        ours = ours_apply(images, ours_fn)
        np.testing.assert_array_equal(ours, pil_apply(images, pil_fn))
        np.testing.assert_array_equal(ours, images)
