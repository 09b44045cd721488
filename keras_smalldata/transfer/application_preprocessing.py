"""The `ApplicationPreprocessing` layer."""

import keras

from keras_smalldata._config import check_config


@keras.saving.register_keras_serializable(package="keras_smalldata")
class ApplicationPreprocessing(keras.layers.Layer):
    """Applies a `keras.applications` family's own `preprocess_input`.

    A layer rather than a lambda, so that a model holding it saves and loads
    with `safe_mode=True`. For families whose models preprocess inside
    themselves (MobileNetV3, EfficientNet, ConvNeXt), `preprocess_input` is the
    identity.

    Args:
        module: name of the `keras.applications` submodule, e.g. `"resnet50"`,
            `"mobilenet_v2"`, `"efficientnet"`.

    Input shape:
        Images with values in [0, 255], any shape `preprocess_input` accepts.

    Output shape:
        Same shape, float.

    Example:

    >>> layer = keras_smalldata.transfer.ApplicationPreprocessing("mobilenet_v2")
    >>> float(np.asarray(layer(np.full((1, 2, 2, 3), 255.0))).max())
    1.0
    """

    def __init__(self, module, **kwargs):
        super().__init__(**kwargs)
        if not hasattr(
            getattr(keras.applications, str(module), None), "preprocess_input"
        ):
            raise ValueError(
                "`module` must name a keras.applications submodule with "
                f"`preprocess_input`. Received: module={module!r}"
            )
        self.module = module

    def call(self, inputs):
        preprocess = getattr(keras.applications, self.module).preprocess_input
        return preprocess(keras.ops.cast(inputs, self.compute_dtype))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"module": self.module})
        return config

    @classmethod
    def from_config(cls, config):
        check_config(cls, config)
        return super().from_config(config)


def application_module(name):
    """Name of the `keras.applications` submodule that defines model `name`."""
    constructor = getattr(keras.applications, name)
    for module_name in dir(keras.applications):
        module = getattr(keras.applications, module_name)
        if (
            hasattr(module, "preprocess_input")
            and getattr(module, name, None) is constructor
        ):
            return module_name
    return None


def application_names():
    """The model constructors of `keras.applications` (e.g. "ResNet50")."""
    return sorted(
        name
        for name in dir(keras.applications)
        if name[:1].isupper() and callable(getattr(keras.applications, name))
    )
