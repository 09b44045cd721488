"""The `InferenceMode` wrapper layer."""

import copy

import keras

from keras_smalldata._config import check_config


@keras.saving.register_keras_serializable(package="keras_smalldata")
class InferenceMode(keras.layers.Layer):
    """Always runs the wrapped layer in inference mode, even inside `fit`.

    The Keras transfer-learning guide calls a backbone as
    `base(x, training=False)` so that its BatchNormalization layers keep using
    their moving statistics after unfreezing. Inside a functional model that
    does not hold: `fit` passes `training=True` to every layer whose `call`
    takes `training`, overriding the `False` given at construction, and an
    unfrozen BatchNormalization then updates its statistics (keras issue 20285).
    `InferenceMode` has no `training` argument, so nothing overrides it: it calls
    the wrapped layer with `training=False` every time. Its weights still train
    when trainable; only BatchNormalization statistics and Dropout are fixed.

    Args:
        layer: the `keras.layers.Layer` or `keras.Model` to wrap (a backbone).

    Example:

    >>> layers = [keras.layers.Dense(8), keras.layers.BatchNormalization()]
    >>> backbone = keras.Sequential([keras.Input((4,))] + layers)
    >>> inputs = keras.Input((4,))
    >>> features = keras_smalldata.transfer.InferenceMode(backbone)(inputs)
    >>> model = keras.Model(inputs, keras.layers.Dense(1)(features))
    >>> model.compile("adam", "mse")
    >>> moving_mean = backbone.layers[1].moving_mean.numpy().copy()
    >>> _ = model.fit(np.ones((8, 4)), np.ones((8, 1)), epochs=1, verbose=0)
    >>> bool(np.all(backbone.layers[1].moving_mean.numpy() == moving_mean))
    True
    """

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, keras.layers.Layer):
            raise TypeError(
                "InferenceMode wraps a Keras layer or model. "
                f"Received: layer of type {type(layer).__name__}"
            )
        self.layer = layer

    def build(self, input_shape):
        if not self.layer.built:
            self.layer.build(input_shape)
        self.built = True

    def call(self, inputs):
        return self.layer(inputs, training=False)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def compute_output_spec(self, inputs):
        return self.layer.compute_output_spec(inputs)

    def get_config(self):
        config = super().get_config()
        config.update({"layer": keras.saving.serialize_keras_object(self.layer)})
        return config

    @classmethod
    def from_config(cls, config):
        check_config(cls, config)
        config = dict(config)
        # Deserializing a model empties its config dict: work on a copy.
        config["layer"] = keras.saving.deserialize_keras_object(
            copy.deepcopy(config["layer"])
        )
        return cls(**config)
