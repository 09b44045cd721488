"""`cutmix`: CutMix of a batched `tf.data.Dataset` of `(x, y)`."""

from keras_smalldata.data._mixing import mix_dataset


def cutmix(dataset, alpha=1.0, seed=None):
    """Mixes every batch of a dataset with CutMix (Yun et al., 2019).

    Each sample `i` of a batch gets a part of a partner `j` (a random
    permutation of the batch) pasted in; the part's size is drawn per sample
    from `1 - lam`, `lam ~ Beta(alpha, alpha)`:

    - tabular rows `(batch, features)`: a random subset of columns,
    - sequences `(batch, steps, channels)`: a random window of steps,
    - images `(batch, height, width, channels)`: a random box.

    The label is `w * y_i + (1 - w) * y_j` with `w` exactly the fraction of
    columns, steps or pixels that sample `i` kept. `keras.layers.CutMix` is not
    used: its label weights follow the continuous box, not the pasted pixels,
    and its mixing weights do not come from Beta(alpha, alpha).

    Batches are mixed in order from one seed generator: the same `seed` gives
    the same batches, and each pass over the returned dataset (each epoch)
    draws new mixes.

    Args:
        dataset: `tf.data.Dataset` of batches `(x, y)`, `y` one-hot or soft
            labels of shape `(batch, num_classes)`.
        alpha: float > 0. Parameter of the Beta(alpha, alpha) distribution of
            the kept fraction. Defaults to `1.0` (uniform).
        seed: int or None. Random seed. Defaults to `None`.

    Returns:
        A `tf.data.Dataset` of mixed batches `(x, y)`: `x` keeps its dtype,
        `y` is float32.

    Raises:
        TypeError: if `dataset` is not a `tf.data.Dataset`, or its `x` or `y`
            do not hold numbers.
        ValueError: if `alpha` is not positive, the dataset is not batched,
            does not yield pairs `(x, y)`, `x` is not of rank 2, 3 or 4, or the
            labels are integer class indices: convert those with
            `keras.utils.to_categorical`.

    Example:

    >>> import tensorflow as tf
    >>> x = np.random.rand(8, 20, 3).astype("float32")  # 8 series, 20 steps
    >>> y = keras.utils.to_categorical(np.arange(8) % 2, 2)
    >>> dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    >>> mixed = keras_smalldata.data.cutmix(dataset, seed=0)
    >>> x_mixed, y_mixed = next(iter(mixed))
    >>> tuple(x_mixed.shape), tuple(y_mixed.shape)
    ((4, 20, 3), (4, 2))
    """
    return mix_dataset(dataset, "cutmix", alpha, seed)
