"""Measures of how useful generated data is."""

from keras_smalldata.evaluation.train_synthetic_test_real import (
    train_synthetic_test_real,
)

__all__ = [
    "train_synthetic_test_real",
]
