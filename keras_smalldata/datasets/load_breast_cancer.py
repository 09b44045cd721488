"""Loader for the Wisconsin breast cancer dataset bundled with scikit-learn."""

from keras_smalldata.datasets._sklearn import load_sklearn_dataset


def load_breast_cancer():
    """Loads the Wisconsin breast cancer dataset (569 samples, 30 features).

    The data ship inside scikit-learn, so nothing is downloaded. Labels are
    `0` (malignant, 212 samples) and `1` (benign, 357 samples).

    Returns:
        Tuple `(x, y)`: `x` a float32 array of shape `(569, 30)` with the raw,
        unscaled features; `y` an int64 array of shape `(569,)`.

    Example:

    >>> x, y = keras_smalldata.datasets.load_breast_cancer()
    >>> x.shape, y.shape
    ((569, 30), (569,))
    """
    return load_sklearn_dataset("breast_cancer")
