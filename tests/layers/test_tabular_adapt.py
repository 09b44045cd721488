"""adapt: FeatureNoise and FeatureDropout learn column statistics the same way."""

import re

import numpy as np
import pytest
import tensorflow as tf

from keras_smalldata import layers

FEATURES = 6
REFERENCE = (
    np.random.default_rng(123)
    .normal([0, 5, -3, 10, 1, 2], [1, 2, 0.5, 3, 1, 4], (64, FEATURES))
    .astype("float32")
)


@pytest.fixture
def rows(rng):
    return rng.normal(0, 1, (8, FEATURES)).astype("float32")


ADAPTABLE = [
    pytest.param(layers.FeatureNoise, "feature_std", np.std, id="FeatureNoise"),
    pytest.param(layers.FeatureDropout, "feature_mean", np.mean, id="FeatureDropout"),
]


@pytest.mark.parametrize("make, statistic, reduce", ADAPTABLE)
def test_adapt_learns_the_column_statistic(make, statistic, reduce):
    layer = make()
    layer.adapt(REFERENCE)
    expected = reduce(REFERENCE.astype("float64"), axis=0)
    np.testing.assert_allclose(getattr(layer, statistic), expected, rtol=1e-12)
    assert isinstance(getattr(layer, statistic), list)


@pytest.mark.parametrize("make, statistic, reduce", ADAPTABLE)
def test_adapt_from_dataset_equals_adapt_from_array(make, statistic, reduce):
    from_array = make()
    from_array.adapt(REFERENCE)
    labels = np.arange(len(REFERENCE))
    pairs = tf.data.Dataset.from_tensor_slices((REFERENCE, labels)).batch(10)
    from_pairs = make()
    from_pairs.adapt(pairs)
    features = tf.data.Dataset.from_tensor_slices(REFERENCE).batch(7)
    from_features = make()
    from_features.adapt(features)
    expected = getattr(from_array, statistic)
    np.testing.assert_allclose(getattr(from_pairs, statistic), expected, rtol=1e-12)
    np.testing.assert_allclose(getattr(from_features, statistic), expected, rtol=1e-12)


@pytest.mark.parametrize("make, statistic, reduce", ADAPTABLE)
def test_adapt_accepts_tensors_and_integers(make, statistic, reduce):
    ints = np.array([[1, 10], [3, 10], [5, 10]], "int64")
    layer = make()
    layer.adapt(tf.constant(ints))
    np.testing.assert_allclose(
        getattr(layer, statistic), reduce(ints.astype("float64"), axis=0)
    )


@pytest.mark.parametrize("make, statistic, reduce", ADAPTABLE)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_adapt_rejects_non_finite_data(make, statistic, reduce, bad):
    data = REFERENCE.copy()
    data[3, 4] = bad
    with pytest.raises(ValueError, match=re.escape(f"Received: data[3, 4]={bad}")):
        make().adapt(data)


@pytest.mark.parametrize("make, statistic, reduce", ADAPTABLE)
def test_adapt_rejects_empty_data(make, statistic, reduce):
    with pytest.raises(ValueError, match=re.escape("Received: data.shape=(0, 3)")):
        make().adapt(np.zeros((0, 3), "float32"))
    empty = tf.data.Dataset.from_tensor_slices(REFERENCE).take(0).batch(4)
    with pytest.raises(ValueError, match=re.escape("Received: data.shape=(0, 0)")):
        make().adapt(empty)


@pytest.mark.parametrize("make, statistic, reduce", ADAPTABLE)
@pytest.mark.parametrize("shape", [(5,), (2, 3, 4)])
def test_adapt_rejects_wrong_rank(make, statistic, reduce, shape):
    with pytest.raises(ValueError, match=re.escape(f"Received: data.shape={shape}")):
        make().adapt(np.ones(shape, "float32"))


@pytest.mark.parametrize("make, statistic, reduce", ADAPTABLE)
@pytest.mark.parametrize("data", [[["a", "b"], ["c", "d"]], np.array([["x"]])])
def test_adapt_rejects_strings(make, statistic, reduce, data):
    layer = make()
    with pytest.raises(TypeError, match="Received: data.dtype="):
        layer.adapt(data)
    assert getattr(layer, statistic) is None


@pytest.mark.parametrize("make, statistic, reduce", ADAPTABLE)
def test_adapted_to_other_number_of_features_raises(make, statistic, reduce, rows):
    layer = make(fill="mean") if statistic == "feature_mean" else make()
    layer.adapt(REFERENCE[:, :4])
    match = re.escape(f"Received: inputs with {FEATURES} features")
    with pytest.raises(ValueError, match=match):
        layer(rows, training=True)
    with pytest.raises(ValueError, match=match):
        layer(rows)


@pytest.mark.parametrize("make, statistic, reduce", ADAPTABLE)
def test_statistic_given_directly_equals_adapted(make, statistic, reduce, rows):
    kwargs = {"fill": "mean"} if statistic == "feature_mean" else {}
    adapted = make(seed=2, **kwargs)
    adapted.adapt(REFERENCE)
    given = make(seed=2, **{statistic: getattr(adapted, statistic)}, **kwargs)
    np.testing.assert_array_equal(
        given(rows, training=True), adapted(rows, training=True)
    )


@pytest.mark.parametrize("make", [layers.FeatureNoise, layers.FeatureDropout])
@pytest.mark.parametrize("columns", [[FEATURES], [True, False]])
def test_adapt_checks_columns_against_the_data(make, columns):
    layer = make(columns=columns)
    with pytest.raises(ValueError, match=re.escape(f"Received: columns={columns}")):
        layer.adapt(REFERENCE)
