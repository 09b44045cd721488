"""`mixup`: MixUp of a batched `tf.data.Dataset` of `(x, y)`."""

from keras_smalldata.data._mixing import mix_dataset


def mixup(dataset, alpha=0.2, seed=None):
    """Mixes every batch of a dataset with MixUp (Zhang et al., 2018).

    Each sample `i` of a batch is blended with a partner `j` (a random
    permutation of the batch) with its own weight `lam ~ Beta(alpha, alpha)`:
    `x = lam * x_i + (1 - lam) * x_j` and `y = lam * y_i + (1 - lam) * y_j`.
    Labels live outside the model, so mixing happens in the data path, before
    `model.fit`. Works for any inputs with a batch axis: tabular rows
    `(batch, features)`, sequences `(batch, steps, channels)` and images
    `(batch, height, width, channels)`, which go through `keras.layers.MixUp`.

    Batches are mixed in order from one seed generator: the same `seed` gives
    the same batches, and each pass over the returned dataset (each epoch)
    draws new mixes.

    Args:
        dataset: `tf.data.Dataset` of batches `(x, y)`, `y` one-hot or soft
            labels of shape `(batch, num_classes)`.
        alpha: float > 0. Parameter of the Beta(alpha, alpha) distribution of
            the mixing weights; small values mix little. Defaults to `0.2`.
        seed: int or None. Random seed. Defaults to `None`.

    Returns:
        A `tf.data.Dataset` of mixed batches `(x, y)`, both float32.

    Raises:
        TypeError: if `dataset` is not a `tf.data.Dataset`, or its `x` or `y`
            do not hold numbers.
        ValueError: if `alpha` is not positive, the dataset is not batched,
            does not yield pairs `(x, y)`, or has integer (class index) labels:
            convert those with `keras.utils.to_categorical`.

    Example:

    >>> import tensorflow as tf
    >>> x = np.random.rand(8, 4).astype("float32")
    >>> y = keras.utils.to_categorical(np.arange(8) % 2, 2)
    >>> dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    >>> mixed = keras_smalldata.data.mixup(dataset, alpha=0.2, seed=0)
    >>> x_mixed, y_mixed = next(iter(mixed))
    >>> np.allclose(np.sum(y_mixed, axis=-1), 1.0)
    True
    """
    return mix_dataset(dataset, "mixup", alpha, seed)
