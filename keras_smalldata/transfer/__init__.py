"""Transfer learning: freeze, unfreeze, build a classifier, fine-tune."""

from keras_smalldata.transfer._change import TrainableChange
from keras_smalldata.transfer.application_preprocessing import ApplicationPreprocessing
from keras_smalldata.transfer.build_classifier import build_classifier
from keras_smalldata.transfer.discriminative_optimizer import (
    DiscriminativeOptimizer,
    discriminative_optimizer,
)
from keras_smalldata.transfer.fine_tune import fine_tune
from keras_smalldata.transfer.freeze import freeze
from keras_smalldata.transfer.inference_mode import InferenceMode
from keras_smalldata.transfer.trainable_summary import trainable_summary
from keras_smalldata.transfer.unfreeze import unfreeze

__all__ = [
    "ApplicationPreprocessing",
    "DiscriminativeOptimizer",
    "InferenceMode",
    "TrainableChange",
    "build_classifier",
    "discriminative_optimizer",
    "fine_tune",
    "freeze",
    "trainable_summary",
    "unfreeze",
]
