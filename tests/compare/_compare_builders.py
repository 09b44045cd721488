"""Tiny Keras model builders for the tests (module level, so they pickle).

Compiled with `run_eagerly=True`: for a handful of steps on tiny data, tracing a
`tf.function` costs more than the training itself.
"""

import inspect

import keras


class Named:
    """A builder whose repr is its name, not its address.

    `parametrize_with_checks` puts the estimator's repr in the test ids, and
    pytest-xdist requires the same ids in every worker process.
    """

    def __init__(self, function):
        self.function = function

    @property
    def __signature__(self):
        return inspect.signature(self.function)

    def __call__(self, *args, **kwargs):
        return self.function(*args, **kwargs)

    def __repr__(self):
        return self.function.__name__


def mlp_classifier(input_shape, n_classes, units=4, learning_rate=0.05):
    """A one-hidden-layer classifier; softmax, or 1 sigmoid unit for 2 classes."""
    binary = n_classes == 2
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Flatten(),
            keras.layers.Dense(units, activation="relu"),
            keras.layers.Dense(
                1 if binary else n_classes,
                activation="sigmoid" if binary else "softmax",
            ),
        ]
    )
    loss = "binary_crossentropy" if binary else "sparse_categorical_crossentropy"
    model.compile(keras.optimizers.Adam(learning_rate), loss, run_eagerly=True)
    return model


def mlp_regressor(input_shape, n_outputs, units=4, learning_rate=0.05):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Flatten(),
            keras.layers.Dense(units, activation="relu"),
            keras.layers.Dense(n_outputs),
        ]
    )
    model.compile(keras.optimizers.Adam(learning_rate), "mse", run_eagerly=True)
    return model


def cnn_classifier(input_shape, n_classes, filters=4):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Conv2D(filters, 3, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(n_classes, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", run_eagerly=True)
    return model
