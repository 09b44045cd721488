"""RandomGaussianNoise and RandomSaltPepper: amounts, values and arguments."""

import re

import numpy as np
import pytest

from keras_smalldata.layers import RandomGaussianNoise, RandomSaltPepper


@pytest.mark.parametrize("rate", [0.02, 0.1, 0.5])
def test_salt_pepper_changes_about_rate_of_the_pixels(rate):
    images = np.full((8, 64, 64, 3), 128, "uint8")
    out = np.asarray(RandomSaltPepper(rate, seed=0)(images, training=True))
    changed = (out != 128).any(axis=-1)
    assert abs(changed.mean() - rate) < 0.03
    # Half pepper, half salt.
    assert abs((out[..., 0] == 0).mean() - rate / 2) < 0.02
    assert abs((out[..., 0] == 255).mean() - rate / 2) < 0.02
    # Every image is hit, each differently.
    assert changed.any(axis=(1, 2)).all()
    assert len({image.tobytes() for image in changed}) == 8


@pytest.mark.parametrize("value_range", [(0.0, 1.0), (-1.0, 1.0), (0.0, 255.0)])
def test_salt_pepper_sets_whole_pixels_to_low_or_high(rng, value_range):
    low, high = value_range
    images = rng.uniform(low, high, (4, 16, 16, 3)).astype("float32")
    layer = RandomSaltPepper(0.3, value_range=value_range, seed=1)
    out = np.asarray(layer(images, training=True))
    changed = (out != images).any(axis=-1)
    assert 0.15 < changed.mean() < 0.45
    pepper = (out == low).all(axis=-1)
    salt = (out == high).all(axis=-1)
    # A changed pixel has all its channels at low or all at high.
    assert np.array_equal(changed, pepper | salt)
    np.testing.assert_array_equal(out[~changed], images[~changed])


def test_salt_pepper_rate_zero_and_one(rng):
    images = rng.uniform(0, 1, (2, 8, 8, 3)).astype("float32")
    unchanged = RandomSaltPepper(0.0, value_range=(0, 1), seed=0)
    np.testing.assert_array_equal(unchanged(images, training=True), images)
    replaced = np.asarray(
        RandomSaltPepper(1.0, value_range=(0, 1), seed=0)(images, training=True)
    )
    assert set(np.unique(replaced).tolist()) == {0.0, 1.0}


@pytest.mark.parametrize("stddev", [0.02, 0.05, 0.1])
@pytest.mark.parametrize("value_range", [(0.0, 1.0), (0.0, 255.0), (-1.0, 1.0)])
def test_gaussian_noise_std_is_a_fraction_of_the_range(stddev, value_range):
    low, high = value_range
    images = np.full((8, 32, 32, 3), (low + high) / 2, "float32")
    layer = RandomGaussianNoise(stddev, value_range=value_range, seed=0)
    noise = np.asarray(layer(images, training=True)) - images
    expected = stddev * (high - low)
    assert abs(noise.std() / expected - 1) < 0.05
    assert abs(noise.mean()) < 0.05 * expected
    # Independent per pixel and channel.
    assert abs(np.corrcoef(noise[..., 0].ravel(), noise[..., 1].ravel())[0, 1]) < 0.1


def test_gaussian_noise_is_clipped_to_the_range():
    images = np.zeros((2, 16, 16, 1), "float32")
    images[1] = 1.0
    out = np.asarray(
        RandomGaussianNoise(0.5, value_range=(0, 1), seed=0)(images, training=True)
    )
    assert out.min() == 0.0 and out.max() == 1.0
    # Half the noise on a black image is negative and clipped away.
    assert 0.35 < (out[0] == 0.0).mean() < 0.65


def test_gaussian_noise_zero_stddev_is_identity(rng):
    images = rng.uniform(0, 255, (2, 8, 8, 3)).astype("float32")
    layer = RandomGaussianNoise(0.0, seed=0)
    np.testing.assert_array_equal(layer(images, training=True), images)


def test_gaussian_noise_on_uint8_is_rounded_noise():
    images = np.full((4, 32, 32, 3), 128, "uint8")
    out = np.asarray(RandomGaussianNoise(0.02, seed=0)(images, training=True))
    assert out.dtype == np.uint8
    noise = out.astype("float32") - 128
    assert abs(noise.std() / (0.02 * 255) - 1) < 0.1


@pytest.mark.parametrize("rate", [-0.1, 1.5, "0.1", None])
def test_salt_pepper_bad_rate_raises(rate):
    with pytest.raises(ValueError, match=re.escape(f"Received: rate={rate!r}")):
        RandomSaltPepper(rate)


@pytest.mark.parametrize("stddev", [-0.1, -1, "0.1"])
def test_gaussian_noise_bad_stddev_raises(stddev):
    with pytest.raises(ValueError, match=re.escape(f"Received: stddev={stddev!r}")):
        RandomGaussianNoise(stddev)
