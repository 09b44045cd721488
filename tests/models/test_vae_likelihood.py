"""The VAE's loss terms against references computed here with NumPy and SciPy.

The networks are chosen so that every term is known: the decoder ignores `z`
(zero kernel) and outputs fixed logits or means, so the reconstruction term
does not depend on the latent draw; the KL term is checked against the
encoder's returned `z_mean` and `z_log_var`. A sign error, a mean where a sum
belongs, or a missing `beta` fails these tests. They run under TensorFlow and
JAX.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy import integrate, special, stats  # noqa: E402

from keras_smalldata.models import VAE  # noqa: E402

LATENT = 3
RTOL = 1e-5


def _vae(data_shape, decoder_output, likelihood, beta=1.0):
    """A VAE whose decoder maps every `z` to `decoder_output`."""
    keras.utils.set_random_seed(0)
    size = int(np.prod(data_shape))
    x = keras.Input(data_shape)
    features = keras.layers.Flatten()(x)
    encoder = keras.Model(
        x,
        [
            keras.layers.Dense(LATENT, bias_initializer="glorot_uniform")(features),
            keras.layers.Dense(LATENT, bias_initializer="glorot_uniform")(features),
        ],
    )
    z = keras.Input((LATENT,))
    dense = keras.layers.Dense(size)
    decoder = keras.Model(z, keras.layers.Reshape(data_shape)(dense(z)))
    dense.set_weights([np.zeros((LATENT, size), "float32"), np.ravel(decoder_output)])
    return VAE(encoder, decoder, LATENT, beta=beta, likelihood=likelihood, seed=0)


def _per_sample(values):
    return values.reshape(len(values), -1).sum(axis=1)


def _kl_by_integration(mean, log_var):
    """KL(N(mean, exp(log_var)) || N(0, 1)) of one latent unit, by quadrature."""
    q = stats.norm(mean, np.exp(0.5 * log_var))
    p = stats.norm(0.0, 1.0)
    low, high = q.ppf(1e-12), q.isf(1e-12)
    value, _ = integrate.quad(
        lambda z: q.pdf(z) * (q.logpdf(z) - p.logpdf(z)), low, high, epsabs=1e-12
    )
    return value


def _numpy(outputs):
    return {
        k: keras.ops.convert_to_numpy(v).astype("float64") for k, v in outputs.items()
    }


def test_bernoulli_term_is_the_negative_bernoulli_log_likelihood():
    rng = np.random.default_rng(0)
    shape = (2, 3, 1)  # Summed over every axis but the batch.
    logits = np.array([-8.0, -2.5, 0.0, 0.4, 3.0, 9.0], "float32").reshape(shape)
    x = rng.integers(0, 2, size=(5, *shape)).astype("float32")
    outputs = _numpy(_vae(shape, logits, "bernoulli")(x))
    p = special.expit(logits.astype("float64"))
    expected = -_per_sample(stats.bernoulli.logpmf(x, p))
    np.testing.assert_allclose(outputs["reconstruction_loss"], expected, rtol=RTOL)
    np.testing.assert_allclose(outputs["reconstruction"][0], p, rtol=RTOL)


def test_bernoulli_term_on_intensities_is_the_cross_entropy_and_stable():
    # Data in [0, 1] (not only 0 and 1), and logits far past where a naive
    # log(sigmoid) underflows in float32.
    shape = (4,)
    logits = np.array([-120.0, -30.0, 25.0, 90.0], "float32")
    x = np.array([[0.0, 0.25, 0.5, 1.0], [1.0, 0.75, 0.0, 0.3]], "float32")
    outputs = _numpy(_vae(shape, logits, "bernoulli")(x))
    logits = logits.astype("float64")
    log_p, log_not_p = special.log_expit(logits), special.log_expit(-logits)
    expected = -_per_sample(x * log_p + (1.0 - x) * log_not_p)
    assert np.all(np.isfinite(outputs["reconstruction_loss"]))
    np.testing.assert_allclose(outputs["reconstruction_loss"], expected, rtol=RTOL)


def test_gaussian_term_is_the_negative_normal_log_likelihood():
    rng = np.random.default_rng(1)
    shape = (5,)
    means = np.array([-1.5, -0.2, 0.0, 0.7, 2.0], "float32")
    log_var = np.array([-2.0, -0.5, 0.0, 0.8, 1.5], "float32")
    x = rng.normal(size=(6, *shape)).astype("float32") * 2.0
    vae = _vae(shape, means, "gaussian")
    vae.decoder_log_var.assign(log_var)
    outputs = _numpy(vae(x))
    scale = np.exp(0.5 * log_var.astype("float64"))
    expected = -_per_sample(stats.norm.logpdf(x, loc=means, scale=scale))
    np.testing.assert_allclose(outputs["reconstruction_loss"], expected, rtol=RTOL)
    np.testing.assert_allclose(outputs["reconstruction"][0], means, rtol=RTOL)


def test_kl_term_is_the_divergence_from_the_standard_normal():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 6)).astype("float32") * 2.0
    outputs = _numpy(_vae((6,), np.zeros(6, "float32"), "gaussian")(x))
    means, log_vars = outputs["z_mean"], outputs["z_log_var"]
    # The encoder's outputs vary: the reference is not checked at one point.
    assert np.ptp(means) > 0.5 and np.ptp(log_vars) > 0.5
    expected = [
        sum(_kl_by_integration(m, v) for m, v in zip(row_m, row_v, strict=True))
        for row_m, row_v in zip(means, log_vars, strict=True)
    ]
    np.testing.assert_allclose(outputs["kl_loss"], expected, rtol=1e-4)


def test_loss_is_the_batch_mean_of_reconstruction_plus_beta_kl():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(8, 4)).astype("float32")
    means = np.array([0.5, -0.5, 1.0, 0.0], "float32")
    vae = _vae((4,), means, "gaussian", beta=0.3)
    outputs = vae(x)
    values = _numpy(outputs)
    reconstruction = -_per_sample(stats.norm.logpdf(x, loc=means, scale=1.0))
    np.testing.assert_allclose(values["reconstruction_loss"], reconstruction, rtol=RTOL)
    expected = np.mean(reconstruction + 0.3 * values["kl_loss"])
    loss = vae.compute_loss(y_pred=outputs)
    assert float(loss) == pytest.approx(expected, rel=RTOL)
    # The same number through Keras' own evaluation step, on either backend.
    vae.compile(optimizer="adam")
    scores = vae.evaluate(x, batch_size=len(x), verbose=0, return_dict=True)
    np.testing.assert_allclose(
        [scores["reconstruction_loss"], scores["kl_loss"]],
        [reconstruction.mean(), values["kl_loss"].mean()],
        rtol=RTOL,
    )
    # Neither term depends on this step's latent draw, so neither does the total.
    assert scores["loss"] == pytest.approx(expected, rel=RTOL)
