"""`_seeding.seeded`: seeded fits that other threads' use of `random` cannot move."""

import random
import threading
import time

import keras
import numpy as np
import pytest
from sklearn.datasets import make_classification

from keras_smalldata._seeding import seeded
from keras_smalldata.compare import KerasClassifier


def _classifier(input_shape, n_classes):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(n_classes, activation="softmax"),
        ]
    )
    model.compile("sgd", "sparse_categorical_crossentropy")
    return model


def _first_weights(X, y):
    estimator = KerasClassifier(_classifier, epochs=1, random_state=0).fit(X, y)
    return estimator.model_.get_weights()[0]


@pytest.fixture
def busy_thread():
    """A thread that draws from Python's global `random` all the time.

    `sleep(0)` hands the GIL back after each draw, so the test's own thread
    keeps its speed.
    """
    stop = threading.Event()

    def draw():
        while not stop.is_set():
            random.random()
            time.sleep(0)

    thread = threading.Thread(target=draw, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join()


def test_seeded_fit_ignores_other_threads_drawing_from_random(busy_thread):
    X, y = make_classification(n_samples=40, n_features=4, random_state=0)
    reference = _first_weights(X, y)
    for _ in range(3):
        np.testing.assert_array_equal(_first_weights(X, y), reference)


def test_seeded_draws_are_those_of_set_random_seed():
    keras.utils.set_random_seed(3)
    plain = keras.initializers.GlorotUniform()((4, 4))
    with seeded(3):
        guarded = keras.initializers.GlorotUniform()((4, 4))
    np.testing.assert_array_equal(np.asarray(guarded), np.asarray(plain))


def test_outside_seeded_keras_draws_from_the_global_random_again():
    with seeded(3):
        pass
    random.seed(11)
    first = keras.initializers.GlorotUniform()((4, 4))
    random.seed(11)
    second = keras.initializers.GlorotUniform()((4, 4))
    np.testing.assert_array_equal(np.asarray(first), np.asarray(second))


def test_seed_none_leaves_the_random_state_alone():
    random.seed(5)
    expected = random.random()
    random.seed(5)
    with seeded(None):
        drawn = random.random()
    assert drawn == expected
