"""The study's verdict: the best deep arm against the strongest traditional one.

At each training size, the deep and the traditional arm with the highest mean
are compared on their paired repeats with `pool_ttest`
(`keras_smalldata._statistics`), the t-test corrected for the study's
protocol: every repeat draws a fresh labelled pool of a fraction `f` of the
data and tests on all the rest, so two repeats' training sets share about `f`
of their samples and the variance of the mean difference is inflated by
`f / (1 - f)`. Nadeau and Bengio's `n_test / n_train` correction, meant for
resampled splits of one data set, would be 26 at 5 images per class on digits
(intervals of +-0.45: a test that never concludes); the pool correction's
false-positive rate and power are measured by simulation in
`benchmarks/study_statistics.py` (docs/benchmarks.md).
"""

import math

import numpy as np

from keras_smalldata.study._descriptions import describe_arm
from keras_smalldata.study._frame import select
from keras_smalldata.study.summary import summarize

ALPHA = 0.05
# The smallest gap between two arms the study means to resolve: a 95%
# interval wider than +-RESOLUTION, or fewer than MIN_REPEATS repeats, makes
# the verdict at that size underpowered.
RESOLUTION = 0.02
MIN_REPEATS = 3
COLUMNS = (
    "size",
    "deep_arm",
    "deep_mean",
    "traditional_arm",
    "traditional_mean",
    "difference",
    "ci_low",
    "ci_high",
    "half_width",
    "t",
    "p",
    "n_repeats",
    "pool_fraction",
    "underpowered",
    "repeats_needed",
    "sentence",
    "note",
)


def deep_vs_traditional(results, metric="accuracy"):
    """Tests the best deep arm against the strongest traditional arm per size.

    At each size, the deep and the traditional arm with the highest mean are
    compared on their paired repeats (same training subset and test set) with
    a two-sided t-test whose variance is corrected for the overlap of the
    repeats' labelled pools (`pool_ttest`): each repeat's pool is a fraction
    `f` of the samples, read from the results as the largest size's `n_train`
    over `n_train + n_test`.

    Both arms are picked as the best of their kind on the same repeats the
    test then uses, so the p-values are somewhat optimistic.

    A size's verdict is `underpowered` when fewer than 3 repeats were run or
    the 95% interval's half-width exceeds 0.02: the study cannot then resolve
    a gap of 0.02. `repeats_needed` estimates, from the observed spread, how
    many repeats would bring the half-width to 0.02 (`inf` when no number of
    repeats would, as the pools' overlap puts a floor under the variance).

    Args:
        results: a `StudyResult`, or its `scores` (a pandas DataFrame) with
            the columns `n_train` and `n_test`.
        metric: str. The metric to compare (higher is better). Defaults to
            `"accuracy"`.

    Returns:
        pandas DataFrame with one row per size that has both kinds of arm, and
        the columns `size`, `deep_arm`, `deep_mean`, `traditional_arm`,
        `traditional_mean`, `difference` (deep minus traditional), `ci_low`,
        `ci_high` (its 95% interval), `half_width`, `t`, `p`, `n_repeats`,
        `pool_fraction`, `underpowered`, `repeats_needed`, `sentence` (the
        verdict in words, from these figures) and `note`. `p` and the
        interval are NaN with fewer than two paired repeats.

    Raises:
        ValueError: if `results` lacks `n_train` or `n_test`, or another column.

    Example:

    >>> x, y = keras_smalldata.datasets.load_wine()
    >>> result = keras_smalldata.study.run_study(
    ...     x, y, per_class=[5], arms=["knn", "scratch"], repeats=2, epochs=1,
    ...     progress=False,
    ... )
    >>> tests = keras_smalldata.study.deep_vs_traditional(result)
    >>> tests[["size", "deep_arm", "traditional_arm", "n_repeats"]].values.tolist()
    [[5, 'scratch', 'knn', 2]]
    >>> bool(0 <= tests["p"][0] <= 1), bool(tests["underpowered"][0])
    (True, True)
    >>> tests["sentence"][0].startswith("With 5 labelled samples per class, ")
    True
    """
    import pandas as pd

    from keras_smalldata._statistics import pool_ttest

    rows, data_kind = select(results, metric)
    missing = [c for c in ("n_train", "n_test") if c not in rows.columns]
    if missing:
        raise ValueError(
            "The verdict's t-test needs the training and test set sizes of "
            f"every repeat in the columns 'n_train' and 'n_test'. Missing: "
            f"{missing}. Received columns: {list(rows.columns)}"
        )
    fraction = pool_fraction(rows)
    summary = summarize(rows, metric).dropna(subset=["mean"])
    records = []
    for size, group in summary.groupby("size", sort=True):
        deep = group[group["kind"] == "deep"]
        traditional = group[group["kind"] == "traditional"]
        if deep.empty or traditional.empty:
            continue
        best_deep = deep.loc[deep["mean"].idxmax()]
        best_traditional = traditional.loc[traditional["mean"].idxmax()]
        arms = [best_deep["arm"], best_traditional["arm"]]
        paired = rows[(rows["size"] == size) & rows["arm"].isin(arms)]
        scores = paired.pivot_table(
            index="repeat", columns="arm", values="value", aggfunc="mean"
        ).reindex(columns=arms)
        differences = (scores[arms[0]] - scores[arms[1]]).to_numpy()
        test = pool_ttest(differences, fraction)
        half_width = (test["ci_high"] - test["ci_low"]) / 2
        k = test["n_folds"]
        record = {
            "size": size,
            "deep_arm": arms[0],
            "deep_mean": best_deep["mean"],
            "traditional_arm": arms[1],
            "traditional_mean": best_traditional["mean"],
            "difference": test["mean_difference"],
            "ci_low": test["ci_low"],
            "ci_high": test["ci_high"],
            "half_width": half_width,
            "t": test["t"],
            "p": test["p"],
            "n_repeats": k,
            "pool_fraction": fraction,
            "underpowered": bool(k < MIN_REPEATS or not half_width <= RESOLUTION),
            "repeats_needed": _repeats_needed(differences, fraction),
            "note": test["note"],
        }
        record["sentence"] = sentence(record, data_kind)
        records.append(record)
    return pd.DataFrame.from_records(records, columns=list(COLUMNS))


