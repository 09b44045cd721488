"""Augmentation layers: active in training, inert at inference."""

from keras_smalldata.layers.feature_dropout import FeatureDropout
from keras_smalldata.layers.feature_noise import FeatureNoise
from keras_smalldata.layers.jitter import Jitter
from keras_smalldata.layers.magnitude_warp import MagnitudeWarp
from keras_smalldata.layers.random_apply import RandomApply
from keras_smalldata.layers.random_choice import RandomChoice
from keras_smalldata.layers.random_gaussian_noise import RandomGaussianNoise
from keras_smalldata.layers.random_resized_crop import RandomResizedCrop
from keras_smalldata.layers.random_salt_pepper import RandomSaltPepper
from keras_smalldata.layers.random_scaling import RandomScaling
from keras_smalldata.layers.swap_noise import SwapNoise
from keras_smalldata.layers.time_warp import TimeWarp
from keras_smalldata.layers.trivial_augment import TrivialAugment
from keras_smalldata.layers.window_slice import WindowSlice
from keras_smalldata.layers.window_warp import WindowWarp

__all__ = [
    "FeatureDropout",
    "FeatureNoise",
    "Jitter",
    "MagnitudeWarp",
    "RandomApply",
    "RandomChoice",
    "RandomGaussianNoise",
    "RandomResizedCrop",
    "RandomSaltPepper",
    "RandomScaling",
    "SwapNoise",
    "TimeWarp",
    "TrivialAugment",
    "WindowSlice",
    "WindowWarp",
]
