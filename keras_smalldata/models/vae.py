"""The `VAE` model: a variational autoencoder, conditional on labels if asked."""

import keras
import numpy as np
from keras import ops

from keras_smalldata._config import check_config
from keras_smalldata._inference import BatchedInference
from keras_smalldata._labels import one_hot_tensor
from keras_smalldata._own_loss import OwnLossModel, scale_for_replicas
from keras_smalldata._random import ReplicaSeedGenerator
from keras_smalldata._validation import (
    check_choice,
    check_int,
    check_non_negative,
    check_positive_int,
)
from keras_smalldata.models import _vae_losses, _vae_networks
from keras_smalldata.models._vae_data import check_labels, check_x
from keras_smalldata.models._vae_data_methods import DataMethods

_LIKELIHOODS = ("bernoulli", "gaussian")
# Latent log-variances are clipped so that exp() can neither overflow nor
# underflow to a zero standard deviation.
_LATENT_LOG_VAR_RANGE = (-10.0, 10.0)
# The learned per-feature log-variance of the gaussian likelihood is clipped
# too: a feature with zero variance would otherwise drive it to -inf (NaN loss).
_DECODER_LOG_VAR_RANGE = (-6.0, 6.0)


@keras.saving.register_keras_serializable(package="keras_smalldata")
class VAE(OwnLossModel, DataMethods, keras.Model):
    """Variational autoencoder; with `num_classes`, a conditional VAE.

    The model minimises the negative evidence lower bound (ELBO): a
    reconstruction term plus `beta` times the KL divergence between the
    encoder's Gaussian posterior and a standard normal prior (Kingma & Welling
    2014; beta-VAE, Higgins et al. 2017). With `num_classes`, the label enters
    both networks (Sohn et al. 2015), so `sample` draws a requested class
    directly, however rare, without rejection.

    `fit(x)` trains an unconditional VAE and `fit(x, labels)` a conditional
    one; `validation_data`, `evaluate`, sample weights and callbacks work as
    for any Keras model, on any backend (the loss is written with `keras.ops`
    in `compute_loss`, so each backend's own `train_step` runs it). Compile
    without a loss: `vae.compile(optimizer="adam")`. The logs hold `loss` (the
    negative ELBO), `reconstruction_loss` and `kl_loss` (both per sample);
    `keras_smalldata.callbacks.KLAnnealing` adds the current `beta`.

    Calling the model, `vae(x)` or `vae((x, labels))`, runs one stochastic
    pass and returns a dict with the `reconstruction` (in data space), the
    posterior `z_mean` and `z_log_var`, and the per-sample
    `reconstruction_loss` and `kl_loss` (useful as outlier scores). The eager
    methods `encode`, `decode`, `sample`, `reconstruct` and `interpolate` take
    and return numpy arrays.

    Labels are integers in `[0, num_classes)`, of shape `(n,)` or `(n, 1)`, or
    one-hot of shape `(n, num_classes)`; successive calls may use different
    formats. Data is checked on every path into a step: arrays before the first
    step, `tf.data` datasets, PyDatasets and generators batch by batch before
    each step. Labels out of range, NaN or infinite inputs and, with the
    Bernoulli likelihood, inputs outside `[0, 1]` raise a `ValueError`; the
    weights keep the values of the last completed step.

    Args:
        encoder: built Keras model. Maps `x` (conditional: `[x, one_hot]`) to
            `[z_mean, z_log_var]`, each of shape `(batch, latent_dim)`.
        decoder: built Keras model. Maps `z` (conditional: `[z, one_hot]`) to
            the decoder output with the shape of `x`: logits for `"bernoulli"`,
            means for `"gaussian"` (no final activation).
        latent_dim: int. Size of the latent space.
        beta: float >= 0. Weight of the KL term; held in the non-trainable
            variable `beta_variable`, which `keras_smalldata.callbacks.
            KLAnnealing` changes during `fit`. Defaults to `1.0`.
        likelihood: `"bernoulli"` for data in `[0, 1]` (e.g. pixel
            intensities), or `"gaussian"` for standardized real-valued data,
            with a learned per-feature variance. Defaults to `"bernoulli"`.
        num_classes: int >= 2 or `None`. Number of classes of a conditional
            VAE; `None` for an unconditional one. Defaults to `None`.
        seed: int or `None`. Seed of the latent draws made during `fit`.
            Defaults to `None`.
        **kwargs: Base model arguments, such as `name`.

    Example:

    >>> x, y = keras_smalldata.datasets.load_digits()
    >>> vae = keras_smalldata.models.VAE.for_images((8, 8, 1), num_classes=10)
    >>> vae.compile(optimizer="adam")
    >>> history = vae.fit(x[:64], y[:64], epochs=1, verbose=0)
    >>> images, labels = vae.sample(20, seed=0)
    >>> images.shape, labels[:3].tolist()
    ((20, 8, 8, 1), [0, 1, 2])
    >>> vae.sample(4, labels=7, seed=0).shape
    (4, 8, 8, 1)
    """

    _refused_compile_arguments = ("loss", "metrics", "weighted_metrics")
    _own_loss = "its own loss and metrics"

    def __init__(
        self,
        encoder,
        decoder,
        latent_dim,
        beta=1.0,
        likelihood="bernoulli",
        num_classes=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.beta = check_non_negative(beta, "beta")
        self.likelihood = check_choice(likelihood, "likelihood", _LIKELIHOODS)
        self.num_classes = check_int(
            num_classes,
            "num_classes",
            low=2,
            none_ok=True,
            hint="None for an unconditional VAE",
        )
        self.seed = seed
        self.encoder = encoder
        self.decoder = decoder
        self.data_shape = _vae_networks.check_networks(
            encoder, decoder, self.latent_dim, self.num_classes
        )
        # Latent draws differ per replica under a multi-device tf.distribute
        # strategy.
        self.seed_generator = ReplicaSeedGenerator(seed)
        self.beta_variable = self.add_weight(
            shape=(),
            initializer=keras.initializers.Constant(self.beta),
            trainable=False,
            name="beta",
        )
        if self.likelihood == "gaussian":
            self.decoder_log_var = self.add_weight(
                shape=self.data_shape, initializer="zeros", name="decoder_log_var"
            )
        self.reconstruction_loss_tracker = keras.metrics.Mean(
            name="reconstruction_loss"
        )
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")
        # What `encode`, `decode`, `sample`, ... run, compiled on first use.
        self._encode_batched = BatchedInference(self._encode_for_inference)
        self._decode_batched = BatchedInference(self._decode_for_inference)
        # The networks are built, and the VAE creates its own variables above.
        self.built = True

    @classmethod
    def for_images(
        cls,
        input_shape,
        latent_dim=16,
        num_classes=None,
        filters=None,
        hidden_units=128,
        likelihood="bernoulli",
        beta=1.0,
        seed=None,
        **kwargs,
    ):
        """A convolutional VAE for images of shape `(height, width, channels)`.

        The encoder halves the image with stride-2 convolutions, the decoder
        doubles it back with transposed ones (cropping odd sizes).

        Args:
            input_shape: tuple `(height, width, channels)`; both sides at least
                8, 1 or 3 channels, channels last.
            latent_dim: int. Size of the latent space. Defaults to `16`.
            num_classes: int >= 2 or `None`. Defaults to `None`.
            filters: tuple of ints or `None`. Filters of the stride-2 blocks;
                `None` halves while both sides are >= 8, with 32 filters
                doubling per block up to 256 (8x8: `(32,)`; 28x28:
                `(32, 64)`). Defaults to `None`.
            hidden_units: int. Width of the dense layer on each side of the
                latent space. Defaults to `128`.
            likelihood: `"bernoulli"` (images in `[0, 1]`) or `"gaussian"`.
                Defaults to `"bernoulli"`.
            beta: float. Defaults to `1.0`.
            seed: int or `None`. Defaults to `None`.
            **kwargs: Passed to `VAE`, such as `name`.

        Returns:
            An uncompiled `VAE`.
        """
        encoder, decoder = _vae_networks.image_networks(
            input_shape, latent_dim, num_classes, filters, hidden_units
        )
        return cls(
            encoder,
            decoder,
            latent_dim,
            beta=beta,
            likelihood=likelihood,
            num_classes=num_classes,
            seed=seed,
            **kwargs,
        )

    @classmethod
    def for_tabular(
        cls,
        num_features,
        latent_dim=8,
        num_classes=None,
        hidden_units=(64, 32),
        beta=1.0,
        seed=None,
        **kwargs,
    ):
        """A dense VAE with a gaussian likelihood for standardized features.

        Standardize the features first (e.g. `sklearn.preprocessing.
        StandardScaler`, which leaves zero-variance features at 0) and undo it
        on samples (`scaler.inverse_transform`).

        Args:
            num_features: int. Number of features.
            latent_dim: int. Size of the latent space. Defaults to `8`.
            num_classes: int >= 2 or `None`. Defaults to `None`.
            hidden_units: tuple of ints. Widths of the encoder's dense layers;
                the decoder mirrors them. Defaults to `(64, 32)`.
            beta: float. Defaults to `1.0`.
            seed: int or `None`. Defaults to `None`.
            **kwargs: Passed to `VAE`, such as `name`.

        Returns:
            An uncompiled `VAE`.
        """
        encoder, decoder = _vae_networks.tabular_networks(
            num_features, latent_dim, num_classes, hidden_units
        )
        return cls(
            encoder,
            decoder,
            latent_dim,
            beta=beta,
            likelihood="gaussian",
            num_classes=num_classes,
            seed=seed,
            **kwargs,
        )

    # ------------------------------------------------------------------ fit

    def call(self, inputs, training=None):
        x, labels = self._split_inputs(inputs)
        z_mean, z_log_var = self._encode(x, labels, training)
        noise = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        z = z_mean + ops.exp(0.5 * z_log_var) * noise
        output = self._decode(z, labels, training)
        return {
            "reconstruction": self._to_data_space(output),
            "z_mean": z_mean,
            "z_log_var": z_log_var,
            "reconstruction_loss": self._reconstruction_loss(x, output),
            "kl_loss": _vae_losses.kl_to_standard_normal(z_mean, z_log_var),
        }

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        reconstruction = y_pred["reconstruction_loss"]
        kl = y_pred["kl_loss"]
        weight = None
        if sample_weight is not None:
            weight = ops.reshape(ops.cast(sample_weight, "float32"), (-1,))
        self.reconstruction_loss_tracker.update_state(reconstruction, weight)
        self.kl_loss_tracker.update_state(kl, weight)
        per_sample = reconstruction + ops.cast(self.beta_variable, "float32") * kl
        if weight is not None:
            per_sample = per_sample * weight
        total = ops.mean(per_sample)
        for loss in self.losses:  # Weight regularizers and activity losses.
            total = total + ops.cast(ops.sum(loss), "float32")
        return scale_for_replicas(total)

    # TensorFlow and torch call `train_step(data)`; JAX `train_step(state,
    # data)`. Each override moves the labels from `y` into the model inputs and
    # hands over to the backend's own step, which calls `call` and
    # `compute_loss`.
    def train_step(self, *args):
        *state, data = args
        return super().train_step(*state, self._labels_to_inputs(data))

    def test_step(self, *args):
        *state, data = args
        return super().test_step(*state, self._labels_to_inputs(data))

    def predict_step(self, *args):
        *state, data = args
        return super().predict_step(*state, self._labels_to_inputs(data))

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "encoder": keras.saving.serialize_keras_object(self.encoder),
                "decoder": keras.saving.serialize_keras_object(self.decoder),
                "latent_dim": self.latent_dim,
                "beta": self.beta,
                "likelihood": self.likelihood,
                "num_classes": self.num_classes,
                "seed": self.seed,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        check_config(cls, config)
        config = dict(config)
        for name in ("encoder", "decoder"):
            config[name] = keras.saving.deserialize_keras_object(config[name])
        return cls(**config)

    # ---------------------------------------------- eager: numpy in, numpy out

    def encode(self, x, labels=None):
        """Posterior mean and log-variance of `x`, each `(n, latent_dim)`."""
        x = check_x(x, self.data_shape, self.likelihood)
        return self._encode_batched(x, self._one_hot(labels, len(x), "x"))

    def decode(self, z, labels=None):
        """Decodes latent points `(n, latent_dim)` to data space."""
        z = np.asarray(z, dtype="float32")
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"`z` must have shape (n, {self.latent_dim}). "
                f"Received: z.shape={z.shape}"
            )
        return self._decode_batched(z, self._one_hot(labels, len(z), "z"))[0]

    def sample(self, n, labels=None, seed=None, temperature=1.0):
        """Draws `n` new samples from the prior.

        Args:
            n: int. Number of samples.
            labels: conditional VAE only: one class index for all samples, or
                `n` labels. `None` draws class-balanced labels `0, 1, ...,
                num_classes - 1, 0, 1, ...`. Defaults to `None`.
            seed: int or `None`. The same seed gives the same samples, also
                after saving and loading the model. Defaults to `None`.
            temperature: float >= 0. Scales the prior's standard deviation;
                below 1 gives more typical, less diverse samples. Defaults to
                `1.0`.

        Returns:
            The samples, `(n, *data_shape)`, in data space; for a conditional
            VAE given no `labels`, the tuple `(samples, labels)` with int64
            labels.
        """
        n = check_positive_int(n, "n")
        temperature = check_non_negative(temperature, "temperature")
        balanced = self.num_classes is not None and labels is None
        if balanced:
            labels = np.arange(n) % self.num_classes
        elif labels is not None and np.ndim(labels) == 0:
            labels = np.full(n, labels)
        one_hot = self._one_hot(labels, n, "n")
        rng = np.random.default_rng(seed)
        z = temperature * rng.standard_normal((n, self.latent_dim), dtype="float32")
        samples = self._decode_batched(z, one_hot)[0]
        return (samples, labels.astype("int64")) if balanced else samples

    def reconstruct(self, x, labels=None):
        """Decodes the posterior mean of `x`: a deterministic reconstruction."""
        z_mean, _ = self.encode(x, labels)
        return self.decode(z_mean, labels)

    def interpolate(self, a, b, steps=8, labels=None):
        """Decodes `steps` points on the line between the encodings of a and b.

        Args:
            a: one sample, of shape `data_shape` (or `(1, *data_shape)`).
            b: another sample.
            steps: int >= 2. Number of points, both ends included. Defaults to
                `8`.
            labels: conditional VAE only: the pair `(label of a, label of b)`;
                the one-hot label is interpolated along with the latent point.

        Returns:
            Array of shape `(steps, *data_shape)`, from a's reconstruction to
            b's.
        """
        steps = check_int(steps, "steps", low=2)
        ends = check_x(
            np.concatenate([np.reshape(v, (1, *self.data_shape)) for v in (a, b)]),
            self.data_shape,
            self.likelihood,
        )
        one_hot = self._one_hot(labels, 2, "(a, b)")
        z_mean, _ = self.encode(ends, one_hot)
        t = np.linspace(0.0, 1.0, steps, dtype="float32")[:, None]
        z = (1.0 - t) * z_mean[0] + t * z_mean[1]
        if one_hot is not None:
            one_hot = (1.0 - t) * one_hot[0] + t * one_hot[1]
        return self._decode_batched(z, one_hot)[0]

    def _one_hot(self, labels, n, against):
        return check_labels(labels, self.num_classes, n, against)

    def _encode_for_inference(self, x, one_hot):
        return self._encode(x, one_hot, False)

    def _decode_for_inference(self, z, one_hot):
        return (self._to_data_space(self._decode(z, one_hot, False)),)

    # --------------------------------------------------------------- helpers

    @staticmethod
    def _join(data, one_hot):
        if one_hot is None:
            return data
        # Both tensors: Keras refuses a list that mixes a NumPy array with a
        # tensor, and JAX's trainer hands `train_step` NumPy batches.
        return [ops.convert_to_tensor(data), ops.convert_to_tensor(one_hot)]

    def _split_inputs(self, inputs):
        self._check_structure(inputs)
        if self.num_classes is None:
            return inputs, None
        x, labels = inputs
        return x, one_hot_tensor(labels, self.num_classes)

    def _check_structure(self, inputs):
        if self.num_classes is None:
            if isinstance(inputs, (list, tuple)):
                raise ValueError(
                    "This VAE is unconditional (num_classes=None) and takes no "
                    "labels: call `fit(x)`, `vae(x)`. "
                    f"Received: inputs with {len(inputs)} parts"
                )
            return
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(
                f"This VAE is conditional (num_classes={self.num_classes}) and "
                "needs labels: call `fit(x, labels)`, `vae((x, labels))`. "
                f"Received: inputs of type {type(inputs).__name__}"
            )

    def _labels_to_inputs(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        inputs = x if y is None else (x, y)
        self._check_structure(inputs)
        return keras.utils.pack_x_y_sample_weight(inputs, None, sample_weight)

    def _encode(self, x, one_hot, training):
        z_mean, z_log_var = self.encoder(self._join(x, one_hot), training=training)
        # float32 even under mixed precision: exp() and squares in the KL term.
        z_mean = ops.cast(z_mean, "float32")
        z_log_var = ops.clip(ops.cast(z_log_var, "float32"), *_LATENT_LOG_VAR_RANGE)
        return z_mean, z_log_var

    def _decode(self, z, one_hot, training):
        return self.decoder(self._join(z, one_hot), training=training)

    def _to_data_space(self, output):
        return ops.sigmoid(output) if self.likelihood == "bernoulli" else output

    def _reconstruction_loss(self, x, output):
        x = ops.cast(x, "float32")
        output = ops.cast(output, "float32")
        if self.likelihood == "bernoulli":
            return _vae_losses.bernoulli_nll(x, output)
        log_var = ops.clip(self.decoder_log_var, *_DECODER_LOG_VAR_RANGE)
        return _vae_losses.gaussian_nll(x, output, log_var)