def pool_fraction(rows):
    """The labelled pool's share of the samples, averaged over the repeats.

    Each repeat's pool is its largest training set: `n_train / (n_train +
    n_test)` at the largest size.
    """
    largest = rows[rows["size"] == rows["size"].max()]
    per_repeat = largest.groupby("repeat")[["n_train", "n_test"]].mean()
    shares = per_repeat["n_train"] / (per_repeat["n_train"] + per_repeat["n_test"])
    return float(shares.mean())


def _repeats_needed(differences, fraction, most=1000):
    """Repeats for a 95% half-width of `RESOLUTION`, at the observed spread.

    NaN with fewer than two finite differences; `inf` when even `most` repeats
    would not do (the pools' overlap puts a floor under the variance).
    """
    from scipy import stats

    differences = np.asarray(differences, dtype=float)
    differences = differences[np.isfinite(differences)]
    if len(differences) < 2:
        return float("nan")
    std = np.std(differences, ddof=1)
    correction = fraction / (1 - fraction)
    for k in range(2, most + 1):
        half_width = stats.t.ppf(0.975, k - 1) * std * math.sqrt(1 / k + correction)
        if half_width <= RESOLUTION:
            return float(k)
    return float("inf")


def sentence(test, data_kind=None):
    """The verdict at one size in plain words, from a row of the verdict.

    Args:
        test: mapping with the columns of `deep_vs_traditional` (but
            `sentence`).
        data_kind: `"images"`, `"tabular"` or `None`: says "images" or
            "samples", and names the deep arms' network.

    Returns:
        str. One sentence on the difference, its interval and p-value, and
        one more when the study is underpowered at that size.
    """
    unit = "images" if data_kind == "images" else "samples"
    start = f"With {test['size']} labelled {unit} per class"
    deep = _named(test["deep_arm"], data_kind)
    traditional = _named(test["traditional_arm"], data_kind)
    difference, k = test["difference"], test["n_repeats"]
    if not math.isfinite(test["p"]):
        return (
            f"{start}, {deep} scored {test['deep_mean']:.3f} and {traditional} "
            f"{test['traditional_mean']:.3f} (difference {difference:+.3f}) on "
            f"{k} repeat(s): too few for a test, which needs at least 2."
        )
    low, high = test["ci_low"], test["ci_high"]
    if test["p"] < ALPHA:
        ahead, behind = (deep, traditional) if difference > 0 else (traditional, deep)
        if difference < 0:
            difference, low, high = -difference, -high, -low
        text = (
            f"{start}, {ahead} is ahead of {behind} by {difference:.3f} "
            f"(95% interval {low:.3f} to {high:.3f}; {format_p(test['p'])})."
        )
    else:
        text = (
            f"{start}, {deep} and {traditional} cannot be told apart: the "
            f"difference is {difference:+.3f} (95% interval {low:+.3f} to "
            f"{high:+.3f}; {format_p(test['p'])})."
        )
    if test["underpowered"]:
        text += " " + _power(test)
    return text


def format_p(p):
    """`p = 0.003`, `p < 0.001`, or `p = –` when there is none."""
    if not math.isfinite(p):
        return "p = –"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _named(arm, data_kind):
    return f"`{arm}` ({describe_arm(arm, data_kind)})"


def _power(test):
    """What the study could resolve at this size, and what would help."""
    k, half_width = test["n_repeats"], test["half_width"]
    if k < MIN_REPEATS:
        text = (
            f"Underpowered: {k} repeats are too few for a usable interval (run "
            f"at least {MIN_REPEATS}); differences smaller than about "
            f"{half_width:.3f} cannot be resolved."
        )
    else:
        text = (
            f"Underpowered: with {k} repeats, differences smaller than about "
            f"{half_width:.3f} cannot be resolved"
        )
        needed = test["repeats_needed"]
        if math.isfinite(needed):
            text += f"; about {needed:.0f} repeats would resolve {RESOLUTION}."
        else:
            text += (
                f"; no number of repeats would resolve {RESOLUTION} at this "
                "spread, as the repeats' pools overlap."
            )
    return text
