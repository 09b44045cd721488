"""Callbacks for `model.fit` on small datasets."""

from keras_smalldata.callbacks.gradual_unfreezing import GradualUnfreezing
from keras_smalldata.callbacks.kl_annealing import KLAnnealing

__all__ = [
    "GradualUnfreezing",
    "KLAnnealing",
]
