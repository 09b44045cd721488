"""Generative models for small datasets."""

from keras_smalldata.models.semi_supervised import SemiSupervised
from keras_smalldata.models.test_time_augmentation import TestTimeAugmentation
from keras_smalldata.models.vae import VAE

__all__ = [
    "SemiSupervised",
    "TestTimeAugmentation",
    "VAE",
]
