import numpy as np

from keras_smalldata.datasets import load_breast_cancer


def test_load_breast_cancer_shapes_dtypes_and_classes():
    x, y = load_breast_cancer()
    assert x.shape == (569, 30)
    assert x.dtype == np.float32
    assert y.shape == (569,)
    assert y.dtype == np.int64
    assert np.all(np.isfinite(x))
    np.testing.assert_array_equal(np.bincount(y), [212, 357])
