"""The terms of a VAE's negative ELBO, per sample, in `keras.ops`.

Each returns one value per sample: the sum over every other axis.
"""

import keras
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


def scale_for_replicas(loss):
    """Divides the loss by the number of replicas of a `tf.distribute` strategy.

    Keras' TensorFlow trainer sums the replicas' gradients and multiplies the
    logged loss by the number of replicas, expecting each replica's loss to be
    pre-divided by it, as its `Loss` objects do
    (`keras/src/losses/loss.py: scale_loss_for_distribution`). Without this the
    gradients and the logged loss of a 2-replica run were twice a single
    device's.
    """
    if keras.backend.backend() != "tensorflow":
        return loss
    import tensorflow as tf

    num_replicas = tf.distribute.get_strategy().num_replicas_in_sync
    if num_replicas > 1:
        loss = loss * (1.0 / num_replicas)
    return loss
