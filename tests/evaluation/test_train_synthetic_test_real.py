"""`train_synthetic_test_real`: TSTR vs TRTR accuracy of a classifier."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from keras_smalldata.datasets import load_digits  # noqa: E402
from keras_smalldata.evaluation import train_synthetic_test_real  # noqa: E402
from keras_smalldata.models import VAE  # noqa: E402


def _vae(num_classes=10):
    return VAE.for_images(
        (8, 8, 1),
        latent_dim=2,
        num_classes=num_classes,
        filters=(4,),
        hidden_units=8,
        seed=0,
    )


class _Builder:
    """Builds a tiny compiled classifier and remembers what it was fit on."""

    def __init__(self, loss="sparse_categorical_crossentropy"):
        self.loss = loss
        self.fits = []

    def __call__(self):
        builder = self

        class Recording(keras.Sequential):
            def fit(self, x, y, **kwargs):
                builder.fits.append((np.asarray(x), np.asarray(y), kwargs))
                return super().fit(x, y, **kwargs)

        model = Recording(
            [
                keras.Input((8, 8, 1)),
                keras.layers.Flatten(),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )
        model.compile("adam", self.loss, run_eagerly=True)  # Tiny fits: no tracing.
        return model


@pytest.fixture(scope="module")
def data():
    x, y = load_digits()
    return x[:60], y[:60], x[60:100], y[60:100]


def test_scores_and_what_each_classifier_trained_on(data):
    x_train, y_train, x_test, y_test = data
    builder = _Builder()
    scores = train_synthetic_test_real(
        _vae(),
        builder,
        x_train,
        y_train,
        x_test,
        y_test,
        n_synthetic=30,
        epochs=2,
        seed=0,
    )
    assert sorted(scores) == ["n_synthetic", "ratio", "trtr_accuracy", "tstr_accuracy"]
    for name in ("tstr_accuracy", "trtr_accuracy"):
        assert 0.0 <= scores[name] <= 1.0
        # An accuracy on 40 test samples is a multiple of 1/40.
        assert scores[name] * 40 == pytest.approx(round(scores[name] * 40))
    assert scores["ratio"] == pytest.approx(
        scores["tstr_accuracy"] / scores["trtr_accuracy"]
    )
    (x_syn, y_syn, kwargs), (x_real, y_real, _) = builder.fits
    assert x_syn.shape == (30, 8, 8, 1) and scores["n_synthetic"] == 30
    assert y_syn.dtype == y_train.dtype and y_syn.shape == (30,)
    # Synthetic labels follow the training labels' class frequencies.
    counts = np.bincount(y_train, minlength=10) / 60 * 30
    assert np.all(np.abs(np.bincount(y_syn, minlength=10) - counts) <= 1)
    assert not np.isin(x_syn.reshape(30, -1), x_train.reshape(60, -1)).all()
    np.testing.assert_array_equal(x_real, x_train)
    assert kwargs["epochs"] == 2 and kwargs["batch_size"] == 32


def test_seed_makes_it_reproducible(data):
    x_train, y_train, x_test, y_test = data
    runs = [
        train_synthetic_test_real(
            _vae(), _Builder(), x_train, y_train, x_test, y_test, epochs=1, seed=3
        )
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    assert runs[0]["n_synthetic"] == 60


def test_one_hot_labels(data):
    x_train, y_train, x_test, y_test = data
    builder = _Builder(loss="categorical_crossentropy")
    one_hot = keras.utils.to_categorical(y_train, 10)
    scores = train_synthetic_test_real(
        _vae(),
        builder,
        x_train,
        one_hot,
        x_test,
        keras.utils.to_categorical(y_test, 10),
        n_synthetic=20,
        epochs=1,
        seed=0,
    )
    _, y_syn, _ = builder.fits[0]
    assert y_syn.shape == (20, 10) and np.all(y_syn.sum(axis=1) == 1)
    assert 0.0 <= scores["tstr_accuracy"] <= 1.0


def test_errors(data):
    x_train, y_train, x_test, y_test = data
    args = (x_train, y_train, x_test, y_test)
    with pytest.raises(ValueError, match="must be a conditional"):
        train_synthetic_test_real(_vae(num_classes=None), _Builder(), *args)
    with pytest.raises(ValueError, match="Received: build_classifier=3"):
        train_synthetic_test_real(_vae(), 3, *args)
    with pytest.raises(ValueError, match=r"Received: x_test.shape=\(40, 8, 8, 1\)"):
        train_synthetic_test_real(_vae(), _Builder(), *args[:3], y_test[:5])
    with pytest.raises(ValueError, match="Received: n_synthetic=0"):
        train_synthetic_test_real(_vae(), _Builder(), *args, n_synthetic=0)
    with pytest.raises(ValueError, match=r"in \[0, 10\)"):
        train_synthetic_test_real(_vae(), _Builder(), x_train, y_train + 5, *args[2:])


def test_classifier_output_is_checked(data):
    x_train, y_train, x_test, y_test = data

    def build():
        model = keras.Sequential(
            [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(1)]
        )
        model.compile("adam", "mse")
        return model

    with pytest.raises(ValueError, match=r"shape \(n, 10\). Received: shape \(40, 1\)"):
        train_synthetic_test_real(
            _vae(), build, x_train, y_train, x_test, y_test, epochs=1
        )
