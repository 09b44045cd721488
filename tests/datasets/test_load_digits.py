import numpy as np

from keras_smalldata.datasets import load_digits


def test_load_digits_shapes_dtypes_and_range():
    x, y = load_digits()
    assert x.shape == (1797, 8, 8, 1)
    assert x.dtype == np.float32
    assert y.shape == (1797,)
    assert y.dtype == np.int64
    assert x.min() == 0.0
    assert x.max() == 1.0
    np.testing.assert_array_equal(np.unique(y), np.arange(10))


def test_load_digits_matches_sklearn_pixels_scaled():
    from sklearn.datasets import load_digits as sklearn_load_digits

    bunch = sklearn_load_digits()
    x, y = load_digits()
    np.testing.assert_allclose(x[..., 0], bunch.images / 16.0, rtol=1e-6)
    np.testing.assert_array_equal(y, bunch.target)
