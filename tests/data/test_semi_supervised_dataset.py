"""`semi_supervised_dataset`: separate sets, batch sizes, epochs and seeds."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from keras_smalldata.data import semi_supervised_dataset  # noqa: E402

# Each sample carries its id: labelled ids 0-9 (label id % 3), unlabeled ids
# 100-124 (label id % 3 too, for `y_unlabeled`).
X = np.repeat(np.arange(10, dtype="float32")[:, None], 2, axis=1)
Y = np.arange(10) % 3
X_UNLABELED = np.repeat(np.arange(100, 125, dtype="float32")[:, None], 2, axis=1)
Y_UNLABELED = np.arange(100, 125) % 3


def _epochs(dataset, count=1):
    """`count` epochs of numpy `(labelled ids, labels, unlabeled ids, ...)`."""
    epochs = []
    for _ in range(count):
        steps = []
        for inputs, targets in dataset:
            step = {
                "labeled": inputs["labeled"].numpy()[:, 0],
                "unlabeled": inputs["unlabeled"].numpy()[:, 0],
                "y": targets["labeled"].numpy(),
            }
            if "unlabeled" in targets:
                step["y_unlabeled"] = targets["unlabeled"].numpy()
            steps.append(step)
        epochs.append(steps)
    return epochs


def test_batches_keep_the_sets_apart_with_their_sizes_and_labels():
    data = semi_supervised_dataset(
        X, Y, X_UNLABELED, batch_size=4, ratio=3, y_unlabeled=Y_UNLABELED, seed=0
    )
    (steps,) = _epochs(data)
    for step in steps:
        assert step["labeled"].shape == (4,) and step["unlabeled"].shape == (12,)
        assert np.all(step["labeled"] < 10) and np.all(step["unlabeled"] >= 100)
        np.testing.assert_array_equal(step["y"], step["labeled"].astype(int) % 3)
        np.testing.assert_array_equal(
            step["y_unlabeled"], step["unlabeled"].astype(int) % 3
        )


def test_an_epoch_is_one_pass_over_the_labelled_set():
    data = semi_supervised_dataset(X, Y, X_UNLABELED, batch_size=4, seed=0)
    assert len(data) == 3  # ceil(10 / 4)
    for steps in _epochs(data, count=2):
        assert len(steps) == 3
        seen = np.concatenate([step["labeled"] for step in steps])
        assert set(seen.astype(int)) == set(range(10))
        assert "y_unlabeled" not in steps[0]


def test_unlabeled_set_is_cycled_and_every_epoch_reshuffled():
    # 30 unlabeled samples per epoch from a set of 25: every one at least once.
    data = semi_supervised_dataset(
        X, Y, X_UNLABELED, batch_size=2, ratio=3, steps_per_epoch=5, seed=0
    )
    assert len(data) == 5
    first, second = _epochs(data, count=2)
    for steps in (first, second):
        unlabeled = np.concatenate([step["unlabeled"] for step in steps])
        assert set(unlabeled.astype(int)) == set(range(100, 125))
    order = [np.concatenate([s["labeled"] for s in steps]) for steps in (first, second)]
    assert not np.array_equal(*order)


def test_same_seed_same_batches_whatever_the_global_seed():
    import tensorflow as tf

    def run(seed, global_seed):
        # `tf.data`'s own shuffle would also depend on TensorFlow's global
        # seed, which other code (another thread) may reset.
        tf.random.set_seed(global_seed)
        data = semi_supervised_dataset(X, Y, X_UNLABELED, batch_size=4, seed=seed)
        return [
            np.concatenate([step[key] for step in steps])
            for steps in _epochs(data, count=2)
            for key in ("labeled", "unlabeled")
        ]

    for a, b in zip(run(3, 0), run(3, 1), strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(
        not np.array_equal(a, b) for a, b in zip(run(3, 0), run(4, 0), strict=True)
    )


def test_one_hot_labels_and_input_dtypes():
    one_hot = np.eye(3, dtype="float32")[Y]
    pixels = X.astype("uint8")
    data = semi_supervised_dataset(pixels, one_hot, X_UNLABELED.astype("uint8"))
    inputs, targets = next(iter(data))
    assert {inputs[key].dtype.name for key in inputs} == {"uint8"}
    assert targets["labeled"].shape == (32, 3)
    # Sets of different dtypes both become float32.
    inputs, _ = next(iter(semi_supervised_dataset(pixels, Y, X_UNLABELED)))
    assert {inputs[key].dtype.name for key in inputs} == {"float32"}
