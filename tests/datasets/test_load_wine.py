import numpy as np

from keras_smalldata.datasets import load_wine


def test_load_wine_shapes_dtypes_and_classes():
    x, y = load_wine()
    assert x.shape == (178, 13)
    assert x.dtype == np.float32
    assert y.shape == (178,)
    assert y.dtype == np.int64
    assert np.all(np.isfinite(x))
    np.testing.assert_array_equal(np.bincount(y), [59, 71, 48])
