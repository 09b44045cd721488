"""The networks and augmentation policies of the study's deep arms."""

import keras

from keras_smalldata import layers

# Below this side (pixels), images are too small to crop: they are shifted.
_SMALL_SIDE = 32


def image_augmentation(input_shape, flips, seed):
    """Geometric augmentation at the scale of the images.

    Small images (digits' 8x8) lose their content to crops and rotations, so
    they are shifted by up to 1/8 of a side (one pixel at 8x8, FixMatch's weak
    view); larger ones get `RandomResizedCrop`, as ImageNet training does.
    Digits must not be flipped (a mirrored 2 is no 2), so flips are opt-in.
    """
    height, width = input_shape[0], input_shape[1]
    if min(height, width) < _SMALL_SIDE:
        policy = [
            keras.layers.RandomTranslation(
                0.125, 0.125, fill_mode="constant", seed=seed
            )
        ]
    else:
        policy = [layers.RandomResizedCrop(height, width, scale=(0.35, 1.0), seed=seed)]
    if flips:
        policy.insert(0, keras.layers.RandomFlip("horizontal", seed=seed + 4))
    return policy


def describe_augmentation(kind, input_shape, flips):
    """One line on the `augment` arm's policy, for the report."""
    if kind != "images":
        return "FeatureNoise(0.1 standard deviations) and SwapNoise(rate=0.1)"
    height, width = input_shape[0], input_shape[1]
    if min(height, width) < _SMALL_SIDE:
        policy = "random shifts of up to 1/8 of each side"
    else:
        policy = "RandomResizedCrop(scale=(0.35, 1.0))"
    return policy + (" and horizontal flips" if flips else "")


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
