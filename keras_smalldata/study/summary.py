"""Mean and 95% interval of each arm at each size, and the best arm per size.

Both read what `run_study` returns (a `StudyResult`, or its tidy scores: one
row per arm, training size, repeat and metric, with the columns `arm`, `kind`,
`size`, `repeat`, `metric` and `value`).
"""

import numpy as np

from keras_smalldata.study._frame import select


def summarize(results, metric="accuracy"):
    """Mean and 95% interval of a metric per arm and training size.

    The interval is the t-interval of the mean over the repeats:
    `mean ± t(0.975, n - 1) * std / sqrt(n)`. Repeats without a value (NaN)
    are left out; with fewer than two, the interval is NaN.

    Args:
        results: a `StudyResult`, or its `scores` (a pandas DataFrame).
        metric: str. The metric to summarize. Defaults to `"accuracy"`.

    Returns:
        pandas DataFrame with one row per arm and size, sorted by size and then
        by the order in which the arms first appear in `results`, and the
        columns `arm`, `kind`, `size`, `n` (repeats with a value), `mean`,
        `std`, `half_width`, `ci_low` and `ci_high`.

    Raises:
        TypeError: if `results` is neither a `StudyResult` nor a DataFrame.
        ValueError: if `results` lacks a column, or has no rows for `metric`.

    Example:

    >>> x, y = keras_smalldata.datasets.load_wine()
    >>> result = keras_smalldata.study.run_study(
    ...     x, y, per_class=[3, 6], arms=["knn", "decision_tree"], repeats=2,
    ...     progress=False,
    ... )
    >>> summary = keras_smalldata.study.summarize(result)
    >>> summary[["arm", "size", "n"]].values.tolist()
    [['knn', 3, 2], ['decision_tree', 3, 2], ['knn', 6, 2], ['decision_tree', 6, 2]]
    >>> bool((summary["ci_low"] <= summary["mean"]).all())
    True
    """
    import pandas as pd
    from scipy import stats

    rows, _ = select(results, metric)
    arm_order = list(dict.fromkeys(rows["arm"]))
    summary = (
        rows.groupby(["arm", "size"], sort=False)
        .agg(
            kind=("kind", "first"),
            n=("value", "count"),
            mean=("value", "mean"),
            std=("value", "std"),
        )
        .reset_index()
    )
    n = summary["n"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(n >= 2, stats.t.ppf(0.975, np.maximum(n - 1, 1)), np.nan)
        half_width = t * summary["std"].to_numpy() / np.sqrt(n)
    summary["half_width"] = half_width
    summary["ci_low"] = summary["mean"] - summary["half_width"]
    summary["ci_high"] = summary["mean"] + summary["half_width"]
    summary["arm"] = pd.Categorical(summary["arm"], categories=arm_order)
    summary = summary.sort_values(["size", "arm"], kind="stable")
    summary["arm"] = summary["arm"].astype(str)
    columns = ["arm", "kind", "size", "n", "mean", "std", "half_width"]
    return summary[columns + ["ci_low", "ci_high"]].reset_index(drop=True)


def winners(results, metric="accuracy"):
    """The arm with the highest mean per training size.

    Ties go to the arm that appears first in `results`. Sizes where no arm has
    a value are left out.

    Args:
        results: a `StudyResult`, or its `scores` (a pandas DataFrame).
        metric: str. The metric to rank by (higher is better). Defaults to
            `"accuracy"`.

    Returns:
        pandas DataFrame with one row per size and the columns `size`, `arm`,
        `kind`, `mean` and `half_width`.

    Example:

    >>> x, y = keras_smalldata.datasets.load_wine()
    >>> result = keras_smalldata.study.run_study(
    ...     x, y, per_class=[3, 6], arms=["knn", "decision_tree"], repeats=2,
    ...     progress=False,
    ... )
    >>> keras_smalldata.study.winners(result)[["size", "arm"]].values.tolist()
    [[3, 'knn'], [6, 'knn']]
    """
    summary = summarize(results, metric).dropna(subset=["mean"])
    best = summary.loc[summary.groupby("size", sort=True)["mean"].idxmax()]
    columns = ["size", "arm", "kind", "mean", "half_width"]
    return best[columns].reset_index(drop=True)
