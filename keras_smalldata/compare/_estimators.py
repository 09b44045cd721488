"""Validating what `ModelComparison` is given: estimators, task, scoring."""

import numbers

from sklearn.base import is_classifier, is_regressor
from sklearn.metrics import check_scoring, get_scorer
from sklearn.utils.multiclass import type_of_target

from keras_smalldata.compare._keras_estimator import _KerasEstimator

DEFAULT_SCORING = {"classification": "accuracy", "regression": "r2"}


def named_estimators(estimators):
    """`estimators` (dict, or list of estimators or `(name, estimator)`) -> list
    of `(name, estimator)` pairs with unique names."""
    if isinstance(estimators, dict):
        pairs = list(estimators.items())
    elif isinstance(estimators, list | tuple):
        pairs = []
        counts = {}
        for item in estimators:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
                pairs.append(item)
                continue
            # Like `make_pipeline`: the class name, numbered when repeated.
            name = type(item).__name__
            counts[name] = counts.get(name, 0) + 1
            pairs.append(
                (name if counts[name] == 1 else f"{name}-{counts[name]}", item)
            )
    else:
        pairs = None
    if not pairs:
        raise ValueError(
            "ModelComparison expects `estimators` to be a non-empty dict "
            "{name: estimator} or list of estimators. "
            f"Received: estimators={estimators!r}"
        )
    names = [name for name, _ in pairs]
    for name, estimator in pairs:
        if not isinstance(name, str) or not name:
            raise ValueError(
                "ModelComparison expects estimator names to be non-empty "
                f"strings. Received: name={name!r}"
            )
        if not hasattr(estimator, "fit"):
            raise ValueError(
                "ModelComparison expects estimators with a `fit` method. "
                f"Received: {name}={estimator!r}"
            )
    if len(set(names)) != len(names):
        raise ValueError(
            f"ModelComparison expects unique estimator names. Received: {names}"
        )
    return pairs


def infer_task(pairs, y):
    """`"classification"` or `"regression"`, from the estimators, else `y`."""
    classifiers = [name for name, est in pairs if is_classifier(est)]
    regressors = [name for name, est in pairs if is_regressor(est)]
    if classifiers and regressors:
        raise ValueError(
            "ModelComparison expects all classifiers or all regressors. "
            f"Received: classifiers {classifiers} and regressors {regressors}"
        )
    if classifiers:
        return "classification"
    if regressors:
        return "regression"
    target = type_of_target(y)
    return "classification" if target in ("binary", "multiclass") else "regression"


def scorers(scoring, task, estimator):
    """`scoring` -> (metric names, one scorer returning {name: score})."""
    if scoring is None:
        scoring = DEFAULT_SCORING[task]
    if isinstance(scoring, str):
        metrics = {scoring: scoring}
    elif callable(scoring):
        metrics = {"score": scoring}
    elif (
        isinstance(scoring, list | tuple)
        and scoring
        and all(isinstance(s, str) for s in scoring)
    ):
        metrics = {s: s for s in scoring}
    elif isinstance(scoring, dict) and scoring:
        metrics = dict(scoring)
    else:
        raise ValueError(
            "ModelComparison expects `scoring` to be None, a metric name, a "
            "scorer, or a non-empty list of names or dict {name: scorer}. "
            f"Received: scoring={scoring!r}"
        )
    for metric in metrics.values():
        if isinstance(metric, str):
            try:
                get_scorer(metric)
            except ValueError as error:
                raise ValueError(
                    f"Unknown metric {metric!r}; see "
                    "sklearn.metrics.get_scorer_names(). "
                    f"Received: scoring={scoring!r}"
                ) from error
    # A multi-metric scorer predicts once for all the metrics.
    return list(metrics), check_scoring(estimator, scoring=metrics)


def check_error_score(error_score):
    if isinstance(error_score, str) and error_score == "raise":
        return
    if isinstance(error_score, numbers.Real) and not isinstance(error_score, bool):
        return
    raise ValueError(
        "ModelComparison expects `error_score` to be 'raise' or a number "
        f"(e.g. np.nan). Received: error_score={error_score!r}"
    )


def is_deep(estimator):
    """Whether `estimator` is (or ends in, or searches over) a Keras model."""
    seen = 0
    while seen < 10:
        seen += 1
        if isinstance(estimator, _KerasEstimator):
            return True
        # Only attributes that hold estimators count: an estimator may well
        # have a `steps` parameter that is a number.
        if isinstance(getattr(estimator, "steps", None), list):  # Pipeline
            estimator = estimator.steps[-1][1]
        elif hasattr(getattr(estimator, "regressor", None), "fit"):
            estimator = estimator.regressor  # TransformedTargetRegressor
        elif hasattr(getattr(estimator, "estimator", None), "fit"):
            estimator = estimator.estimator  # GridSearchCV and the like
        else:
            break
    root = type(estimator).__module__.split(".")[0]
    return root in ("keras", "scikeras", "tf_keras")
