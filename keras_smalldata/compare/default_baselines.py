"""`default_baselines`: traditional models that small-data deep models must beat."""

import numpy as np
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import SVC, SVR
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

_TASKS = ("classification", "regression")


def default_baselines(task="classification", random_state=None):
    """Traditional estimators with sensible defaults for small datasets.

    On small tabular data a traditional model often beats a neural network;
    these are the ones to beat. Each is a `Pipeline` that first flattens
    higher-rank samples (images `(n, h, w, c)` become `(n, h * w * c)`; 2-D
    data passes unchanged), and the distance- and gradient-based models
    standardise their inputs (fitted on the training data only):

    - `"svc"` (`"svr"`): scaled RBF support vector machine.
    - `"random_forest"`: 100 fully grown trees.
    - `"decision_tree"`: a single unpruned tree.
    - `"logistic_regression"` (`"ridge"` for regression): scaled linear model.
    - `"knn"`: scaled 5-nearest-neighbours, weighted by distance.
    - `"hist_gradient_boosting"`: with `min_samples_leaf=5` instead of 20,
      which would leave a few dozen samples with stumps.

    Args:
        task: `"classification"` or `"regression"`. Defaults to
            `"classification"`.
        random_state: int or `None`. Seeds the randomised models (forest,
            tree, gradient boosting). Defaults to `None`.

    Returns:
        dict `{name: unfitted estimator}`, ready for `ModelComparison`; add
        your Keras models to it.

    Example:

    >>> baselines = keras_smalldata.compare.default_baselines(random_state=0)
    >>> list(baselines)[:3]
    ['svc', 'random_forest', 'decision_tree']
    """
    if task not in _TASKS:
        raise ValueError(
            f"default_baselines expects `task` in {list(_TASKS)}. "
            f"Received: task={task!r}"
        )
    flatten = FunctionTransformer(_flatten)

    def scaled(estimator):
        return make_pipeline(flatten, StandardScaler(), estimator)

    if task == "classification":
        return {
            "svc": scaled(SVC(kernel="rbf")),
            "random_forest": make_pipeline(
                flatten,
                RandomForestClassifier(random_state=random_state),
            ),
            "decision_tree": make_pipeline(
                flatten, DecisionTreeClassifier(random_state=random_state)
            ),
            "logistic_regression": scaled(LogisticRegression(max_iter=1000)),
            "knn": scaled(KNeighborsClassifier(n_neighbors=5, weights="distance")),
            "hist_gradient_boosting": make_pipeline(
                flatten,
                HistGradientBoostingClassifier(
                    min_samples_leaf=5, random_state=random_state
                ),
            ),
        }
    return {
        "svr": scaled(SVR(kernel="rbf")),
        "random_forest": make_pipeline(
            flatten, RandomForestRegressor(random_state=random_state)
        ),
        "decision_tree": make_pipeline(
            flatten, DecisionTreeRegressor(random_state=random_state)
        ),
        "ridge": scaled(Ridge()),
        "knn": scaled(KNeighborsRegressor(n_neighbors=5, weights="distance")),
        "hist_gradient_boosting": make_pipeline(
            flatten,
            HistGradientBoostingRegressor(
                min_samples_leaf=5, random_state=random_state
            ),
        ),
    }


def _flatten(X):
    """`(n, ...)` -> `(n, features)`; 2-D inputs (and DataFrames) unchanged."""
    if np.ndim(X) <= 2:
        return X
    X = np.asarray(X)
    return X.reshape(len(X), -1)
