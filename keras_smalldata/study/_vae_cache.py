"""VAEs for the study: one unlabeled encoder per study, one CVAE per split."""

import hashlib

import keras
import numpy as np
import tensorflow as tf

from keras_smalldata._seeding import seeded
from keras_smalldata.models import VAE

# Conditional VAEs by training set, so that every arm that uses synthetic
# samples on the same split reuses one VAE (a VAE per split, not per arm).
_CONDITIONAL = {}


def _fit(vae, data, steps, batch_size, seed):
    vae.compile(optimizer=keras.optimizers.Adam(2e-3))
    dataset = (
        tf.data.Dataset.from_tensor_slices(data)
        .shuffle(len(data[0]) if isinstance(data, tuple) else len(data), seed=seed)
        .repeat()
        .batch(batch_size)
    )
    epochs = 5
    vae.fit(
        dataset,
        epochs=epochs,
        steps_per_epoch=max(1, steps // epochs),
        shuffle=False,  # the dataset is shuffled
        verbose=0,
    )
    return vae


def _new_vae(x, kind, latent_dim, num_classes, seed):
    if kind == "images":
        return VAE.for_images(
            x.shape[1:], latent_dim=latent_dim, num_classes=num_classes, seed=seed
        )
    return VAE.for_tabular(
        x.shape[1], latent_dim=latent_dim, num_classes=num_classes, seed=seed
    )


def pretrain_backbone(x_pool, kind, steps, seed, path):
    """Trains an unconditional VAE on unlabeled inputs; saves its encoder.

    The saved backbone maps raw inputs to the encoder's last hidden features. For
    tabular data it standardizes first (the VAE's gaussian likelihood expects
    standardized features), with statistics of the unlabeled pool.
    """
    with seeded(seed):
        x_pool = np.asarray(x_pool, "float32")
        inputs = keras.Input(x_pool.shape[1:])
        if kind == "tabular":
            normalization = keras.layers.Normalization()
            normalization.adapt(x_pool)
            standardized = normalization(x_pool).numpy()
            vae = _fit(
                _new_vae(x_pool, kind, 16, None, seed), standardized, steps, 64, seed
            )
            features = _features(vae)(normalization(inputs))
        else:
            vae = _fit(_new_vae(x_pool, kind, 32, None, seed), x_pool, steps, 64, seed)
            features = _features(vae)(inputs)
        backbone = keras.Model(inputs, features, name="vae_encoder")
        backbone.save(path)
    return path


def _features(vae):
    """The encoder up to its last hidden layer (the input of `z_mean`).

    Richer than the latent means, which the KL term pulls toward the prior;
    and `z_log_var` is left out, as it would get no gradient.
    """
    encoder = vae.encoder
    hidden = encoder.get_layer("z_mean").input
    return keras.Model(encoder.inputs, hidden, name="encoder_features")


def conditional_vae(x, y, num_classes, kind, steps, seed):
    """A conditional VAE trained on `(x, y)`, cached by the data's bytes."""
    key = (
        hashlib.sha1(
            np.ascontiguousarray(x).tobytes() + np.ascontiguousarray(y).tobytes()
        ).hexdigest()
        + f"-{num_classes}-{kind}-{steps}-{seed}"
    )
    if key not in _CONDITIONAL:
        if kind == "tabular":
            raise ValueError(
                "The synthetic arm supports image data. "
                f"Received: data of kind {kind!r}"
            )
        with seeded(seed):
            vae = _new_vae(x, kind, 16, num_classes, seed)
            _CONDITIONAL[key] = _fit(vae, (x, y), steps, 32, seed)
    return _CONDITIONAL[key]
