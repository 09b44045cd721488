import numpy as np
import pytest

from keras_smalldata.datasets import few_shot_split

# Class sizes 5, 7 and 4; class 2 is the smallest.
LABELS = np.array([0] * 5 + [1] * 7 + [2] * 4)


def _data():
    # Each sample's input is its own index, so the split can be checked by index.
    index = np.arange(len(LABELS))
    x = np.stack([index, index * 10], axis=1)
    return x, LABELS.copy()


def test_train_has_exactly_per_class_of_each_class():
    x, y = _data()
    (x_train, y_train), (x_test, y_test) = few_shot_split(x, y, per_class=3, seed=0)
    np.testing.assert_array_equal(np.bincount(y_train), [3, 3, 3])
    np.testing.assert_array_equal(np.bincount(y_test), [2, 4, 1])
    assert x_train.shape == (9, 2)
    assert x_test.shape == (7, 2)
    assert y_train.dtype == y.dtype


def test_train_and_test_are_disjoint_and_cover_everything():
    x, y = _data()
    (x_train, y_train), (x_test, y_test) = few_shot_split(x, y, per_class=2, seed=1)
    train_index, test_index = x_train[:, 0], x_test[:, 0]
    assert set(train_index).isdisjoint(test_index)
    assert sorted(np.concatenate([train_index, test_index])) == list(range(len(y)))
    # Inputs and labels stay paired.
    np.testing.assert_array_equal(y_train, LABELS[train_index])
    np.testing.assert_array_equal(y_test, LABELS[test_index])
    np.testing.assert_array_equal(x_train[:, 1], train_index * 10)


def test_test_set_keeps_original_order():
    x, y = _data()
    _, (x_test, _) = few_shot_split(x, y, per_class=2, seed=3)
    assert np.all(np.diff(x_test[:, 0]) > 0)


def test_same_seed_same_split():
    x, y = _data()
    first = few_shot_split(x, y, per_class=2, seed=42)
    second = few_shot_split(x, y, per_class=2, seed=42)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])


def test_different_seeds_differ():
    x, y = _data()
    train_sets = {
        tuple(few_shot_split(x, y, per_class=2, seed=seed)[0][0][:, 0])
        for seed in range(5)
    }
    assert len(train_sets) > 1


def test_per_class_equal_to_smallest_class_leaves_none_of_it_for_test():
    x, y = _data()
    (_, y_train), (_, y_test) = few_shot_split(x, y, per_class=4, seed=0)
    np.testing.assert_array_equal(np.bincount(y_train), [4, 4, 4])
    assert 2 not in y_test


def test_unlabeled_returns_test_inputs_without_labels():
    x, y = _data()
    (x_train, _), (x_test, y_test), x_unlabeled = few_shot_split(
        x, y, per_class=2, seed=0, unlabeled=True
    )
    np.testing.assert_array_equal(x_unlabeled, x_test)
    assert len(x_unlabeled) == len(y_test)
    assert set(x_unlabeled[:, 0]).isdisjoint(x_train[:, 0])
    # A copy: changing the pool does not change the test set.
    x_unlabeled[:] = -1
    assert np.all(x_test >= 0)


def test_image_inputs_and_integral_float_labels():
    x = np.zeros((16, 8, 8, 1), dtype=np.float32)
    y = LABELS.astype(np.float64)
    (x_train, y_train), (x_test, _) = few_shot_split(x, y, per_class=1, seed=0)
    assert x_train.shape == (3, 8, 8, 1)
    assert x_test.shape == (13, 8, 8, 1)
    np.testing.assert_array_equal(np.sort(y_train), [0.0, 1.0, 2.0])


def test_accepts_lists():
    (x_train, y_train), _ = few_shot_split(
        [[0], [1], [2], [3]], [0, 1, 0, 1], per_class=1, seed=0
    )
    assert isinstance(x_train, np.ndarray)
    np.testing.assert_array_equal(np.sort(y_train), [0, 1])


@pytest.mark.parametrize("per_class", [0, -1, 1.5, 2.0, "2", True, None])
def test_invalid_per_class(per_class):
    x, y = _data()
    with pytest.raises(ValueError, match="Received: per_class="):
        few_shot_split(x, y, per_class=per_class)


def test_per_class_larger_than_smallest_class_names_it():
    x, y = _data()
    with pytest.raises(
        ValueError, match=r"class 2 has only 4 samples. Received: per_class=5"
    ):
        few_shot_split(x, y, per_class=5)


def test_mismatched_lengths():
    x, y = _data()
    with pytest.raises(ValueError, match=r"Received: len\(x\)=15, len\(y\)=16"):
        few_shot_split(x[:-1], y, per_class=1)


def test_empty_x():
    with pytest.raises(ValueError, match=r"Received: x.shape=\(0, 2\)"):
        few_shot_split(np.zeros((0, 2)), np.zeros((0,), dtype=int), per_class=1)


def test_y_not_1d():
    x, y = _data()
    with pytest.raises(ValueError, match=r"Received: y.shape=\(16, 1\)"):
        few_shot_split(x, y[:, None], per_class=1)


def test_fractional_float_labels():
    x, y = _data()
    y = y.astype(np.float32)
    y[3] = 0.5
    with pytest.raises(ValueError, match=r"Received: y with dtype=float32, y\[3\]=0.5"):
        few_shot_split(x, y, per_class=1)


def test_nan_labels():
    x, y = _data()
    y = y.astype(np.float64)
    y[0] = np.nan
    with pytest.raises(ValueError, match=r"Received: y with dtype=float64, y\[0\]="):
        few_shot_split(x, y, per_class=1)


def test_string_labels():
    x, _ = _data()
    y = np.array(["cat", "dog"] * 8)
    with pytest.raises(TypeError, match="Received: y with dtype=<U3"):
        few_shot_split(x, y, per_class=1)
