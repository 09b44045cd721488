"""Augmentation layers: active in training, inert at inference."""

from keras_smalldata.layers.random_apply import RandomApply
from keras_smalldata.layers.random_choice import RandomChoice
from keras_smalldata.layers.random_gaussian_noise import RandomGaussianNoise
from keras_smalldata.layers.random_resized_crop import RandomResizedCrop
from keras_smalldata.layers.random_salt_pepper import RandomSaltPepper
from keras_smalldata.layers.trivial_augment import TrivialAugment

__all__ = [
    "RandomApply",
    "RandomChoice",
    "RandomGaussianNoise",
    "RandomResizedCrop",
    "RandomSaltPepper",
    "TrivialAugment",
]
