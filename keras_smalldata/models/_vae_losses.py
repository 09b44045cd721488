"""The terms of a VAE's negative ELBO, per sample, in `keras.ops`.

Each returns one value per sample: the sum over every other axis.
"""

import numpy as np
from keras import ops

_LOG_2PI = float(np.log(2.0 * np.pi))


def _sum_per_sample(values):
    return ops.sum(values, axis=tuple(range(1, len(values.shape))))


def bernoulli_nll(x, logits):
    """-log p(x | logits) of independent Bernoulli variables (x may be in [0, 1])."""
    # softplus(l) - x * l, written so that no logit overflows exp().
    nll = ops.relu(logits) - x * logits + ops.log1p(ops.exp(-ops.absolute(logits)))
    return _sum_per_sample(nll)


def gaussian_nll(x, mean, log_var):
    """-log N(x | mean, exp(log_var)), the variance per feature."""
    return _sum_per_sample(
        0.5 * (ops.square(x - mean) * ops.exp(-log_var) + log_var + _LOG_2PI)
    )


def kl_to_standard_normal(z_mean, z_log_var):
    """KL(N(z_mean, exp(z_log_var)) || N(0, I)), closed form (Kingma & Welling)."""
    return -0.5 * ops.sum(
        1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1
    )
