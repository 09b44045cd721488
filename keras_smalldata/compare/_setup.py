"""What a cross-validation of several estimators starts from: names, task,
metrics and folds, checked before any estimator is fitted."""

import numpy as np
from sklearn.model_selection import RepeatedKFold, RepeatedStratifiedKFold, check_cv
from sklearn.utils.validation import check_consistent_length

from keras_smalldata._seeding import seed_from
from keras_smalldata.compare import _estimators


def prepare(estimators, X, y, groups, cv, scoring, random_state, error_score):
    """Validates the arguments; returns a dict of what the jobs need.

    Keys: `pairs` (`(name, estimator)`), `X`, `y`, `task`, `metrics` (names),
    `scorer` (one multi-metric scorer) and `splits` (`(train, test)` arrays).
    """
    pairs = _estimators.named_estimators(estimators)
    _estimators.check_error_score(error_score)
    if isinstance(X, list):
        X = np.asarray(X)
    y = np.asarray(y)
    check_consistent_length(X, y)
    task = _estimators.infer_task(pairs, y)
    metrics, scorer = _estimators.scorers(scoring, task, pairs[0][1])
    splits = [
        (np.asarray(train), np.asarray(test))
        for train, test in _splitter(cv, task, y, random_state).split(X, y, groups)
    ]
    return {
        "pairs": pairs,
        "X": X,
        "y": y,
        "task": task,
        "metrics": metrics,
        "scorer": scorer,
        "splits": splits,
    }


def _splitter(cv, task, y, random_state):
    classification = task == "classification"
    if cv is None:
        seed = seed_from(random_state, "ModelComparison")
        splitter = RepeatedStratifiedKFold if classification else RepeatedKFold
        return splitter(n_splits=5, n_repeats=3, random_state=seed)
    return check_cv(cv, y, classifier=classification)
