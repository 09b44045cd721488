"""Stratified few-shot train/test split."""

import numpy as np

from keras_smalldata._validation import check_int


def few_shot_split(x, y, per_class, seed=None, unlabeled=False):
    """Splits a labelled dataset into a few-shot training set and a test set.

    The training set holds exactly `per_class` samples of every class, drawn at
    random without replacement and then shuffled. Every other sample goes to
    the test set, in its original order. Every class needs at least
    `per_class` samples; a class with exactly `per_class` leaves none of its
    samples for the test set.

    With `unlabeled=True`, a third value is returned: the inputs of the
    samples not chosen for training, without their labels, to use as the
    unlabelled pool in semi-supervised learning. These are *the same samples
    as the test set* (a copy of `x_test`), so evaluate a semi-supervised model
    on `(x_test, y_test)` only if training on those inputs without their
    labels is what you mean to measure (the transductive setting); otherwise
    split the test set off first.

    Args:
        x: array-like of shape `(n, ...)`. The inputs.
        y: array-like of shape `(n,)`. Integer class labels (integral floats
            such as `1.0` are accepted and returned as given).
        per_class: int. Number of training samples of each class, at least 1
            and at most the size of the smallest class.
        seed: int, `numpy.random.Generator` or `None`. Seeds the draw; the same
            seed on the same data gives the same split. Defaults to `None`
            (a different split each call).
        unlabeled: bool. Whether to also return the inputs of the non-training
            samples as an unlabelled pool. Defaults to `False`.

    Returns:
        `(x_train, y_train), (x_test, y_test)` as numpy arrays, where
        `x_train` has `per_class * num_classes` samples; with `unlabeled=True`,
        `(x_train, y_train), (x_test, y_test), x_unlabeled`, where
        `x_unlabeled` equals `x_test`.

    Raises:
        ValueError: if `per_class` is not an integer of at least 1 or exceeds
            the smallest class, if `x` is empty, if `y` is not 1-D, if `x` and
            `y` differ in length, or if `y` holds non-integral numbers.
        TypeError: if `y` is not numeric (e.g. strings).

    Example:

    >>> x, y = keras_smalldata.datasets.load_digits()
    >>> (x_train, y_train), (x_test, y_test) = (
    ...     keras_smalldata.datasets.few_shot_split(x, y, per_class=5, seed=0)
    ... )
    >>> x_train.shape, x_test.shape
    ((50, 8, 8, 1), (1747, 8, 8, 1))
    """
    check_int(per_class, "per_class", low=1)
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim == 0 or len(x) == 0:
        raise ValueError(
            f"`x` must hold at least one sample. Received: x.shape={x.shape}"
        )
    if y.ndim != 1:
        raise ValueError(
            f"`y` must be 1-D (one label per sample). Received: y.shape={y.shape}"
        )
    if len(x) != len(y):
        raise ValueError(
            "`x` and `y` must have the same length. "
            f"Received: len(x)={len(x)}, len(y)={len(y)}"
        )
    _check_integer_labels(y)

    rng = np.random.default_rng(seed)
    classes, counts = np.unique(y, return_counts=True)
    smallest = np.argmin(counts)
    if per_class > counts[smallest]:
        raise ValueError(
            f"`per_class` must be at most the size of the smallest class, but "
            f"class {classes[smallest].item()!r} has only {counts[smallest]} "
            "samples. "
            f"Received: per_class={per_class}"
        )
    train_index = np.concatenate(
        [rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in classes]
    )
    train_index = rng.permutation(train_index)
    test_mask = np.ones(len(y), dtype=bool)
    test_mask[train_index] = False

    train = (x[train_index], y[train_index])
    test = (x[test_mask], y[test_mask])
    if unlabeled:
        return train, test, x[test_mask]
    return train, test


def _check_integer_labels(y):
    if y.dtype.kind in "biu":
        return
    if y.dtype.kind != "f":
        raise TypeError(
            f"`y` must hold integer class labels. Received: y with dtype={y.dtype}"
        )
    bad = np.flatnonzero(~np.isfinite(y) | (y != np.round(y)))
    if bad.size:
        raise ValueError(
            "`y` must hold integer class labels; floats must be whole numbers. "
            f"Received: y with dtype={y.dtype}, y[{bad[0]}]={y[bad[0]].item()!r}"
        )
