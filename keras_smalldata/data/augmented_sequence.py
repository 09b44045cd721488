"""The `AugmentedSequence` PyDataset."""

import math
import random
import threading

import keras
import numpy as np

from keras_smalldata._validation import (
    check_bool,
    check_choice,
    check_finite_array,
    check_int,
    check_positive_int,
)
from keras_smalldata.data._mixing import (
    DEFAULT_ALPHA,
    METHODS,
    BatchMixer,
    check_alpha,
    check_inputs,
    check_labels,
)


class AugmentedSequence(keras.utils.PyDataset):
    """Batches of in-memory arrays, augmented and optionally mixed, for `fit`.

    For training from NumPy arrays without `tf.data`: every batch goes through
    the `augmentation` layers (called with `training=True`), then, with `mix`,
    through MixUp or CutMix, which need the labels and so cannot run inside the
    model. Samples are reshuffled at the end of every epoch.

    Randomness is seeded. The shuffling and the mixing of a batch depend only on
    `seed`, the epoch and the batch index, so they are the same however many
    `workers` produce the batches and in whatever order. The augmentation
    layers draw from their own seed generators, batch after batch; with
    `workers > 1` which batch gets which draw depends on thread timing (calls
    to the layers are serialized so that no two batches get the same draw).

    Args:
        x: array of inputs, samples on the first axis.
        y: array of targets, as many as `x`. With `mix`, one-hot or soft labels
            of shape `(samples, num_classes)`.
        batch_size: int. Samples per batch; the last batch may be smaller.
            Defaults to `32`.
        augmentation: a `keras.layers.Layer`, a list of them (applied in order)
            or `None`. Called on each batch with `training=True`. Defaults to
            `None`.
        mix: `None`, `"mixup"` or `"cutmix"`. Label mixing applied to each
            batch, as `keras_smalldata.data.mixup` / `cutmix` do. Defaults to
            `None`.
        alpha: float > 0 or None. Beta(alpha, alpha) parameter of the mixing.
            Defaults to `None`: `0.2` for MixUp, `1.0` for CutMix.
        shuffle: bool. Whether to shuffle the samples, anew every epoch.
            Defaults to `True`.
        seed: int or None. Seed of the shuffling and mixing. Defaults to
            `None`.
        **kwargs: `workers`, `use_multiprocessing`, `max_queue_size`, passed to
            `keras.utils.PyDataset`.

    Example:

    >>> x = np.random.rand(20, 8, 8, 1).astype("float32")
    >>> y = keras.utils.to_categorical(np.arange(20) % 2, 2)
    >>> noise = keras_smalldata.layers.RandomGaussianNoise(
    ...     0.05, value_range=(0, 1), seed=0
    ... )
    >>> data = keras_smalldata.data.AugmentedSequence(
    ...     x, y, batch_size=8, augmentation=noise, mix="mixup", seed=0
    ... )
    >>> len(data), data[2][0].shape
    (3, (4, 8, 8, 1))
    >>> model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(2)])
    >>> model.compile("adam", keras.losses.CategoricalCrossentropy(from_logits=True))
    >>> history = model.fit(data, epochs=1, verbose=0)
    """

    def __init__(
        self,
        x,
        y,
        batch_size=32,
        augmentation=None,
        mix=None,
        alpha=None,
        shuffle=True,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        x = check_finite_array(x, "x")
        y = np.asarray(y)
        if x.ndim == 0 or len(x) == 0:
            raise ValueError(
                "AugmentedSequence needs at least one sample in `x`. "
                f"Received: x.shape={x.shape}"
            )
        if y.ndim == 0 or len(y) != len(x):
            raise ValueError(
                "`x` and `y` must hold the same number of samples. "
                f"Received: x.shape={x.shape}, y.shape={y.shape}"
            )
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.augmentation = augmentation
        self._layers = _check_augmentation(augmentation)
        self.mix = None if mix is None else check_choice(mix, "mix", set(METHODS))
        if mix is None:
            if alpha is not None:
                raise ValueError(
                    "`alpha` sets the strength of `mix`; pass `mix='mixup'` or "
                    f"`mix='cutmix'` with it. Received: alpha={alpha}, mix=None"
                )
        else:
            check_labels(y.shape, y.dtype, mix)
            check_inputs(x.shape, mix)
            alpha = DEFAULT_ALPHA[mix] if alpha is None else check_alpha(alpha)
        self.alpha = alpha
        self.shuffle = check_bool(shuffle, "shuffle")
        self.seed = check_int(seed, "seed", low=0, none_ok=True)
        self.x = x
        self.y = y
        # Keras' default seeds come from Python's `random`, which
        # `keras.utils.set_random_seed` seeds.
        self._base_seed = random.randint(0, 2**31 - 2) if seed is None else seed
        self._epoch = 0
        self._order = self._shuffled_order()
        self._mixer = None if mix is None else BatchMixer(mix, alpha)
        # A `SeedGenerator` draw reads and then bumps its state, so two threads
        # calling a layer at once can draw the same numbers.
        self._augmentation_lock = threading.Lock()

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(
                f"Batch index out of range [0, {len(self)}). Received: index={index}"
            )
        indices = self._order[index * self.batch_size : (index + 1) * self.batch_size]
        x, y = self.x[indices], self.y[indices]
        if self._layers:
            with self._augmentation_lock:
                for layer in self._layers:
                    x = layer(x, training=True)
        if self._mixer is not None:
            seed = _derive_seed(self._base_seed, 1, self._epoch, index)
            x, y = self._mixer(x, y, keras.random.SeedGenerator(seed))
        return keras.ops.convert_to_numpy(x), keras.ops.convert_to_numpy(y)

    def on_epoch_end(self):
        self._epoch += 1
        self._order = self._shuffled_order()

    def _shuffled_order(self):
        if not self.shuffle:
            return np.arange(len(self.x))
        rng = np.random.default_rng([self._base_seed, 0, self._epoch])
        return rng.permutation(len(self.x))

    def __getstate__(self):
        # For `use_multiprocessing=True` under the "spawn" start method.
        state = self.__dict__.copy()
        del state["_augmentation_lock"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._augmentation_lock = threading.Lock()


def _check_augmentation(augmentation):
    if augmentation is None:
        return []
    layers = (
        list(augmentation)
        if isinstance(augmentation, (list, tuple))
        else [augmentation]
    )
    if not all(isinstance(layer, keras.layers.Layer) for layer in layers):
        raise ValueError(
            "`augmentation` must be a `keras.layers.Layer`, a list of them or "
            f"None. Received: augmentation={augmentation!r}"
        )
    return layers


def _derive_seed(*entropy):
    """A seed for `keras.random` that depends only on `entropy`."""
    return int(np.random.SeedSequence(entropy).generate_state(1)[0] % (2**31 - 1))
