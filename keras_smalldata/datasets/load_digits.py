"""Loader for the 8x8 handwritten digits dataset bundled with scikit-learn."""

from keras_smalldata.datasets._sklearn import load_sklearn_dataset

# scikit-learn stores the digits as pixel counts from 0 to 16.
_MAX_PIXEL_VALUE = 16.0


def load_digits():
    """Loads the 8x8 handwritten digits dataset (1797 images, 10 classes).

    The data ship inside scikit-learn, so nothing is downloaded. scikit-learn
    stores pixels as integers from 0 to 16; they are returned as float32
    images scaled to `[0, 1]`, channels last, ready for image layers with
    `value_range=(0, 1)`.

    Returns:
        Tuple `(x, y)`: `x` a float32 array of shape `(1797, 8, 8, 1)` with
        values in `[0, 1]`; `y` an int64 array of shape `(1797,)` with the
        digits `0` to `9`.

    Example:

    >>> x, y = keras_smalldata.datasets.load_digits()
    >>> x.shape, float(x.max())
    ((1797, 8, 8, 1), 1.0)
    """
    x, y = load_sklearn_dataset("digits")
    x = x.reshape(-1, 8, 8, 1) / _MAX_PIXEL_VALUE
    return x, y
