"""Compare Keras models with traditional ones, the scikit-learn way.

`KerasClassifier` and `KerasRegressor` make a Keras model builder a scikit-learn
estimator; `ModelComparison` cross-validates any estimators on identical folds
and tests their differences; `learning_curve` scores them as their training set
grows (a `LearningCurve`); `default_baselines` gives the traditional models to
beat. Keras is imported only when a Keras estimator is fitted.
"""

from keras_smalldata.compare.default_baselines import default_baselines
from keras_smalldata.compare.keras_classifier import KerasClassifier
from keras_smalldata.compare.keras_regressor import KerasRegressor
from keras_smalldata.compare.learning_curve import LearningCurve, learning_curve
from keras_smalldata.compare.model_comparison import ModelComparison

__all__ = [
    "KerasClassifier",
    "KerasRegressor",
    "LearningCurve",
    "ModelComparison",
    "default_baselines",
    "learning_curve",
]
