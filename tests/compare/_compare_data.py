"""Small data and estimators shared by the `ModelComparison` and
`learning_curve` tests."""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.dummy import DummyClassifier
from sklearn.tree import DecisionTreeClassifier


def make_data(n=90, seed=0):
    X, y = make_classification(
        n_samples=n,
        n_features=4,
        n_informative=3,
        n_redundant=0,
        n_classes=3,
        flip_y=0,
        random_state=seed,
    )
    return X, y


def with_ids(X):
    """Prepends each sample's id as column 0 (read by the recorders)."""
    return np.column_stack([np.arange(len(X)), X])


def trees():
    return {
        "tree": DecisionTreeClassifier(random_state=0),
        "stump": DecisionTreeClassifier(max_depth=1, random_state=0),
        "dummy": DummyClassifier(),
    }


class FailingClassifier(ClassifierMixin, BaseEstimator):
    """Fails to fit when the training set holds sample 0 (column 0 is the id)."""

    def __init__(self, always=False):
        self.always = always

    def fit(self, X, y):
        if self.always or 0 in np.asarray(X)[:, 0]:
            raise RuntimeError("boom on sample 0")
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])
