"""The networks and augmentation policies of the study's deep arms."""

import keras

from keras_smalldata import layers


def image_augmentation(input_shape, flips, seed):
    """Mild geometric augmentation that keeps small images recognisable.

    Digits must not be flipped (a mirrored 2 is no 2), so flips are opt-in.
    """
    height, width = input_shape[0], input_shape[1]
    policy = [
        layers.RandomApply(
            layers.RandomResizedCrop(
                height, width, scale=(0.75, 1.0), ratio=(0.85, 1.18), seed=seed
            ),
            rate=0.5,
            seed=seed + 1,
        ),
        keras.layers.RandomRotation(0.03, fill_mode="constant", seed=seed + 2),
        keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=seed + 3),
    ]
    if flips:
        policy.insert(0, keras.layers.RandomFlip("horizontal", seed=seed + 4))
    return policy


def tabular_augmentation(x_train, seed):
    noise = layers.FeatureNoise(stddev=0.1, seed=seed)
    noise.adapt(x_train)
    return [noise, layers.SwapNoise(rate=0.1, seed=seed + 1)]


def image_network(input_shape, num_classes, augmentation):
    """A small CNN: two 3x3 conv blocks, pooling, a dense layer, softmax."""
    model_layers = [keras.Input(input_shape), *augmentation]
    model_layers += [
        keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
        keras.layers.Conv2D(64, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Dropout(0.25),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(num_classes, activation="softmax"),
    ]
    return keras.Sequential(model_layers)


def tabular_network(x_train, num_classes, augmentation):
    """Raw features -> augmentation -> Normalization -> 64 -> 64 -> softmax."""
    normalization = keras.layers.Normalization()
    normalization.adapt(x_train)
    model_layers = [keras.Input(x_train.shape[1:]), *augmentation, normalization]
    model_layers += [
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(num_classes, activation="softmax"),
    ]
    return keras.Sequential(model_layers)


def transfer_network(input_shape, num_classes, augmentation, backbone):
    """augmentation -> pretrained encoder (inference mode) -> dropout -> softmax."""
    from keras_smalldata.transfer import InferenceMode, freeze

    freeze(backbone)
    inputs = keras.Input(input_shape)
    x = inputs
    for layer in augmentation:
        x = layer(x)
    x = InferenceMode(backbone, name="backbone")(x)
    x = keras.layers.Dropout(0.2)(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)
