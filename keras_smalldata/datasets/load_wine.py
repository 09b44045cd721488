"""Loader for the wine recognition dataset bundled with scikit-learn."""

from keras_smalldata.datasets._sklearn import load_sklearn_dataset


def load_wine():
    """Loads the wine recognition dataset (178 samples, 13 features, 3 classes).

    The data ship inside scikit-learn, so nothing is downloaded. Labels are
    `0`, `1` and `2` (59, 71 and 48 samples).

    Returns:
        Tuple `(x, y)`: `x` a float32 array of shape `(178, 13)` with the raw,
        unscaled features; `y` an int64 array of shape `(178,)`.

    Example:

    >>> x, y = keras_smalldata.datasets.load_wine()
    >>> x.shape, y.shape
    ((178, 13), (178,))
    """
    return load_sklearn_dataset("wine")
