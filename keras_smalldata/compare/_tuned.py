"""Traditional models tuned by an inner cross-validation on the training data only.

What a practitioner runs in ten lines: a grid (or a small random search) over
the few hyperparameters that matter, scored by stratified folds of the data
given to `fit`, so nothing of the test data leaks into the choice. The grids
are built at `fit` time from the training data, because the RBF kernel's
`gamma` only means something relative to the features' scale.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

MODELS = ("svm", "logistic_regression", "ridge", "hist_gradient_boosting")
# At most this many inner folds; fewer when the smallest class is smaller.
_MAX_FOLDS = 3
# RBF gamma as multiples of scikit-learn's "scale" gamma, 1 / (d * var(X)):
# raw pixels and standardised features need different absolute values.
_GAMMA_FACTORS = (0.03, 0.1, 0.3, 1.0, 3.0)
_SVM_C = (0.1, 1.0, 10.0, 100.0, 1000.0)
_LINEAR_C = (0.01, 0.1, 1.0, 10.0, 100.0)
_RIDGE_ALPHA = (0.01, 0.1, 1.0, 10.0, 100.0)
# Gradient boosting: a small random search, as McElfresh et al. (2023) and
# Grinsztajn et al. (2022) found tuning matters more than the model family.
_BOOSTING_SEARCH = 10


class _InnerCVSearch(BaseEstimator):
    """Base of `TunedClassifier` and `TunedRegressor`: see `default_baselines`."""

    def __init__(self, model="svm", data_kind="tabular", random_state=None):
        self.model = model
        self.data_kind = data_kind
        self.random_state = random_state

    def fit(self, X, y):
        if self.model not in MODELS:
            raise ValueError(
                f"`model` must be one of {list(MODELS)}. Received: model={self.model!r}"
            )
        X = _flatten(X)
        pipeline, grid = self._search_space(X)
        # One OpenMP thread: the fits on small data are too small to share, and
        # spinning threads of processes that share the cores slow each other
        # down (one gradient boosting fit on wine under a load of 7: 39 s with
        # the default threads, 0.5 s with one).
        with threadpool_limits(limits=1, user_api="openmp"):
            self._search(pipeline, grid, X, y)
        if hasattr(self.best_estimator_, "classes_"):
            self.classes_ = self.best_estimator_.classes_
        return self

    def _search(self, pipeline, grid, X, y):
        from sklearn.model_selection import GridSearchCV, RandomizedSearchCV

        cv = self._inner_folds(y)
        if cv is None:
            # Too few samples per class to cross-validate: the defaults.
            self.best_estimator_ = pipeline.fit(X, y)
            self.best_params_ = {}
            return
        if isinstance(grid, dict):
            search = RandomizedSearchCV(
                pipeline,
                grid,
                n_iter=_BOOSTING_SEARCH,
                cv=cv,
                random_state=self.random_state,
            )
        else:
            search = GridSearchCV(pipeline, grid, cv=cv)
        search.fit(X, y)
        self.best_estimator_ = search.best_estimator_
        self.best_params_ = search.best_params_

    def predict(self, X):
        check_is_fitted(self)
        return self.best_estimator_.predict(_flatten(X))

    def _search_space(self, X):
        """(pipeline, grid): a list of grids, or a dict of distributions."""
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        classify = isinstance(self, ClassifierMixin)
        # The usual treatment of the data's kind comes first, so that it wins
        # the ties an inner CV on a few dozen samples often ends in.
        scalers = [StandardScaler(), "passthrough"]
        if self.data_kind != "tabular":
            scalers.reverse()
        if self.model == "svm":
            from sklearn.svm import SVC, SVR

            pipeline = Pipeline(
                [("scale", "passthrough"), ("svm", SVC() if classify else SVR())]
            )
            d = X.shape[1]
            grid = []
            for scaler in scalers:
                variance = float(np.var(X)) if scaler == "passthrough" else 1.0
                scale_gamma = 1.0 / (d * variance) if variance > 0 else 1.0
                grid.append(
                    {
                        "scale": [scaler],
                        "svm__C": list(_SVM_C),
                        "svm__gamma": [f * scale_gamma for f in _GAMMA_FACTORS],
                    }
                )
            return pipeline, grid
        if self.model in ("logistic_regression", "ridge"):
            from sklearn.linear_model import LogisticRegression, Ridge

            if classify:
                step = ("linear", LogisticRegression(max_iter=2000))
                values = {"linear__C": list(_LINEAR_C)}
            else:
                step = ("linear", Ridge())
                values = {"linear__alpha": list(_RIDGE_ALPHA)}
            # The linear model takes the usual scaling only: fits of
            # LogisticRegression are slow, and it is rarely the best arm.
            pipeline = Pipeline([("scale", scalers[0]), step])
            grid = [values]
            return pipeline, grid
        from scipy.stats import loguniform
        from sklearn.ensemble import (
            HistGradientBoostingClassifier,
            HistGradientBoostingRegressor,
        )

        boosting = (
            HistGradientBoostingClassifier
            if classify
            else HistGradientBoostingRegressor
        )(early_stopping=False, random_state=self.random_state)
        pipeline = Pipeline([("boosting", boosting)])
        distributions = {
            "boosting__learning_rate": loguniform(0.01, 0.3),
            "boosting__max_iter": [50, 100, 200],
            "boosting__max_leaf_nodes": [7, 15, 31],
            "boosting__min_samples_leaf": [2, 5, 10, 20],
            "boosting__l2_regularization": loguniform(1e-3, 10.0),
        }
        return pipeline, distributions

    def _inner_folds(self, y):
        from sklearn.model_selection import KFold, StratifiedKFold

        if isinstance(self, ClassifierMixin):
            folds = min(_MAX_FOLDS, int(np.unique(y, return_counts=True)[1].min()))
            if folds < 2:
                return None
            return StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        folds = min(_MAX_FOLDS, len(y) // 2)
        if folds < 2:
            return None
        return KFold(folds, shuffle=True, random_state=self.random_state)


class TunedClassifier(ClassifierMixin, _InnerCVSearch):
    """A classifier whose hyperparameters an inner CV on `fit`'s data chooses."""


class TunedRegressor(RegressorMixin, _InnerCVSearch):
    """A regressor whose hyperparameters an inner CV on `fit`'s data chooses."""


def _flatten(X):
    """`(n, ...)` -> `(n, features)`; 2-D inputs (and DataFrames) unchanged."""
    if np.ndim(X) <= 2:
        return X
    X = np.asarray(X)
    return X.reshape(len(X), -1)
