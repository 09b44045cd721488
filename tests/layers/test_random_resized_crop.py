"""RandomResizedCrop: center crop at inference, boxes drawn from `scale` and `ratio`."""

import re

import numpy as np
import pytest

from keras_smalldata.layers import RandomResizedCrop


def n_distinct(images):
    return len({image.tobytes() for image in np.asarray(images)})


def ramps(height, width, batch=1):
    """Images whose channel 0 is the column index and channel 1 the row index."""
    rows, cols = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    image = np.stack([cols, rows], axis=-1).astype("float32")
    return np.repeat(image[None], batch, axis=0)


def test_inference_on_target_size_is_identity(rng):
    images = rng.uniform(0, 255, (2, 8, 12, 3)).astype("float32")
    for interpolation in ("bilinear", "nearest"):
        layer = RandomResizedCrop(8, 12, interpolation=interpolation)
        np.testing.assert_array_equal(layer(images), images)


def test_inference_uint8_on_target_size_is_identity(rng):
    images = rng.integers(0, 256, (2, 8, 8, 3)).astype("uint8")
    np.testing.assert_array_equal(RandomResizedCrop(8, 8)(images), images)


def test_inference_center_crop_of_wide_image_is_middle_square(rng):
    images = rng.uniform(0, 255, (2, 8, 16, 3)).astype("float32")
    np.testing.assert_allclose(RandomResizedCrop(8, 8)(images), images[:, :, 4:12])


def test_inference_center_crop_of_tall_image_is_middle_square(rng):
    images = rng.uniform(0, 255, (2, 16, 8, 3)).astype("float32")
    np.testing.assert_allclose(RandomResizedCrop(8, 8)(images), images[:, 4:12])


def test_inference_center_crop_keeps_target_aspect_ratio():
    # A 4:2 target from a 16x16 image is the middle 8 rows, halved in size.
    layer = RandomResizedCrop(4, 8, interpolation="bilinear")
    out = np.asarray(layer(ramps(16, 16)))[0]
    # Rows come from 4..11: output row k samples 4 + 2k + 0.5.
    np.testing.assert_allclose(out[:, 0, 1], 4 + 2 * np.arange(4) + 0.5)
    np.testing.assert_allclose(out[0, :, 0], 2 * np.arange(8) + 0.5)


def test_full_scale_square_crop_of_square_image_is_identity(rng):
    images = rng.uniform(0, 255, (4, 8, 8, 3)).astype("float32")
    layer = RandomResizedCrop(8, 8, scale=(1, 1), ratio=(1, 1), seed=0)
    np.testing.assert_allclose(layer(images, training=True), images, atol=1e-3)


def test_training_crops_of_identical_images_differ(rng):
    image = rng.uniform(0, 255, (1, 16, 16, 3)).astype("float32")
    images = np.repeat(image, 8, axis=0)
    crops = RandomResizedCrop(8, 8, seed=0)(images, training=True)
    assert n_distinct(crops) == 8


@pytest.mark.parametrize(
    "scale, ratio, box_height, box_width",
    [
        ((1 / 64, 1 / 64), (1.0, 1.0), 8.0, 8.0),
        ((1 / 128, 1 / 128), (0.5, 0.5), 8.0, 4.0),
        ((1 / 128, 1 / 128), (2.0, 2.0), 4.0, 8.0),
    ],
)
def test_training_box_size_follows_scale_and_ratio(scale, ratio, box_height, box_width):
    # On a ramp, neighbouring output pixels differ by box size / output size.
    layer = RandomResizedCrop(4, 4, scale=scale, ratio=ratio, seed=0)
    out = np.asarray(layer(ramps(64, 64, batch=8), training=True))
    np.testing.assert_allclose(np.diff(out[..., 0], axis=2), box_width / 4, atol=1e-4)
    np.testing.assert_allclose(np.diff(out[..., 1], axis=1), box_height / 4, atol=1e-4)
    # The boxes lie inside the image and are placed differently per image.
    assert out.min() >= 0 and out.max() <= 63
    assert n_distinct(out) == 8


