"""Tiny models of each kind `export_for_serving` must handle, and their inputs.

Each builder returns `(model, a batch of its inputs)`.
"""

import importlib

import keras
import numpy as np


def _our_layers():
    """Returns `keras_smalldata.layers`, or None while it does not exist yet."""
    try:
        return importlib.import_module("keras_smalldata.layers")
    except ImportError:
        return None


def our_image_layers():
    """Our augmentation layers for 0-255 float images, those that exist."""
    layers = _our_layers()
    found = []
    if layers is not None and hasattr(layers, "TrivialAugment"):
        found.append(layers.TrivialAugment(value_range=(0, 255), seed=1))
    if layers is not None and hasattr(layers, "RandomGaussianNoise"):
        found.append(
            layers.RandomGaussianNoise(stddev=20.0, value_range=(0, 255), seed=2)
        )
    return found


def classifier():
    """Our image layers and Keras core augmentation at the input of a CNN."""
    inputs = keras.Input((16, 16, 3), name="image")
    x = inputs
    for layer in our_image_layers():
        x = layer(x)
    x = keras.layers.RandomFlip(seed=3)(x)
    x = keras.layers.RandomRotation(0.3, seed=4)(x)
    x = keras.layers.Rescaling(1 / 255)(x)
    x = keras.layers.Conv2D(4, 3, activation="relu")(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.5)(x)
    outputs = keras.layers.Dense(3, name="logits")(x)
    x_data = np.random.default_rng(0).uniform(0, 255, (4, 16, 16, 3))
    return keras.Model(inputs, outputs), x_data.astype("float32")


def preprocessing():
    """`Rescaling` and an adapted `Normalization` before a dense head."""
    rng = np.random.default_rng(1)
    x_data = rng.uniform(0, 255, (6, 8, 8, 3)).astype("float32")
    normalization = keras.layers.Normalization()
    normalization.adapt(x_data / 255.0)
    inputs = keras.Input((8, 8, 3), name="pixels")
    x = keras.layers.Rescaling(1 / 255)(inputs)
    x = normalization(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(2)(x)
    return keras.Model(inputs, outputs), x_data


def tabular():
    """Dict inputs (numeric float, categorical int) with noise and dropout."""
    rng = np.random.default_rng(2)
    x_data = {
        "numeric": rng.normal(size=(5, 4)).astype("float32"),
        "category": rng.integers(0, 3, size=(5, 1)).astype("int32"),
    }
    normalization = keras.layers.Normalization()
    normalization.adapt(x_data["numeric"])
    numeric = keras.Input((4,), name="numeric")
    category = keras.Input((1,), dtype="int32", name="category")
    x = keras.layers.GaussianNoise(1.0)(normalization(numeric))
    embedded = keras.layers.Flatten()(keras.layers.Embedding(3, 2)(category))
    x = keras.layers.Concatenate()([x, embedded])
    x = keras.layers.Dropout(0.5)(keras.layers.Dense(8, activation="relu")(x))
    outputs = keras.layers.Dense(1)(x)
    model = keras.Model({"numeric": numeric, "category": category}, outputs)
    return model, x_data


def uint8_images():
    """uint8 pixels as a client sends them, rescaled and augmented in-model."""
    inputs = keras.Input((16, 16, 3), dtype="uint8", name="pixels")
    x = keras.layers.Rescaling(1 / 255)(inputs)
    x = keras.layers.RandomFlip(seed=5)(x)
    x = keras.layers.RandomZoom(0.3, seed=6)(x)
    x = keras.layers.RandomContrast(0.5, seed=7)(x)
    x = keras.layers.Conv2D(4, 3, activation="relu")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(3)(x)
    x_data = np.random.default_rng(3).integers(0, 256, (4, 16, 16, 3))
    return keras.Model(inputs, outputs), x_data.astype("uint8")


def generator():
    """A decoder: latent vectors to images, with noise that must stay off."""
    inputs = keras.Input((4,), name="latent")
    x = keras.layers.GaussianNoise(1.0)(inputs)
    x = keras.layers.Dense(4 * 4 * 2, activation="relu")(x)
    x = keras.layers.Reshape((4, 4, 2))(x)
    x = keras.layers.Conv2DTranspose(2, 3, strides=2, padding="same")(x)
    outputs = keras.layers.Conv2D(1, 3, padding="same", activation="sigmoid")(x)
    x_data = np.random.default_rng(4).normal(size=(3, 4)).astype("float32")
    return keras.Model(inputs, outputs), x_data


MODEL_KINDS = {
    "classifier": classifier,
    "preprocessing": preprocessing,
    "tabular": tabular,
    "uint8_images": uint8_images,
    "generator": generator,
}
