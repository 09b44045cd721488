"""`build_classifier`: a pretrained backbone with a new classification head."""

import os

import keras

from keras_smalldata._validation import check_int, check_number
from keras_smalldata.transfer.application_preprocessing import (
    ApplicationPreprocessing,
    application_module,
    application_names,
)
from keras_smalldata.transfer.freeze import freeze
from keras_smalldata.transfer.inference_mode import InferenceMode


def build_classifier(
    backbone,
    num_classes,
    input_shape=None,
    weights="imagenet",
    augmentation=None,
    dropout=0.2,
    pooling="avg",
    inference_mode=True,
):
    """Builds `inputs -> augmentation -> preprocessing -> backbone -> head`.

    The backbone is frozen, and (with `inference_mode`) wrapped in
    `InferenceMode`, so its BatchNorm layers use their moving statistics and its
    Dropout is off during `fit` however it is unfrozen later: calling it with
    `training=False` alone does not hold inside a functional model (keras issue
    20285). The head is global pooling, Dropout and a softmax Dense layer.
    Compile the model yourself, or train it with `fine_tune`.

    Args:
        backbone: a `keras.applications` name (`"MobileNetV3Small"`,
            `"EfficientNetB0"`, `"ResNet50"`, ...), a `keras.Model`, or a
            keras-hub `Backbone` (any model mapping images to features).
        num_classes: int >= 2. Number of classes.
        input_shape: tuple `(height, width, channels)`. Defaults to the given
            model's input shape, or `(224, 224, 3)` for a name.
        weights: for a name, `"imagenet"` (Keras downloads them when online and
            caches them under `~/.keras/models`, or `$KERAS_HOME/models`), `None`
            (random), or the path of a weights file saved from the same
            architecture (`backbone.save_weights("b.weights.h5")`). For a model,
            a path loads that file into it; `"imagenet"` and `None` keep its
            weights. Defaults to `"imagenet"`.
        augmentation: a layer or list of layers applied first (they should
            augment only in training, like `keras_smalldata.layers`). Defaults
            to `None`.
        dropout: float in [0, 1). Dropout before the last layer. Defaults to
            `0.2`.
        pooling: `"avg"` or `"max"` for 4-D backbone features. Defaults to
            `"avg"`.
        inference_mode: bool. Keep the backbone in inference mode during `fit`.
            Defaults to `True`.

    Returns:
        A functional `keras.Model` with softmax outputs. Inputs of a named
        backbone are images with values in [0, 255]; the family's own
        `preprocess_input` is part of the model.

    Example:

    >>> model = keras_smalldata.transfer.build_classifier(
    ...     "MobileNetV3Small", num_classes=3, input_shape=(32, 32, 3), weights=None
    ... )
    >>> model.output_shape
    (None, 3)
    """
    check_int(num_classes, "num_classes", low=2)
    check_number(dropout, "dropout", 0, 1, closed="low")
    if pooling not in ("avg", "max"):
        raise ValueError(
            f"`pooling` must be one of ['avg', 'max']. Received: pooling={pooling!r}"
        )
    augmentation = _as_list(augmentation)
    for layer in augmentation:
        if not isinstance(layer, keras.layers.Layer):
            raise TypeError(
                "`augmentation` must be a Keras layer, a list of them or None. "
                f"Received: augmentation={layer!r} of type {type(layer).__name__}"
            )
    backbone, preprocessing, input_shape = _backbone(backbone, input_shape, weights)
    freeze(backbone)

    inputs = keras.Input(input_shape, name="images")
    x = inputs
    for layer in augmentation:
        x = layer(x)
    if preprocessing is not None:
        x = preprocessing(x)
    x = InferenceMode(backbone, name="backbone")(x) if inference_mode else backbone(x)
    if len(x.shape) == 4:
        pool = keras.layers.GlobalAveragePooling2D
        if pooling == "max":
            pool = keras.layers.GlobalMaxPooling2D
        x = pool(name="pooling")(x)
    elif len(x.shape) == 3:
        x = keras.layers.GlobalAveragePooling1D(name="pooling")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="head_dropout")(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="head")(x)
    return keras.Model(inputs, outputs, name=f"{backbone.name}_classifier")


def _backbone(backbone, input_shape, weights):
    """Returns (backbone model, preprocessing layer or None, input shape)."""
    if isinstance(backbone, str):
        names = application_names()
        if backbone not in names:
            raise ValueError(
                "`backbone` must be a keras.applications name (e.g. "
                "'MobileNetV3Small', 'EfficientNetB0', 'ResNet50'; "
                f"{len(names)} in all) or a keras.Model. "
                f"Received: backbone={backbone!r}"
            )
        input_shape = tuple(input_shape or (224, 224, 3))
        model = _application(backbone, input_shape, weights)
        module = application_module(backbone)
        preprocessing = None
        if module is not None:
            preprocessing = ApplicationPreprocessing(module, name="preprocessing")
        return model, preprocessing, input_shape
    if isinstance(backbone, keras.Model):
        if weights not in (None, "imagenet"):
            _load_weights(backbone, weights)
        if input_shape is None:
            input_shape = tuple(backbone.input_shape[1:])
        return backbone, None, tuple(input_shape)
    raise TypeError(
        "`backbone` must be a keras.applications name or a keras.Model. "
        f"Received: backbone of type {type(backbone).__name__}"
    )


def _application(name, input_shape, weights):
    constructor = getattr(keras.applications, name)
    if weights == "imagenet":
        try:
            return constructor(
                include_top=False, weights="imagenet", input_shape=input_shape
            )
        except Exception as error:
            # Keras raises a bare Exception when the download fails; other
            # errors (an input shape too small for the weights, ...) are not
            # about being offline.
            if type(error) is not Exception and not isinstance(error, OSError):
                raise
            cache = os.path.join(
                os.environ.get("KERAS_HOME", os.path.expanduser("~/.keras")), "models"
            )
            raise OSError(
                f"Could not load the ImageNet weights of {name}: Keras downloads "
                f"them once and caches them in {cache}. Offline, copy the "
                "'..._notop.h5' file there, or pass `weights='path/to/file.h5'` "
                f"(or `weights=None`). Received: weights='imagenet' ({error})"
            ) from error
    model = constructor(include_top=False, weights=None, input_shape=input_shape)
    if weights is not None:
        _load_weights(model, weights)
    return model


def _load_weights(model, weights):
    if not isinstance(weights, (str, os.PathLike)) or not os.path.isfile(weights):
        raise ValueError(
            "`weights` must be 'imagenet', None, or the path of an existing "
            f"weights file. Received: weights={weights!r}"
        )
    model.load_weights(weights)


def _as_list(layers):
    if layers is None:
        return []
    return list(layers) if isinstance(layers, (list, tuple)) else [layers]