def test_training_box_positions_cover_the_image():
    layer = RandomResizedCrop(4, 4, scale=(0.25, 0.25), ratio=(1, 1), seed=0)
    out = np.asarray(layer(ramps(16, 16, batch=64), training=True))
    lefts = out[:, 0, 0, 0] - 0.5 * 8 / 4 + 0.5
    # Left edges are whole pixels, uniform on 0..8: every one is reached.
    np.testing.assert_allclose(lefts, np.round(lefts), atol=1e-4)
    assert set(np.round(lefts).astype(int)) == set(range(9))


def test_fallback_is_a_center_crop():
    # No box of the full area with ratio 2 fits a square, so after the draws the
    # layer falls back to a center crop with the ratio clipped: the middle 8 rows.
    layer = RandomResizedCrop(8, 16, scale=(1, 1), ratio=(2, 2), seed=0)
    image = np.random.default_rng(0).uniform(0, 255, (1, 16, 16, 3))
    images = np.repeat(image.astype("float32"), 4, axis=0)
    np.testing.assert_allclose(layer(images, training=True), images[:, 4:12], atol=1e-3)


def test_nearest_returns_input_pixels(rng):
    images = rng.integers(0, 256, (4, 16, 16, 3)).astype("float32")
    layer = RandomResizedCrop(8, 8, interpolation="nearest", seed=0)
    out = np.asarray(layer(images, training=True))
    for image, crop in zip(images, out, strict=True):
        pixels = {tuple(p) for p in image.reshape(-1, 3)}
        assert {tuple(p) for p in crop.reshape(-1, 3)} <= pixels


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"scale": (0.0, 1.0)}, "Received: scale=(0.0, 1.0)"),
        ({"scale": (0.5, 1.5)}, "Received: scale=(0.5, 1.5)"),
        ({"scale": (0.9, 0.1)}, "Received: scale=(0.9, 0.1)"),
        ({"scale": (-0.1, 0.5)}, "Received: scale=(-0.1, 0.5)"),
        ({"scale": 0.5}, "Received: scale=0.5"),
        ({"ratio": (0.0, 1.0)}, "Received: ratio=(0.0, 1.0)"),
        ({"ratio": (2.0, 1.0)}, "Received: ratio=(2.0, 1.0)"),
        ({"interpolation": "bicubic"}, "Received: interpolation='bicubic'"),
        ({"data_format": "NHWC"}, "Received: data_format='NHWC'"),
        ({"height": 0}, "Received: height=0"),
        ({"width": 2.5}, "Received: width=2.5"),
    ],
)
def test_bad_arguments_raise(kwargs, message):
    kwargs = {"height": 8, "width": 8, **kwargs}
    with pytest.raises(ValueError, match=re.escape(message)):
        RandomResizedCrop(**kwargs)


def test_horizontal_flip_mirrors_about_half_the_crops(rng):
    image = rng.uniform(0, 1, (1, 8, 8, 1)).astype("float32")
    images = np.repeat(image, 200, axis=0)
    kwargs = {"scale": (1, 1), "ratio": (1, 1), "seed": 0}
    out = np.asarray(
        RandomResizedCrop(8, 8, horizontal_flip=True, **kwargs)(images, training=True)
    )
    mirrored = np.all(np.abs(out - image[:, :, ::-1]) < 1e-5, axis=(1, 2, 3))
    unchanged = np.all(np.abs(out - image) < 1e-5, axis=(1, 2, 3))
    assert np.all(mirrored | unchanged)
    assert 70 <= mirrored.sum() <= 130  # Binomial(200, 0.5): mean 100, sd 7


def test_horizontal_flip_is_off_at_inference(rng):
    images = rng.uniform(0, 1, (4, 8, 8, 1)).astype("float32")
    layer = RandomResizedCrop(8, 8, horizontal_flip=True, seed=0)
    np.testing.assert_allclose(layer(images), images, atol=1e-5)


def test_bad_horizontal_flip_raises():
    with pytest.raises(TypeError, match="Received: horizontal_flip='yes'"):
        RandomResizedCrop(8, 8, horizontal_flip="yes")
