"""The eager, numpy-in numpy-out methods of `VAE`: encode, decode, sample, ..."""

import numbers

import keras
import numpy as np
from keras import ops

from keras_smalldata._validation import (
    check_finite_array,
    check_non_negative,
    check_positive_int,
)
from keras_smalldata.models._vae_data import check_data_range
from keras_smalldata.models._vae_labels import one_hot_array

# Process at most this many rows at a time, to bound memory on large requests.
_EAGER_BATCH_SIZE = 4096


class EagerMethods:
    """Mixin of `VAE`; relies on its `_encode`, `_decode` and `_to_data_space`."""

    def encode(self, x, labels=None):
        """Posterior mean and log-variance of `x`, each `(n, latent_dim)`."""
        x = self._check_x(x)
        one_hot = self._check_labels(labels, len(x), "x")
        return self._run_batched("encode", x, one_hot)

    def decode(self, z, labels=None):
        """Decodes latent points `(n, latent_dim)` to data space."""
        z = np.asarray(z, dtype="float32")
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"`z` must have shape (n, {self.latent_dim}). "
                f"Received: z.shape={z.shape}"
            )
        return self._run_batched("decode", z, self._check_labels(labels, len(z), "z"))[
            0
        ]

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
        one_hot = self._check_labels(labels, n, "n")
        rng = np.random.default_rng(seed)
        z = temperature * rng.standard_normal((n, self.latent_dim), dtype="float32")
        samples = self._run_batched("decode", z, one_hot)[0]
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
        if isinstance(steps, bool) or not isinstance(steps, numbers.Integral):
            steps = 0
        if steps < 2:
            raise ValueError(
                f"`steps` must be an integer of at least 2. Received: steps={steps}"
            )
        ends = self._check_x(
            np.concatenate([np.reshape(v, (1, *self.data_shape)) for v in (a, b)])
        )
        one_hot = self._check_labels(labels, 2, "(a, b)")
        z_mean, _ = self.encode(ends, one_hot)
        t = np.linspace(0.0, 1.0, steps, dtype="float32")[:, None]
        z = (1.0 - t) * z_mean[0] + t * z_mean[1]
        if one_hot is not None:
            one_hot = (1.0 - t) * one_hot[0] + t * one_hot[1]
        return self._run_batched("decode", z, one_hot)[0]

    def _run_batched(self, name, data, one_hot):
        """Runs the inference function `name` on chunks; returns numpy arrays."""
        # Set in `__dict__` directly: Keras would otherwise track the functions.
        functions = self.__dict__.setdefault("_inference_functions", {})
        if name not in functions:
            functions[name] = compile_for_inference(
                getattr(self, f"_{name}_for_inference")
            )
        parts = []
        for start in range(0, len(data), _EAGER_BATCH_SIZE):
            rows = slice(start, start + _EAGER_BATCH_SIZE)
            outputs = functions[name](
                data[rows], None if one_hot is None else one_hot[rows]
            )
            parts.append(tuple(ops.convert_to_numpy(o) for o in outputs))
        return tuple(np.concatenate(column) for column in zip(*parts, strict=True))

    def _encode_for_inference(self, x, one_hot):
        return self._encode(x, one_hot, False)

    def _decode_for_inference(self, z, one_hot):
        return (self._to_data_space(self._decode(z, one_hot, False)),)

    def _check_x(self, x, name="x"):
        x = check_finite_array(x, name).astype("float32", copy=False)
        if x.ndim < 1 or x.shape[1:] != self.data_shape or len(x) == 0:
            raise ValueError(
                f"`{name}` must have shape "
                f"(n, {', '.join(map(str, self.data_shape))}) with n >= 1. "
                f"Received: {name}.shape={x.shape}"
            )
        return check_data_range(x, self.likelihood, name)

    def _check_labels(self, labels, n, against):
        if self.num_classes is None:
            if labels is not None:
                raise ValueError(
                    "This VAE is unconditional (num_classes=None) and takes no "
                    f"labels. Received: labels with shape {np.shape(labels)}"
                )
            return None
        if labels is None:
            raise ValueError(
                f"This VAE is conditional (num_classes={self.num_classes}) and "
                "needs `labels`. Received: labels=None"
            )
        one_hot = one_hot_array(labels, self.num_classes)
        if len(one_hot) != n:
            size = n if against == "n" else f"len({against})={n}"
            raise ValueError(
                f"`labels` must hold one label per sample ({size}). "
                f"Received: len(labels)={len(one_hot)}"
            )
        return one_hot


def compile_for_inference(function):
    """`function` (calls of Keras networks) compiled where that is faster."""
    # Under TensorFlow, a `tf.function` runs small networks 2-4x faster than
    # eager calls (measured on 2 CPU cores: the 8x8 digits decoder, 45k ->
    # 120k samples/s; a small CNN filter_model, 6 -> 1.5 ms per batch).
    # Variables are captured by reference, so the compiled function follows
    # training. Other backends run eagerly.
    if keras.backend.backend() != "tensorflow":
        return function
    import tensorflow as tf

    return tf.function(function, reduce_retracing=True, autograph=False)
