"""Small real datasets that ship with installed packages (nothing downloads)."""

from keras_smalldata.datasets.few_shot_split import few_shot_split
from keras_smalldata.datasets.load_breast_cancer import load_breast_cancer
from keras_smalldata.datasets.load_digits import load_digits
from keras_smalldata.datasets.load_wine import load_wine

__all__ = [
    "few_shot_split",
    "load_breast_cancer",
    "load_digits",
    "load_wine",
]
