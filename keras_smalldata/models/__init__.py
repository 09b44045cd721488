"""Models that wrap or train a Keras model for small datasets.

`VAE` generates samples (optionally per class); `SemiSupervised` trains a
classifier on labeled and unlabeled data (FixMatch); `TestTimeAugmentation`
averages a classifier's predictions over augmented views.
"""

from keras_smalldata.models.semi_supervised import SemiSupervised
from keras_smalldata.models.test_time_augmentation import TestTimeAugmentation
from keras_smalldata.models.vae import VAE

__all__ = [
    "SemiSupervised",
    "TestTimeAugmentation",
    "VAE",
]
