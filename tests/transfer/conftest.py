"""Small models and data shared by the transfer-learning tests.

Factories are fixtures returning functions, so a test can build several fresh
models. The backbone is a tiny CNN with BatchNormalization: five layers with
weights, in order `conv1, bn1, conv2, bn2, conv3`.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import keras_smalldata.transfer as kst  # noqa: E402

IMAGE_SHAPE = (8, 8, 1)
NUM_CLASSES = 3


def small_backbone(name="backbone"):
    inputs = keras.Input(IMAGE_SHAPE)
    x = keras.layers.Conv2D(4, 3, padding="same", name=f"{name}_conv1")(inputs)
    x = keras.layers.BatchNormalization(name=f"{name}_bn1")(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.Conv2D(4, 3, padding="same", name=f"{name}_conv2")(x)
    x = keras.layers.BatchNormalization(name=f"{name}_bn2")(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.Conv2D(6, 3, padding="same", name=f"{name}_conv3")(x)
    backbone = keras.Model(inputs, x, name=name)
    # Moving statistics away from their initial values, as after pretraining,
    # so that an update of them (or its absence) is visible.
    for layer in backbone.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.moving_mean.assign(np.full(4, -0.1, "float32"))
            layer.moving_variance.assign(np.full(4, 0.5, "float32"))
    return backbone


@pytest.fixture
def make_backbone():
    return small_backbone


@pytest.fixture
def backbone():
    return small_backbone()


@pytest.fixture
def make_classifier():
    """`build_classifier` on a fresh small backbone, compiled unless told not."""

    def make(name="backbone", compile=True, lr=1e-2, jit_compile=False, **kwargs):
        kwargs.setdefault("dropout", 0.0)
        model = kst.build_classifier(
            small_backbone(name), NUM_CLASSES, weights=None, **kwargs
        )
        if compile:
            model.compile(
                keras.optimizers.Adam(lr),
                "sparse_categorical_crossentropy",
                metrics=["accuracy"],
                jit_compile=jit_compile,
            )
        return model

    return make


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = rng.random((32, *IMAGE_SHAPE)).astype("float32")
    y = np.arange(32) % NUM_CLASSES
    return x, y


def snapshot(layer):
    """Copies of every weight of `layer`, keyed by variable path."""
    return {v.path: np.array(v.numpy()) for v in layer.weights}


@pytest.fixture
def take_snapshot():
    return snapshot
