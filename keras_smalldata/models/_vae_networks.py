"""The encoder and decoder networks of a VAE: built, or checked if given.

`VAE.for_images` and `VAE.for_tabular` build theirs with `image_networks` and
`tabular_networks`; `VAE(encoder, decoder, ...)` checks the user's with
`check_networks`. Conditional networks take the one-hot label as a second input
and concatenate it to dense features; nothing here is a `Lambda`, so the models
load with `safe_mode=True`.
"""

import math
import numbers

import keras
from keras import layers

from keras_smalldata._validation import check_positive_int

# Downsample images while both sides are at least this large (8x8 -> 4x4,
# 28x28 -> 7x7, 224x224 -> 7x7).
_MIN_SIDE_TO_DOWNSAMPLE = 8
_BASE_FILTERS = 32
_MAX_FILTERS = 256


def _default_image_filters(height, width):
    """One stride-2 block per halving, 32 filters doubling per block, <= 256."""
    filters = []
    while min(height, width) >= _MIN_SIDE_TO_DOWNSAMPLE:
        filters.append(min(_BASE_FILTERS * 2 ** len(filters), _MAX_FILTERS))
        height, width = math.ceil(height / 2), math.ceil(width / 2)
    return tuple(filters)


def _inputs(shape, num_classes, name):
    data = keras.Input(shape, name=name)
    if num_classes is None:
        return data, None
    return data, keras.Input((num_classes,), name="labels")


def _with_labels(features, labels):
    if labels is None:
        return features
    return layers.Concatenate()([features, labels])


def _latent_heads(features, latent_dim):
    z_mean = layers.Dense(latent_dim, name="z_mean")(features)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(features)
    return [z_mean, z_log_var]


def _model(data, labels, outputs, name):
    inputs = data if labels is None else [data, labels]
    return keras.Model(inputs, outputs, name=name)


def _num_classes_or_none(num_classes):
    # `VAE.__init__` checks `num_classes` and names it in its error; a bad
    # value builds unconditional networks until then.
    return num_classes if isinstance(num_classes, numbers.Integral) else None


def image_networks(input_shape, latent_dim, num_classes, filters, hidden_units):
    """Checks the arguments of `VAE.for_images`; returns `(encoder, decoder)`."""
    if (
        not isinstance(input_shape, (tuple, list))
        or len(input_shape) != 3
        or not all(isinstance(v, numbers.Integral) for v in input_shape)
        or min(input_shape[:2]) < 8
        or input_shape[2] not in (1, 3)
    ):
        raise ValueError(
            "`input_shape` must be (height, width, channels) with height and "
            "width at least 8 and 1 or 3 channels. "
            f"Received: input_shape={input_shape}"
        )
    if filters is None:
        filters = _default_image_filters(*input_shape[:2])
    elif not isinstance(filters, (tuple, list)) or not filters:
        raise ValueError(
            "`filters` must be a non-empty tuple of positive integers or None. "
            f"Received: filters={filters!r}"
        )
    filters = tuple(check_positive_int(f, "filters") for f in filters)
    return _image_networks(
        tuple(int(v) for v in input_shape),
        check_positive_int(latent_dim, "latent_dim"),
        _num_classes_or_none(num_classes),
        filters,
        check_positive_int(hidden_units, "hidden_units"),
    )


def tabular_networks(num_features, latent_dim, num_classes, hidden_units):
    """Checks the arguments of `VAE.for_tabular`; returns `(encoder, decoder)`."""
    num_features = check_positive_int(num_features, "num_features")
    if not isinstance(hidden_units, (tuple, list)):
        raise ValueError(
            "`hidden_units` must be a tuple of positive integers. "
            f"Received: hidden_units={hidden_units!r}"
        )
    hidden_units = tuple(check_positive_int(u, "hidden_units") for u in hidden_units)
    return _tabular_networks(
        num_features,
        check_positive_int(latent_dim, "latent_dim"),
        _num_classes_or_none(num_classes),
        hidden_units,
    )


