"""`keras_smalldata.data.AugmentedSequence`: batches, shuffling, augmentation,
mixing, seeds, `model.fit` with workers, and argument checks."""

import keras
import numpy as np
import pytest

import keras_smalldata.layers
from keras_smalldata.data import AugmentedSequence

N = 10


def _data(shape=(N, 3), num_classes=N):
    rng = np.random.default_rng(0)
    x = rng.permutation(np.prod(shape)).reshape(shape).astype("float32")
    y = np.eye(num_classes, dtype="float32")[np.arange(shape[0]) % num_classes]
    return x, y


def _epoch(sequence):
    return [sequence[i] for i in range(len(sequence))]


def test_batches_in_order_without_shuffle():
    x, y = _data()
    sequence = AugmentedSequence(x, y, batch_size=4, shuffle=False)
    assert len(sequence) == 3
    batches = _epoch(sequence)
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), x)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    with pytest.raises(IndexError, match="Received: index=3"):
        sequence[3]


def test_shuffles_every_epoch_reproducibly():
    x, y = _data()

    def orders(seed):
        sequence = AugmentedSequence(x, y, batch_size=4, seed=seed)
        result = []
        for _ in range(2):
            xs = np.concatenate([b[0] for b in _epoch(sequence)])
            result.append(np.argsort(np.argsort(xs[:, 0]))[np.argsort(x[:, 0])])
            sequence.on_epoch_end()
        return result

    first, second = orders(seed=0)
    assert sorted(first) == list(range(N))  # Every sample once per epoch.
    assert not np.array_equal(first, np.arange(N))
    assert not np.array_equal(first, second)
    again = orders(seed=0)
    np.testing.assert_array_equal(first, again[0])
    np.testing.assert_array_equal(second, again[1])
    assert not np.array_equal(first, orders(seed=1)[0])


def test_augmentation_runs_in_training_mode_in_order():
    x, y = _data()
    layers = [keras.layers.Rescaling(2.0), keras.layers.Rescaling(1.0, offset=1.0)]
    sequence = AugmentedSequence(x, y, batch_size=N, augmentation=layers, shuffle=False)
    np.testing.assert_allclose(sequence[0][0], 2 * x + 1)

    noise = keras_smalldata.layers.RandomGaussianNoise(0.1, value_range=(0, 50))
    images, labels = _data((N, 4, 4, 1))
    noisy, _ = AugmentedSequence(
        images, labels, batch_size=N, augmentation=noise, shuffle=False
    )[0]
    assert not np.allclose(noisy, images)  # The layer is inert unless training.


@pytest.mark.parametrize("mix", ["mixup", "cutmix"])
def test_mixing_matches_labels(mix):
    x, y = _data((N, 4, 3))
    x_mixed, y_mixed = AugmentedSequence(
        x, y, batch_size=N, mix=mix, alpha=1.0, shuffle=False, seed=0
    )[0]
    np.testing.assert_allclose(y_mixed.sum(axis=1), 1.0, atol=1e-6)
    assert (y_mixed.max(axis=1) < 1).any()
    if mix == "mixup":
        expected = (y_mixed @ x.reshape(N, -1)).reshape(x.shape)
        np.testing.assert_allclose(x_mixed, expected, rtol=1e-5, atol=1e-4)
    else:
        kept = (x_mixed == x).mean(axis=(1, 2))
        np.testing.assert_allclose(np.diag(y_mixed), kept, atol=1e-6)


def test_mixing_depends_only_on_seed_epoch_and_index():
    x, y = _data((N, 6))
    a = AugmentedSequence(x, y, batch_size=4, mix="mixup", seed=7)
    b = AugmentedSequence(x, y, batch_size=4, mix="mixup", seed=7)
    forward = _epoch(a)
    backward = [b[i] for i in reversed(range(len(b)))][::-1]  # Any order, any worker.
    for (x1, y1), (x2, y2) in zip(forward, backward, strict=True):
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)
    a.on_epoch_end()
    assert not np.array_equal(a[0][1], forward[0][1])


def test_fit_with_workers():
    x, y = _data((24, 5), num_classes=3)
    sequence = AugmentedSequence(
        x / 24,
        y,
        batch_size=8,
        augmentation=keras.layers.GaussianNoise(0.1, seed=0),
        mix="cutmix",
        seed=0,
        workers=2,
    )
    assert sequence.workers == 2
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)])
    model.compile("adam", keras.losses.CategoricalCrossentropy(from_logits=True))
    history = model.fit(sequence, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert np.isfinite(history.history["loss"]).all()


def test_integer_labels_with_mix_name_to_categorical():
    x, _ = _data()
    with pytest.raises(ValueError, match="keras.utils.to_categorical"):
        AugmentedSequence(x, np.arange(N), mix="mixup")
    # Without mixing, any targets work.
    assert AugmentedSequence(x, np.arange(N), batch_size=N, shuffle=False)[0][1][3] == 3


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"x": np.zeros((0, 3)), "y": np.zeros((0, 2))}, r"Received: x.shape=\(0, 3\)"),
        (
            {"y": np.zeros((N - 1, N))},
            r"Received: x.shape=\(10, 3\), y.shape=\(9, 10\)",
        ),
        ({"batch_size": 0}, "Received: batch_size=0"),
        ({"batch_size": 2.5}, "Received: batch_size=2.5"),
        ({"mix": "cutout"}, "Received: mix='cutout'"),
        ({"mix": "mixup", "alpha": 0}, "Received: alpha=0"),
        ({"alpha": 0.4}, "Received: alpha=0.4, mix=None"),
        ({"augmentation": "flip"}, "Received: augmentation='flip'"),
        ({"seed": -1}, "Received: seed=-1"),
        ({"shuffle": "yes"}, "Received: shuffle='yes'"),
        ({"x": np.zeros((N, 2, 2, 2, 2)), "mix": "cutmix"}, "Received: x.shape="),
    ],
)
def test_invalid_arguments(kwargs, match):
    x, y = _data()
    arguments = {"x": x, "y": y, **kwargs}
    with pytest.raises(ValueError, match=match):
        AugmentedSequence(**arguments)
