"""`keras_smalldata.data.mixup`: exact label mixing, per-sample weights, seeds."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_smalldata.data import mixup

BATCH = 8
SHAPES = {
    "tabular": (BATCH, 5),
    "sequence": (BATCH, 6, 2),
    "image": (BATCH, 4, 4, 3),  # goes through keras.layers.MixUp
}


def _dataset(shape, batch_size=BATCH, num_batches=1, dtype="float32"):
    """Random inputs, sample i of each batch labelled with class i."""
    rng = np.random.default_rng(0)
    n = batch_size * num_batches
    x = rng.uniform(0, 255, (n,) + shape[1:]).astype(dtype)
    y = np.tile(np.eye(batch_size, dtype="float32"), (num_batches, 1))
    return x, tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size)


def _first_batch(dataset):
    x, y = next(iter(dataset))
    return np.asarray(x), np.asarray(y)


@pytest.mark.parametrize("kind", sorted(SHAPES))
def test_labels_are_the_convex_combination_of_the_inputs(kind):
    x, dataset = _dataset(SHAPES[kind])
    x_mixed, y_mixed = _first_batch(mixup(dataset, alpha=1.0, seed=0))

    # y = eye(batch), so row i of y_mixed holds the weights of the samples
    # blended into sample i; with random inputs, x_mixed = y_mixed @ x holds only
    # if the inputs were mixed with exactly those weights and partners.
    expected = (y_mixed @ x.reshape(BATCH, -1)).reshape(x.shape)
    np.testing.assert_allclose(x_mixed, expected, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(y_mixed.sum(axis=1), 1.0, atol=1e-6)
    assert ((y_mixed > 0).sum(axis=1) <= 2).all()
    assert x_mixed.dtype == np.float32 and y_mixed.dtype == np.float32


@pytest.mark.parametrize("kind", sorted(SHAPES))
def test_weights_are_drawn_per_sample(kind):
    _, dataset = _dataset(SHAPES[kind])
    _, y_mixed = _first_batch(mixup(dataset, alpha=1.0, seed=1))
    own = np.diag(y_mixed)
    mixed = own[own < 1.0]
    assert len(np.unique(np.round(mixed, 6))) >= 3


def test_small_alpha_mixes_little():
    _, dataset = _dataset(SHAPES["tabular"], batch_size=64)
    _, y_mixed = _first_batch(mixup(dataset, alpha=0.05, seed=0))
    dominant = y_mixed.max(axis=1)
    assert np.median(dominant) > 0.95


def test_same_seed_same_batches_and_new_mixes_each_epoch():
    _, dataset = _dataset(SHAPES["sequence"], num_batches=2)
    first = [tuple(map(np.asarray, b)) for b in mixup(dataset, seed=3)]
    again = [tuple(map(np.asarray, b)) for b in mixup(dataset, seed=3)]
    other = [tuple(map(np.asarray, b)) for b in mixup(dataset, seed=4)]
    for (x1, y1), (x2, y2) in zip(first, again, strict=True):
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(first[0][1], other[0][1])

    mixed = mixup(dataset, seed=3)
    epoch_1 = np.asarray(next(iter(mixed))[1])
    epoch_2 = np.asarray(next(iter(mixed))[1])
    np.testing.assert_array_equal(epoch_1, first[0][1])
    assert not np.array_equal(epoch_1, epoch_2)


def test_partial_last_batch_and_uint8_images():
    x = np.arange(5 * 2 * 2 * 1, dtype="uint8").reshape(5, 2, 2, 1)
    y = np.eye(5, dtype="float32")
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(3)
    batches = [tuple(map(np.asarray, b)) for b in mixup(dataset, seed=0)]
    assert [b[0].shape[0] for b in batches] == [3, 2]
    assert batches[0][0].dtype == np.float32


def test_trains_a_model():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = keras.utils.to_categorical((x[:, 0] > 0).astype("int32"), 2)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile("adam", keras.losses.CategoricalCrossentropy(from_logits=True))
    history = model.fit(mixup(dataset, seed=0), epochs=2, shuffle=False, verbose=0)
    assert len(history.history["loss"]) == 2
    assert np.isfinite(history.history["loss"]).all()


def test_integer_labels_name_to_categorical():
    x = np.zeros((8, 3), "float32")
    for y in (np.arange(8), np.eye(8, dtype="int32")):
        dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
        with pytest.raises(ValueError, match="keras.utils.to_categorical"):
            mixup(dataset)


def test_unbatched_dataset_is_rejected():
    x = np.zeros((8, 4, 4, 3), "float32")
    y = np.eye(8, dtype="float32")
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    with pytest.raises(ValueError, match=r"dataset\.batch\(batch_size\)"):
        mixup(dataset)


@pytest.mark.parametrize("alpha", [0, -1.0, True, "0.2", float("inf")])
def test_invalid_alpha(alpha):
    _, dataset = _dataset(SHAPES["tabular"])
    with pytest.raises(ValueError, match="Received: alpha="):
        mixup(dataset, alpha=alpha)


def test_not_a_dataset():
    with pytest.raises(TypeError, match="Received: dataset="):
        mixup((np.zeros((4, 2)), np.eye(4)))


def test_elements_must_be_pairs():
    dataset = tf.data.Dataset.from_tensor_slices(np.zeros((8, 3), "float32")).batch(4)
    with pytest.raises(ValueError, match="Received: dataset.element_spec="):
        mixup(dataset)
