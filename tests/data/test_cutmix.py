"""`keras_smalldata.data.cutmix`: what is pasted, and labels that match it."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_smalldata.data import cutmix

BATCH = 16
SHAPES = {
    "tabular": (BATCH, 10),
    "sequence": (BATCH, 12, 3),
    "image": (BATCH, 6, 7, 2),
}


def _dataset(shape, batch_size=BATCH, num_batches=1, dtype="float32"):
    """Distinct random inputs, sample i of each batch labelled with class i."""
    rng = np.random.default_rng(0)
    n = batch_size * num_batches
    x = rng.permutation(np.prod((n,) + shape[1:])).reshape((n,) + shape[1:])
    y = np.tile(np.eye(batch_size, dtype="float32"), (num_batches, 1))
    return x.astype(dtype), tf.data.Dataset.from_tensor_slices((x.astype(dtype), y))


def _mixed(shape, dtype="float32", seed=0, alpha=1.0):
    x, dataset = _dataset(shape, dtype=dtype)
    x_mixed, y_mixed = next(iter(cutmix(dataset.batch(BATCH), alpha=alpha, seed=seed)))
    return x, np.asarray(x_mixed), np.asarray(y_mixed)


def _pasted_masks(x, x_mixed, y_mixed):
    """Per sample: the mask of entries taken from its partner, checked exactly.

    All values of `x` are distinct, so every mixed entry identifies where it
    came from: the same position of the sample itself or of its partner.
    """
    masks = []
    for i in range(BATCH):
        others = [j for j in np.flatnonzero(y_mixed[i] > 0) if j != i]
        assert len(others) <= 1
        if not others:
            np.testing.assert_array_equal(x_mixed[i], x[i])
            masks.append(np.zeros(x[i].shape, bool))
            continue
        j = others[0]
        pasted = x_mixed[i] == x[j]
        np.testing.assert_array_equal(pasted, x_mixed[i] != x[i])
        # The label weight is exactly the fraction of entries kept.
        np.testing.assert_allclose(y_mixed[i, i], 1.0 - pasted.mean(), atol=1e-6)
        np.testing.assert_allclose(y_mixed[i].sum(), 1.0, atol=1e-6)
        masks.append(pasted)
    return masks


def test_tabular_swaps_a_subset_of_columns():
    x, x_mixed, y_mixed = _mixed(SHAPES["tabular"])
    masks = _pasted_masks(x, x_mixed, y_mixed)
    counts = [m.sum() for m in masks]
    assert len(set(counts)) >= 3  # Per-sample sizes.
    # Not always a prefix or one window: some subset has a gap.
    assert any(np.diff(np.flatnonzero(m)).max(initial=1) > 1 for m in masks)


def test_sequences_swap_one_window_of_steps():
    x, x_mixed, y_mixed = _mixed(SHAPES["sequence"])
    masks = _pasted_masks(x, x_mixed, y_mixed)
    for mask in masks:
        steps = mask.any(axis=-1)
        np.testing.assert_array_equal(mask, np.repeat(steps[:, None], 3, axis=1))
        pasted = np.flatnonzero(steps)
        if len(pasted):
            assert pasted[-1] - pasted[0] + 1 == len(pasted)
    assert len({m.sum() for m in masks}) >= 3


def test_images_swap_one_box():
    x, x_mixed, y_mixed = _mixed(SHAPES["image"])
    masks = _pasted_masks(x, x_mixed, y_mixed)
    for mask in masks:
        pixels = mask.any(axis=-1)
        np.testing.assert_array_equal(mask, np.stack([pixels] * 2, axis=-1))
        rows, cols = np.flatnonzero(pixels.any(1)), np.flatnonzero(pixels.any(0))
        if len(rows):
            box = np.zeros_like(pixels)
            box[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1] = True
            np.testing.assert_array_equal(pixels, box)
    assert len({m.sum() for m in masks}) >= 3


def test_dtype_is_kept():
    x, x_mixed, y_mixed = _mixed((BATCH, 4, 4, 1), dtype="uint8")
    assert x_mixed.dtype == np.uint8 and y_mixed.dtype == np.float32


def test_same_seed_same_batches():
    _, first, y_first = _mixed(SHAPES["image"], seed=5)
    _, again, y_again = _mixed(SHAPES["image"], seed=5)
    _, other, _ = _mixed(SHAPES["image"], seed=6)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(y_first, y_again)
    assert not np.array_equal(first, other)


def test_partial_last_batch():
    _, dataset = _dataset(SHAPES["sequence"])
    sizes = [int(x.shape[0]) for x, _ in cutmix(dataset.batch(6), seed=0)]
    assert sizes == [6, 6, 4]


def test_trains_a_model():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 10, 2)).astype("float32")
    y = keras.utils.to_categorical((x[:, :, 0].mean(1) > 0).astype("int32"), 2)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
    model = keras.Sequential(
        [keras.Input((10, 2)), keras.layers.Flatten(), keras.layers.Dense(2)]
    )
    model.compile("adam", keras.losses.CategoricalCrossentropy(from_logits=True))
    history = model.fit(cutmix(dataset, seed=0), epochs=2, shuffle=False, verbose=0)
    assert len(history.history["loss"]) == 2
    assert np.isfinite(history.history["loss"]).all()


def test_integer_labels_name_to_categorical():
    x = np.zeros((8, 3), "float32")
    dataset = tf.data.Dataset.from_tensor_slices((x, np.arange(8))).batch(4)
    with pytest.raises(ValueError, match="keras.utils.to_categorical"):
        cutmix(dataset)


def test_unbatched_dataset_is_rejected():
    x = np.zeros((8, 5), "float32")
    dataset = tf.data.Dataset.from_tensor_slices((x, np.eye(8, dtype="float32")))
    with pytest.raises(ValueError, match=r"dataset\.batch\(batch_size\)"):
        cutmix(dataset)


def test_unsupported_rank():
    x = np.zeros((8, 2, 3, 3, 1), "float32")
    dataset = tf.data.Dataset.from_tensor_slices((x, np.eye(8, dtype="float32")))
    with pytest.raises(ValueError, match=r"Received: x.shape=\(None, 2, 3, 3, 1\)"):
        cutmix(dataset.batch(4))


@pytest.mark.parametrize("alpha", [0, -0.5, None])
def test_invalid_alpha(alpha):
    _, dataset = _dataset(SHAPES["tabular"])
    with pytest.raises(ValueError, match="Received: alpha="):
        cutmix(dataset.batch(4), alpha=alpha)
