"""`trainable_summary`: a table of trainable and frozen parameters."""

import keras

from keras_smalldata._model_layers import count_params, is_batchnorm, weighted_leaves


def trainable_summary(model):
    """Returns a pandas DataFrame of the model's layers and their parameters.

    One row per layer with weights (nested models entered, in the model's layer
    order): `layer` (name), `type`, `trainable` (the flag), `batchnorm_mode`
    (`"inference"` or `"training"` for BatchNormalization, empty otherwise),
    `trainable_params` and `frozen_params`. Print it, or filter it with pandas.

    Args:
        model: a `keras.Model`.

    Returns:
        `pandas.DataFrame`.

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="d")])
    >>> table = keras_smalldata.transfer.trainable_summary(model)
    >>> table[["layer", "trainable_params"]].values.tolist()
    [['d', 10]]
    """
    import pandas as pd

    if not isinstance(model, keras.layers.Layer):
        raise TypeError(
            "trainable_summary expects a Keras model. "
            f"Received: model of type {type(model).__name__}"
        )
    rows = []
    for leaf in weighted_leaves(model):
        mode = ""
        if is_batchnorm(leaf):
            mode = "training" if leaf.trainable else "inference"
        rows.append(
            {
                "layer": leaf.name,
                "type": type(leaf).__name__,
                "trainable": leaf.trainable,
                "batchnorm_mode": mode,
                "trainable_params": count_params([leaf], trainable=True),
                "frozen_params": count_params([leaf], trainable=False),
            }
        )
    columns = ["layer", "type", "trainable", "batchnorm_mode"]
    columns += ["trainable_params", "frozen_params"]
    return pd.DataFrame(rows, columns=columns)
