"""`SyntheticDataGenerator`: batch make-up, seeding, label formats, filtering."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from keras_smalldata.data import SyntheticDataGenerator  # noqa: E402
from keras_smalldata.datasets import load_digits  # noqa: E402
from keras_smalldata.models import VAE  # noqa: E402

NUM_CLASSES = 10


def _tiny_vae(num_classes=NUM_CLASSES):
    return VAE.for_images(
        (8, 8, 1),
        latent_dim=2,
        num_classes=num_classes,
        filters=(4,),
        hidden_units=8,
        seed=0,
    )


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits()
    return x[:40], y[:40]


@pytest.fixture(scope="module")
def cvae():
    # Untrained weights are enough: the generator's job is batching and labels.
    keras.utils.set_random_seed(0)
    return _tiny_vae()


def _classifier():
    model = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]
    )
    model.compile(
        keras.optimizers.SGD(0.1),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        run_eagerly=True,  # Tracing would dominate these tiny fits.
    )
    return model


def _epoch(data):
    batches = [data[i] for i in range(len(data))]
    data.on_epoch_end()
    return batches


def test_batches_mix_real_and_class_balanced_synthetic(cvae, digits):
    x, y = digits
    data = SyntheticDataGenerator(
        cvae, x, y, batch_size=10, synthetic_fraction=0.3, seed=0
    )
    assert len(data) == 6  # 40 real samples, 7 per batch.
    batches = _epoch(data)
    assert [len(b[0]) for b in batches] == [10] * 5 + [7]  # 5 real + 2 new.
    real_x = np.concatenate([b[0][:7] for b in batches[:5]] + [batches[5][0][:5]])
    real_y = np.concatenate([b[1][:7] for b in batches[:5]] + [batches[5][1][:5]])
    # Each real sample exactly once per epoch, with its own label.
    assert sorted(map(bytes, real_x)) == sorted(map(bytes, x))
    label_of = dict(zip(map(bytes, x), y, strict=True))
    assert [label_of[bytes(image)] for image in real_x] == real_y.tolist()
    synthetic_labels = np.concatenate([b[1][7:] for b in batches[:5]])
    np.testing.assert_array_equal(synthetic_labels, np.arange(15) % NUM_CLASSES)
    assert batches[0][0].dtype == x.dtype and batches[0][1].dtype == y.dtype


def test_same_seed_same_batches_in_any_order(cvae, digits):
    x, y = digits
    make = lambda seed: SyntheticDataGenerator(cvae, x, y, batch_size=8, seed=seed)  # noqa: E731
    first, second = make(5), make(5)
    forward = [first[i] for i in range(len(first))]
    backward = [second[i] for i in reversed(range(len(second)))][::-1]
    for a, b in zip(forward, backward, strict=True):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
    other = make(6)[0]
    assert not np.array_equal(other[0], forward[0][0])
    # A new epoch reshuffles and draws new samples.
    first.on_epoch_end()
    assert not np.array_equal(first[0][0], forward[0][0])


def test_no_synthetic_data_reproduces_plain_fit(cvae, digits):
    x, y = digits
    data = SyntheticDataGenerator(
        cvae, x, y, batch_size=8, synthetic_fraction=0.0, shuffle=False
    )
    batches = _epoch(data)
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), x)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)

    keras.utils.set_random_seed(0)
    plain = _classifier()
    on_data = _classifier()
    on_data.set_weights(plain.get_weights())
    plain.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    # Keras visits a PyDataset's batches in random order unless told not to.
    on_data.fit(data, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(plain.get_weights(), on_data.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_all_synthetic(cvae, digits):
    x, y = digits
    data = SyntheticDataGenerator(
        cvae, x, y, batch_size=16, synthetic_fraction=1.0, seed=0
    )
    batches = _epoch(data)
    assert [len(b[0]) for b in batches] == [16, 16, 8]
    labels = np.concatenate([b[1] for b in batches])
    np.testing.assert_array_equal(np.bincount(labels), [4] * NUM_CLASSES)


@pytest.mark.parametrize(
    "labels",
    [
        lambda y: y.astype("int32"),
        lambda y: y.reshape(-1, 1),
        lambda y: keras.utils.to_categorical(y, NUM_CLASSES).astype("float32"),
    ],
    ids=["int32", "column", "one-hot"],
)
def test_labels_keep_the_users_format(cvae, digits, labels):
    x, y = digits
    y = labels(y)
    data = SyntheticDataGenerator(cvae, x, y, batch_size=8, seed=0)
    _, batch_y = data[0]
    assert batch_y.dtype == y.dtype and batch_y.shape[1:] == y.shape[1:]
    assert len(batch_y) == 8
    synthetic = batch_y[4:]
    if y.ndim == 2 and y.shape[1] == NUM_CLASSES:
        synthetic = synthetic.argmax(axis=1)
    np.testing.assert_array_equal(np.ravel(synthetic), [0, 1, 2, 3])


def test_inputs_only_without_labels(cvae, digits):
    x, _ = digits
    data = SyntheticDataGenerator(cvae, x, batch_size=8, seed=0)
    batch = data[0]
    assert isinstance(batch, np.ndarray) and batch.shape == (8, 8, 8, 1)


def test_fit_on_the_generator_is_reproducible(cvae, digits):
    x, y = digits
    weights = []
    for _ in range(2):
        keras.utils.set_random_seed(0)  # Initial weights, Keras' batch order.
        model = _classifier()
        data = SyntheticDataGenerator(cvae, x, y, batch_size=16, seed=1)
        history = model.fit(data, epochs=2, verbose=0)
        assert np.all(np.isfinite(history.history["loss"]))
        weights.append(model.get_weights())
    for a, b in zip(*weights, strict=True):
        np.testing.assert_array_equal(a, b)


class _ConfidentIn:
    """A fake classifier: certain of `label` for bright samples, else unsure."""

    def __init__(self, threshold):
        self.threshold = threshold
        self.calls = 0

    def __call__(self, x, training=False):
        self.calls += 1
        bright = np.asarray(x).mean(axis=(1, 2, 3)) > self.threshold
        probabilities = np.full((len(x), NUM_CLASSES), 0.05, dtype="float32")
        probabilities[bright] = 0.0
        probabilities[bright, 0] = 1.0  # Confidently class 0.
        return probabilities / probabilities.sum(axis=1, keepdims=True)


def test_filter_replaces_unconfident_samples(digits):
    x, y = digits
    vae = _tiny_vae(num_classes=None)
    threshold = float(np.median(vae.sample(400, seed=0).mean(axis=(1, 2, 3))))
    judge = _ConfidentIn(threshold)
    data = SyntheticDataGenerator(
        vae, x, y, batch_size=20, filter_model=judge, min_confidence=0.9, seed=0
    )
    batch_x, batch_y = data[0]
    synthetic = batch_x[10:]
    assert np.all(synthetic.mean(axis=(1, 2, 3)) > threshold)
    np.testing.assert_array_equal(batch_y[10:], 0)  # Labelled by the filter.
    assert judge.calls > 1  # Some first draws were rejected.


def test_filter_gives_up_with_a_warning(cvae, digits):
    x, y = digits
    judge = _ConfidentIn(threshold=np.inf)  # Never confident.
    data = SyntheticDataGenerator(
        cvae, x, y, batch_size=8, filter_model=judge, min_confidence=0.5, seed=0
    )
    with pytest.warns(UserWarning, match="stayed below min_confidence=0.5"):
        batch_x, batch_y = data[0]
    assert len(batch_x) == 8
    np.testing.assert_array_equal(batch_y[4:], [0, 1, 2, 3])  # Intended labels.
    assert judge.calls == 10


def test_filter_with_a_keras_model_labels_the_samples(digits):
    # An unconditional VAE's samples take the class a Keras model gives them.
    x, y = digits
    judge = keras.Sequential([_classifier(), keras.layers.Softmax()])
    data = SyntheticDataGenerator(
        _tiny_vae(num_classes=None), x, y, batch_size=8, filter_model=judge, seed=0
    )
    batch_x, batch_y = data[0]
    assert batch_x.shape == (8, 8, 8, 1)
    probabilities = np.asarray(judge(batch_x[4:], training=False))
    # The only source of labels for an unconditional VAE's samples.
    np.testing.assert_array_equal(batch_y[4:], np.argmax(probabilities, axis=1))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"vae": "not a vae"}, "must be a `keras_smalldata.models.VAE`"),
        ({"x": np.zeros((4, 8, 8))}, r"Received: x.shape=\(4, 8, 8\)"),
        ({"y": np.zeros(3, int)}, r"Received: x.shape=\(40, 8, 8, 1\), y.shape"),
        ({"y": np.full(40, 10)}, r"in \[0, 10\)"),
        ({"y": np.zeros((40, 3))}, r"Received: y.shape=\(40, 3\)"),
        ({"batch_size": 0}, "Received: batch_size=0"),
        ({"batch_size": 1}, "Received: batch_size=1, synthetic_fraction=0.5"),
        ({"synthetic_fraction": 1.5}, "Received: synthetic_fraction=1.5"),
        ({"min_confidence": 0.5}, "Received: min_confidence=0.5, filter_model"),
        ({"filter_model": 3}, "Received: filter_model=3"),
        ({"seed": -1}, "Received: seed=-1"),
        ({"shuffle": "yes"}, "Received: shuffle='yes'"),
    ],
)
def test_invalid_arguments(cvae, digits, kwargs, match):
    x, y = digits
    arguments = {"vae": cvae, "x": x, "y": y, **kwargs}
    with pytest.raises(ValueError, match=match):
        SyntheticDataGenerator(**arguments)


def test_unconditional_vae_needs_a_filter_to_label(digits):
    x, y = digits
    with pytest.raises(ValueError, match="filter_model=None"):
        SyntheticDataGenerator(_tiny_vae(num_classes=None), x, y)


def test_filter_output_is_checked(cvae, digits):
    x, y = digits

    def judge(images, training=False):
        return np.ones((len(images), 3), dtype="float32") / 3

    data = SyntheticDataGenerator(cvae, x, y, batch_size=8, filter_model=judge)
    with pytest.raises(ValueError, match="the VAE's 10 classes"):
        data[0]


def test_index_out_of_range(cvae, digits):
    x, y = digits
    data = SyntheticDataGenerator(cvae, x, y, batch_size=8)
    with pytest.raises(IndexError, match="Received: index=10"):
        data[10]
