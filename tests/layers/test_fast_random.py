"""`_fast_random`: the raw-kernel draws follow the distributions they replace."""

import keras
import numpy as np
import pytest
from scipy import stats

from keras_smalldata.layers import RandomGaussianNoise
from keras_smalldata.layers._fast_random import standard_normal, uniform

# The p-values are fixed by the seeds; a threshold of 1e-3 fails a wrong
# distribution at these sample sizes (a 1% error in the scale already gives
# p < 1e-9 at a million draws) and passes the right one.
ALPHA = 1e-3


def test_standard_normal_passes_ks_and_moment_checks():
    draws = np.asarray(
        standard_normal((1000, 1000), keras.random.SeedGenerator(0))
    ).ravel()
    assert np.all(np.isfinite(draws))
    assert stats.kstest(draws, "norm").pvalue > ALPHA
    # Mean, variance, skewness and excess kurtosis of N(0, 1) within 4 standard
    # errors (sqrt(1/n), sqrt(2/n), sqrt(6/n), sqrt(24/n)).
    n = draws.size
    assert abs(draws.mean()) < 4 * np.sqrt(1 / n)
    assert abs(draws.var() - 1) < 4 * np.sqrt(2 / n)
    assert abs(stats.skew(draws)) < 4 * np.sqrt(6 / n)
    assert abs(stats.kurtosis(draws)) < 4 * np.sqrt(24 / n)


def test_standard_normal_tails_match():
    # The inverse-CDF draws are cut at 5.3 standard deviations: beyond 3 and 4
    # the frequencies must still be the normal's, within 4 binomial errors.
    draws = np.asarray(
        standard_normal((4000, 1000), keras.random.SeedGenerator(1))
    ).ravel()
    for threshold in (3.0, 4.0):
        expected = 2 * stats.norm.sf(threshold)
        observed = np.mean(np.abs(draws) > threshold)
        assert abs(observed - expected) < 4 * np.sqrt(expected / draws.size)


def test_uniform_passes_ks():
    draws = np.asarray(uniform((1000, 1000), keras.random.SeedGenerator(2))).ravel()
    assert draws.min() >= 0.0 and draws.max() < 1.0
    assert stats.kstest(draws, "uniform").pvalue > ALPHA


def test_draws_are_seeded_and_advance():
    first = np.asarray(standard_normal((64,), keras.random.SeedGenerator(3)))
    again = np.asarray(standard_normal((64,), keras.random.SeedGenerator(3)))
    np.testing.assert_array_equal(first, again)
    generator = keras.random.SeedGenerator(3)
    standard_normal((64,), generator)
    assert not np.allclose(standard_normal((64,), generator), first)


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
