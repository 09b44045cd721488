"""`_fast_random`: the raw-kernel draws follow the distributions they replace."""

import keras
import numpy as np
import pytest
from _backend_marks import tensorflow_only
from scipy import special, stats

from keras_smalldata.layers import RandomGaussianNoise
from keras_smalldata.layers._fast_random import uniform
from keras_smalldata.layers._noise_kernel import add_noise, noise_draw

# The p-values are fixed by the seeds; a threshold of 1e-3 fails a wrong
# distribution at these sample sizes (a 1% error in the scale already gives
# p < 1e-9 at a million draws) and passes the right one.
ALPHA = 1e-3


def test_uniform_passes_ks():
    draws = np.asarray(uniform((1000, 1000), keras.random.SeedGenerator(2))).ravel()
    assert draws.min() >= 0.0 and draws.max() < 1.0
    assert stats.kstest(draws, "uniform").pvalue > ALPHA


def test_draws_are_seeded_and_advance():
    first = np.asarray(uniform((64,), keras.random.SeedGenerator(3)))
    again = np.asarray(uniform((64,), keras.random.SeedGenerator(3)))
    np.testing.assert_array_equal(first, again)
    generator = keras.random.SeedGenerator(3)
    uniform((64,), generator)
    assert not np.allclose(uniform((64,), generator), first)


def added_noise(shape, seed, scale=1.0):
    """What `add_noise` adds to zeros: the noise itself, far from the clip."""
    zeros = np.zeros(shape, "float32")
    draw = noise_draw(keras.ops.convert_to_tensor(zeros), seed)
    return np.asarray(add_noise(zeros, draw, scale, (-100.0, 100.0))).ravel()


def test_added_noise_is_normal_with_its_tails():
    # Under TensorFlow the noise is a 16-bit quantile table: within 1/131072 of
    # the normal in probability, cut at 4.17 standard deviations.
    draws = added_noise((2000, 2000), keras.random.SeedGenerator(4))
    assert stats.kstest(draws, "norm").pvalue > ALPHA
    n = draws.size
    assert abs(draws.mean()) < 4 * np.sqrt(1 / n)
    assert abs(draws.var() - 1) < 4 * np.sqrt(2 / n)
    assert abs(stats.skew(draws)) < 4 * np.sqrt(6 / n)
    assert abs(stats.kurtosis(draws)) < 4 * np.sqrt(24 / n)
    for threshold in (2.0, 3.0, 4.0):
        expected = 2 * stats.norm.sf(threshold)
        observed = np.mean(np.abs(draws) > threshold)
        assert abs(observed - expected) < 4 * np.sqrt(expected / n)


@tensorflow_only("the quantile table is the TensorFlow path")
def test_tensorflow_noise_comes_from_the_quantile_table():
    draws = added_noise((64, 64), keras.random.SeedGenerator(5), scale=2.0)
    table = special.ndtri((np.arange(2**16) + 0.5) / 2**16).astype("float32")
    assert np.isin(draws / 2, table).all()
    assert len(np.unique(draws)) > 0.9 * draws.size


def test_integer_images_get_the_float_result_rounded():
    layer = RandomGaussianNoise(0.05, seed=0)
    images = np.random.default_rng(0).integers(0, 256, (4, 16, 16, 3))
    draw = layer.get_random_transformation(keras.ops.convert_to_tensor(images))
    out = layer.transform_images(images.astype("uint8"), draw)
    as_float = layer.transform_images(images.astype("float32"), draw)
    assert np.asarray(out).dtype == np.uint8
    np.testing.assert_array_equal(out, np.round(np.asarray(as_float)))


@pytest.mark.parametrize("stddev", [0.02, 0.1])
def test_gaussian_noise_layer_adds_normal_noise(stddev):
    images = np.full((16, 64, 64, 3), 127.5, "float32")
    out = np.asarray(RandomGaussianNoise(stddev, seed=0)(images, training=True))
    residual = (out - 127.5) / (stddev * 255)
    # Clipping is out of reach (127.5 is 25 and 5 standard deviations away).
    assert stats.kstest(residual.ravel(), "norm").pvalue > ALPHA


def test_seed_tensors_and_ints_give_fixed_draws():
    # Keras' get_random_transformation(..., seed=...) passes a seed, not a
    # generator; a seed tensor is what TensorFlow's stateless ops take (JAX's
    # keras.random takes an int or a generator only).
    seeds = [7]
    if keras.backend.backend() == "tensorflow":
        seeds.append(np.array([7, 0], "int32"))
    for seed in seeds:
        first = np.asarray(uniform((32,), seed))
        np.testing.assert_array_equal(first, np.asarray(uniform((32,), seed)))
    assert not np.allclose(uniform((32,), 7), uniform((32,), 8))