def _image_networks(input_shape, latent_dim, num_classes, filters, hidden_units):
    height, width, channels = input_shape
    data, labels = _inputs(input_shape, num_classes, "images")
    features = data
    for count in filters:
        features = layers.Conv2D(
            count, 3, strides=2, padding="same", activation="relu"
        )(features)
    small_height, small_width = features.shape[1], features.shape[2]
    features = layers.Flatten()(features)
    features = layers.Dense(hidden_units, activation="relu")(
        _with_labels(features, labels)
    )
    encoder = _model(data, labels, _latent_heads(features, latent_dim), "encoder")

    z, labels = _inputs((latent_dim,), num_classes, "z")
    last = filters[-1]
    features = layers.Dense(hidden_units, activation="relu")(_with_labels(z, labels))
    features = layers.Dense(small_height * small_width * last, activation="relu")(
        features
    )
    features = layers.Reshape((small_height, small_width, last))(features)
    # Kernel 4 with stride 2: every output pixel gets the same number of
    # contributions, so no checkerboard artifacts (Odena et al. 2016).
    for count in reversed(filters[:-1]):
        features = layers.Conv2DTranspose(
            count, 4, strides=2, padding="same", activation="relu"
        )(features)
    # The last block maps straight to the output channels (as DCGAN does): a
    # full-resolution layer with many filters would cost most of the sampling
    # time. Linear output: logits (bernoulli) or means (gaussian).
    outputs = layers.Conv2DTranspose(channels, 4, strides=2, padding="same")(features)
    # Halving rounds odd sides up, so doubling back can overshoot: crop.
    extra_height = outputs.shape[1] - height
    extra_width = outputs.shape[2] - width
    if extra_height or extra_width:
        outputs = layers.Cropping2D(
            (
                (extra_height // 2, extra_height - extra_height // 2),
                (extra_width // 2, extra_width - extra_width // 2),
            )
        )(outputs)
    decoder = _model(z, labels, outputs, "decoder")
    return encoder, decoder


def _tabular_networks(num_features, latent_dim, num_classes, hidden_units):
    data, labels = _inputs((num_features,), num_classes, "features")
    features = _with_labels(data, labels)
    for units in hidden_units:
        features = layers.Dense(units, activation="relu")(features)
    encoder = _model(data, labels, _latent_heads(features, latent_dim), "encoder")

    z, labels = _inputs((latent_dim,), num_classes, "z")
    features = _with_labels(z, labels)
    for units in reversed(hidden_units):
        features = layers.Dense(units, activation="relu")(features)
    outputs = layers.Dense(num_features, name="decoder_output")(features)
    decoder = _model(z, labels, outputs, "decoder")
    return encoder, decoder


def check_networks(encoder, decoder, latent_dim, num_classes):
    """Checks user networks symbolically; returns the data shape (no batch)."""
    for name, network in (("encoder", encoder), ("decoder", decoder)):
        if not isinstance(network, keras.layers.Layer) or not network.built:
            raise ValueError(
                f"`{name}` must be a built Keras model (a functional model, or a "
                "Sequential starting with `keras.Input`). "
                f"Received: {name}={network!r}"
            )

    def join(data):
        if num_classes is None:
            return data
        return [data, keras.KerasTensor((None, num_classes))]

    def signature(name):
        return name if num_classes is None else f"[{name}, one_hot_labels]"

    try:
        output = decoder.compute_output_spec(
            join(keras.KerasTensor((None, latent_dim)))
        )
    except Exception as error:
        raise ValueError(
            f"`decoder` must map {signature('z')} to one tensor; calling it failed. "
            f"Received: {type(error).__name__}: {error}"
        ) from error
    if not isinstance(output, keras.KerasTensor) or None in output.shape[1:]:
        raise ValueError(
            f"`decoder` must map {signature('z')} to one tensor of fully known "
            f"shape. Received: output={output}"
        )
    data_shape = tuple(output.shape[1:])
    try:
        outputs = encoder.compute_output_spec(
            join(keras.KerasTensor((None, *data_shape)))
        )
    except Exception as error:
        raise ValueError(
            f"`encoder` must map {signature('x')}, x of the decoder's output shape "
            f"{data_shape}, to [z_mean, z_log_var]; calling it failed. "
            f"Received: {type(error).__name__}: {error}"
        ) from error
    if (
        not isinstance(outputs, (list, tuple))
        or [tuple(o.shape[1:]) for o in outputs] != [(latent_dim,)] * 2
    ):
        raise ValueError(
            "`encoder` must return [z_mean, z_log_var], each of shape "
            f"(batch, {latent_dim}). Received: outputs={outputs}"
        )
    return data_shape
