"""keras-smalldata: train deep Keras models on small datasets."""

__version__ = "0.1.0"
