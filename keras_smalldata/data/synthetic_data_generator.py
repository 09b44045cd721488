"""The `SyntheticDataGenerator` PyDataset."""

import math
import random
import warnings

import keras
import numpy as np

from keras_smalldata._data_range import check_data_range
from keras_smalldata._inference import compile_for_inference
from keras_smalldata._labels import integer_labels
from keras_smalldata._validation import (
    check_bool,
    check_finite_array,
    check_fraction,
    check_int,
    check_positive_int,
)
from keras_smalldata.models import VAE

# With `filter_model`, rejected samples are redrawn at most this many times;
# after that, the most confident candidates are kept.
_MAX_DRAWS = 10


class SyntheticDataGenerator(keras.utils.PyDataset):
    """Batches that mix real samples with fresh samples from a trained VAE.

    Every batch of `batch_size` holds `round(batch_size * synthetic_fraction)`
    new samples drawn from `vae` (at least one, and at least one real sample,
    when the fraction is strictly between 0 and 1), and real samples for the
    rest. An epoch goes once through the real data, reshuffled every epoch
    (with `synthetic_fraction=1`, an epoch has as many samples as `x`).

    Synthetic labels come from a conditional `vae` and are class-balanced: the
    classes follow each other `0, 1, ..., num_classes - 1, 0, ...` across the
    synthetic slots of consecutive batches, so rare classes get as many
    samples as common ones. With an unconditional `vae`, `filter_model` labels
    the samples (its most probable class). Labels have the format of `y`:
    integers (same dtype and shape, `(n,)` or `(n, 1)`) or one-hot.

    With `filter_model` (a classifier returning class probabilities), a
    synthetic sample whose predicted probability for its intended label is
    below `min_confidence` is replaced by a new draw (Xue et al. 2019 show that
    unfiltered conditional samples can hurt). After 10 draws, the most
    confident candidate is kept, with a warning (once per generator).

    Batches depend only on `seed`, the epoch and the batch index: the same
    seed gives the same batches, in whatever order they are requested.
    With `synthetic_fraction=0` and `shuffle=False`, `model.fit(generator,
    shuffle=False)` trains exactly as `model.fit(x, y, batch_size=batch_size,
    shuffle=False)` (without `shuffle=False`, Keras visits a PyDataset's
    batches in random order, which mixes synthetic and real samples across
    epochs but leaves each batch as generated).

    Args:
        vae: a trained `keras_smalldata.models.VAE`.
        x: array of real inputs, shaped like the VAE's data.
        y: array of labels, as many as `x`: integers in
            `[0, num_classes)` or one-hot. `None` yields inputs only.
            Defaults to `None`.
        batch_size: int. Samples per batch; the last may be smaller.
            Defaults to `32`.
        synthetic_fraction: float in `[0, 1]`. Share of synthetic samples in
            each batch. Defaults to `0.5`.
        filter_model: Keras classifier or `None`. Called as
            `filter_model(x, training=False)`; returns probabilities of shape
            `(n, num_classes)` (or `(n, 1)` for a sigmoid binary classifier).
            Defaults to `None`.
        min_confidence: float in `[0, 1]`. Minimum probability that
            `filter_model` gives a synthetic sample's label. Defaults to `0.0`.
        seed: non-negative int or `None`. Seed of the shuffling and sampling.
            `None` takes one from Python's `random` (which
            `keras.utils.set_random_seed` seeds). Defaults to `None`.
        shuffle: bool. Whether to reshuffle the real data every epoch.
            Defaults to `True`.
        **kwargs: `workers`, `use_multiprocessing`, `max_queue_size`, passed to
            `keras.utils.PyDataset`. Keep `use_multiprocessing=False`: the VAE
            samples in the calling process.

    Example:

    >>> x, y = keras_smalldata.datasets.load_digits()
    >>> vae = keras_smalldata.models.VAE.for_images((8, 8, 1), num_classes=10)
    >>> vae.compile(optimizer="adam")
    >>> history = vae.fit(x[:100], y[:100], epochs=1, verbose=0)
    >>> data = keras_smalldata.data.SyntheticDataGenerator(
    ...     vae, x[:100], y[:100], batch_size=20, synthetic_fraction=0.25, seed=0
    ... )
    >>> len(data), data[0][0].shape, data[0][1][-5:].tolist()
    (7, (20, 8, 8, 1), [0, 1, 2, 3, 4])
    >>> classifier = keras.Sequential(
    ...     [keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")]
    ... )
    >>> classifier.compile("adam", "sparse_categorical_crossentropy")
    >>> history = classifier.fit(data, epochs=1, verbose=0)
    """

    def __init__(
        self,
        vae,
        x,
        y=None,
        batch_size=32,
        synthetic_fraction=0.5,
        filter_model=None,
        min_confidence=0.0,
        seed=None,
        shuffle=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(vae, VAE):
            raise ValueError(
                f"`vae` must be a `keras_smalldata.models.VAE`. Received: vae={vae!r}"
            )
        x = check_finite_array(x, "x")
        if x.ndim == 0 or len(x) == 0 or x.shape[1:] != vae.data_shape:
            raise ValueError(
                "`x` must hold at least one sample of the VAE's data shape "
                f"{vae.data_shape}. Received: x.shape={x.shape}"
            )
        # Real samples on another scale than the VAE's would be mixed with its
        # samples in [0, 1] without a word.
        check_data_range(x, vae.likelihood, "x")
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.synthetic_fraction = check_fraction(
            synthetic_fraction, "synthetic_fraction"
        )
        if filter_model is not None and not callable(filter_model):
            raise ValueError(
                "`filter_model` must be a Keras model returning class "
                f"probabilities, or None. Received: filter_model={filter_model!r}"
            )
        self.min_confidence = check_fraction(min_confidence, "min_confidence")
        if self.min_confidence > 0 and filter_model is None:
            raise ValueError(
                "`min_confidence` needs a `filter_model` to score the samples. "
                f"Received: min_confidence={min_confidence}, filter_model=None"
            )
        seed = check_int(seed, "seed", low=0, none_ok=True)
        check_bool(shuffle, "shuffle")
        if self.batch_size < 2 and 0 < self.synthetic_fraction < 1:
            raise ValueError(
                "A batch mixing real and synthetic samples needs batch_size >= 2. "
                f"Received: batch_size={batch_size}, "
                f"synthetic_fraction={synthetic_fraction}"
            )
        self.vae = vae
        self.x = x
        self._one_hot = False
        self.y = None if y is None else self._check_y(np.asarray(y), vae, filter_model)
        self.filter_model = filter_model
        self._predict = None
        if isinstance(filter_model, keras.layers.Layer):
            self._predict = compile_for_inference(
                lambda images: filter_model(images, training=False)
            )
        elif filter_model is not None:
            self._predict = lambda images: filter_model(images, training=False)
        self.seed = seed
        self.shuffle = shuffle
        self._base_seed = random.randint(0, 2**31 - 2) if seed is None else seed
        self._epoch = 0
        self._warned = False
        self._num_synthetic = _synthetic_per_batch(
            self.batch_size, self.synthetic_fraction
        )
        self._num_real = self.batch_size - self._num_synthetic

    def __len__(self):
        return math.ceil(len(self.x) / (self._num_real or self.batch_size))

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(
                f"Batch index out of range [0, {len(self)}). Received: index={index}"
            )
        rng = np.random.default_rng([self._base_seed, self._epoch, index])
        if self._num_real:
            order = self._order()
            real = order[index * self._num_real : (index + 1) * self._num_real]
            num_synthetic = round(len(real) * self._num_synthetic / self._num_real)
        else:
            real = np.arange(0)
            num_synthetic = min(self.batch_size, len(self.x) - index * self.batch_size)
        x, y = self.x[real], None if self.y is None else self.y[real]
        if num_synthetic:
            first = (self._epoch * len(self) + index) * self._num_synthetic
            x_new, labels = self._synthesize(num_synthetic, first, rng)
            x = np.concatenate([x, x_new.astype(self.x.dtype)])
            if y is not None:
                y = np.concatenate([y, self._format_labels(labels)])
        return x if y is None else (x, y)

    def on_epoch_end(self):
        self._epoch += 1

    # --------------------------------------------------------------- helpers

    def _order(self):
        if not self.shuffle:
            return np.arange(len(self.x))
        rng = np.random.default_rng([self._base_seed, self._epoch])
        return rng.permutation(len(self.x))

    def _synthesize(self, n, first, rng):
        """`n` samples and their integer labels (None: unconditional, no filter)."""
        num_classes = self.vae.num_classes
        intended = None
        if num_classes is not None:
            intended = (first + np.arange(n)) % num_classes
        x = self._draw(n, intended, rng)
        if self.filter_model is None:
            return x, intended
        labels, confidence = self._score(x, intended)
        for _ in range(_MAX_DRAWS - 1):
            rejected = np.flatnonzero(confidence < self.min_confidence)
            if not rejected.size:
                break
            retry = None if intended is None else intended[rejected]
            x_retry = self._draw(len(rejected), retry, rng)
            labels_retry, confidence_retry = self._score(x_retry, retry)
            better = confidence_retry > confidence[rejected]
            keep = rejected[better]
            x[keep] = x_retry[better]
            labels[keep] = labels_retry[better]
            confidence[keep] = confidence_retry[better]
        short = int(np.sum(confidence < self.min_confidence))
        if short and not self._warned:
            self._warned = True
            warnings.warn(
                f"SyntheticDataGenerator: {short} of {n} synthetic samples of a "
                f"batch stayed below min_confidence={self.min_confidence} after "
                f"{_MAX_DRAWS} draws; kept the most confident ones. Reported once "
                "per generator; lower `min_confidence` or train the VAE longer.",
                stacklevel=2,
            )
        return x, labels

    def _draw(self, n, labels, rng):
        seed = int(rng.integers(2**31 - 1))
        return self.vae.sample(n, labels=labels, seed=seed)

    def _score(self, x, intended):
        probabilities = np.asarray(
            keras.ops.convert_to_numpy(self._predict(x)),
            dtype="float64",
        )
        if probabilities.ndim == 2 and probabilities.shape[1] == 1:
            probabilities = np.concatenate([1 - probabilities, probabilities], 1)
        if probabilities.ndim != 2 or len(probabilities) != len(x):
            raise ValueError(
                "`filter_model` must return class probabilities of shape "
                f"(n, num_classes). Received: shape {probabilities.shape} for "
                f"{len(x)} samples"
            )
        if intended is None:
            if self._one_hot and probabilities.shape[1] != self.y.shape[1]:
                raise ValueError(
                    f"`filter_model` must return probabilities for the "
                    f"{self.y.shape[1]} classes of the one-hot `y`. "
                    f"Received: shape {probabilities.shape}"
                )
            labels = np.argmax(probabilities, axis=1)
        else:
            if probabilities.shape[1] != self.vae.num_classes:
                raise ValueError(
                    f"`filter_model` must return probabilities for the VAE's "
                    f"{self.vae.num_classes} classes. "
                    f"Received: shape {probabilities.shape}"
                )
            labels = intended.copy()
        return labels, probabilities[np.arange(len(x)), labels]

    def _check_y(self, y, vae, filter_model):
        if y.ndim == 0 or len(y) != len(self.x):
            raise ValueError(
                "`x` and `y` must hold the same number of samples. "
                f"Received: x.shape={self.x.shape}, y.shape={y.shape}"
            )
        if vae.num_classes is None and filter_model is None:
            raise ValueError(
                "An unconditional VAE cannot label its samples: train a "
                "conditional VAE (num_classes), or pass a `filter_model` to label "
                "them. Received: y with shape "
                f"{y.shape}, vae.num_classes=None, filter_model=None"
            )
        self._one_hot = y.ndim == 2 and y.shape[1] > 1
        num_classes = vae.num_classes or (y.shape[1] if self._one_hot else None)
        if num_classes is not None:
            integer_labels(y, num_classes, "y")  # Raises if malformed.
        return y

    def _format_labels(self, labels):
        if self._one_hot:
            return np.eye(self.y.shape[1], dtype=self.y.dtype)[labels]
        return labels.astype(self.y.dtype).reshape(-1, *self.y.shape[1:])


def _synthetic_per_batch(batch_size, fraction):
    if fraction in (0.0, 1.0):
        return int(fraction * batch_size)
    return min(max(round(batch_size * fraction), 1), batch_size - 1)
