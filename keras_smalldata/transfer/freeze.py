"""`freeze`: make a model or layer untrainable."""

import keras

from keras_smalldata._model_layers import set_trainable, weighted_leaves
from keras_smalldata.transfer._change import describe_change


def freeze(model_or_layer):
    """Freezes every weight of a model or layer, BatchNorm included.

    Frozen BatchNormalization layers also run in inference mode (Keras 3), so
    their moving statistics stay as they are. Recompile the model afterwards (or
    use `fine_tune` / `GradualUnfreezing`, which handle it).

    Args:
        model_or_layer: a `keras.Model` (a `keras.applications` model, a
            keras-hub backbone, a nested or plain functional model) or a layer.

    Returns:
        A `TrainableChange` naming the layers that changed, with the trainable
        and frozen parameter counts afterwards.

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> change = keras_smalldata.transfer.freeze(model)
    >>> change.trainable_params, change.frozen_params
    (0, 10)
    """
    if not isinstance(model_or_layer, keras.layers.Layer):
        raise TypeError(
            "freeze expects a Keras model or layer. "
            f"Received: model_or_layer of type {type(model_or_layer).__name__}"
        )
    before = {leaf: leaf.trainable for leaf in weighted_leaves(model_or_layer)}
    set_trainable(model_or_layer, False)
    return describe_change(model_or_layer, before)
