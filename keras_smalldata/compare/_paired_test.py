"""Paired tests of fold scores: the Nadeau-Bengio corrected t-test between
estimators scored on the same folds (of `fit`, or of one learning-curve size)."""

import numpy as np
import pandas as pd

from keras_smalldata._statistics import ALTERNATIVES, corrected_ttest


def metric_names(fold_scores):
    """The metrics of a long-format table, in the order they were scored."""
    return list(dict.fromkeys(fold_scores["metric"]))


def resolve_metric(metric, metrics, caller):
    """`metric`, or the first of `metrics` if `None`; raises if unknown."""
    metric = metrics[0] if metric is None else metric
    if metric not in metrics:
        raise ValueError(
            f"{caller} expects a metric among {metrics}. Received: metric={metric!r}"
        )
    return metric


def compare_pair(fold_scores, a, b, metric=None, alternative="two-sided"):
    """Tests `score(a) - score(b)` over the folds of `fold_scores`.

    `fold_scores` is in long format with `n_train` and `n_test` columns (the
    sizes the correction needs), one fold set only. Returns the dict of
    `ModelComparison.compare`.
    """
    names = list(fold_scores["estimator"].unique())
    for arg, name in (("a", a), ("b", b)):
        if name not in names:
            raise ValueError(
                f"compare expects estimator names among {names}. "
                f"Received: {arg}={name!r}"
            )
    metric = resolve_metric(metric, metric_names(fold_scores), "compare")
    if alternative not in ALTERNATIVES:
        raise ValueError(
            f"compare expects `alternative` among {list(ALTERNATIVES)}. "
            f"Received: alternative={alternative!r}"
        )
    scores = fold_scores[fold_scores["metric"] == metric]
    by_fold = scores.pivot(index="fold", columns="estimator", values="score")
    result = corrected_ttest(
        by_fold[a] - by_fold[b], *_sizes(scores), alternative=alternative
    )
    return {
        "a": a,
        "b": b,
        "metric": metric,
        "mean_a": float(by_fold[a].mean()),
        "mean_b": float(by_fold[b].mean()),
        **result,
    }


def significance(fold_scores, names, metric):
    """Two-sided p-values between every pair of `names` (diagonal: NaN)."""
    scores = fold_scores[fold_scores["metric"] == metric]
    by_fold = scores.pivot(index="fold", columns="estimator", values="score")
    by_fold = by_fold[names].to_numpy()
    sizes = _sizes(scores)
    matrix = np.full((len(names), len(names)), np.nan)
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            p = corrected_ttest(by_fold[:, i] - by_fold[:, j], *sizes)["p"]
            matrix[i, j] = matrix[j, i] = p
    return pd.DataFrame(matrix, index=names, columns=names)


def _sizes(scores):
    """Mean numbers of training and test samples over the folds."""
    return float(scores["n_train"].mean()), float(scores["n_test"].mean())
