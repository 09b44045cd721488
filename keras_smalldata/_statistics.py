"""Paired t-tests for scores of two models on resampled training sets.

Scores of two models on the folds of a (repeated) cross-validation are not
independent samples: the training sets overlap, so the plain paired t-test
underestimates the variance of the mean difference and finds differences that
are not there. Both tests here inflate that variance from `var / k` to
`var * (1 / k + c)`, with a correction `c` for how the folds were drawn:

- `corrected_ttest`: Nadeau and Bengio (2003, "Inference for the
  generalization error", Machine Learning 52:239-281), `c = n_test / n_train`,
  for cross-validation and random train/test splits of one data set.
  scikit-learn's example "Statistical comparison of models using grid search"
  uses the same correction; `tests/test_statistics.py` checks against its
  numbers.
- `pool_ttest`: the study's protocol, where every repeat draws a fresh labelled
  pool of a fraction `f` of the data and tests on all the rest. Two repeats'
  training sets then share a fraction `f` of their samples on average, and
  their test sets are large and paired, so `c = f / (1 - f)` (the
  Nadeau-Bengio form with the overlap of training sets as the correlation).
  Nadeau-Bengio's `n_test / n_train` would be 26 at 5 images per class of
  digits: intervals of +-0.45 on an accuracy, a test that can never conclude.
  `benchmarks/study_statistics.py` measures its false-positive rate and power
  by simulation on digits (docs/benchmarks.md).
"""

import numpy as np
from scipy import stats

ALTERNATIVES = ("two-sided", "greater", "less")


def corrected_ttest(differences, n_train, n_test, alternative="two-sided"):
    """Tests whether the mean of paired fold-score differences is zero.

    Args:
        differences: 1-D array. Score of model a minus score of model b on each
            fold; NaN folds (a failed fit) are dropped.
        n_train: float. Number of training samples per fold (mean over folds).
        n_test: float. Number of test samples per fold (mean over folds).
        alternative: `"two-sided"`, `"greater"` (a better than b) or `"less"`.

    Returns:
        dict with `mean_difference`, `std_error` (corrected), `t`, `df`, `p`,
        `ci_low`, `ci_high` (95% interval of the mean difference), `n_folds`
        and `note` (a string, empty when there is nothing to say).
    """
    return _paired_ttest(differences, n_test / n_train, alternative, "folds")


def pool_ttest(differences, pool_fraction, alternative="two-sided"):
    """Tests paired repeats that each drew a fresh pool of `pool_fraction`.

    Args:
        differences: 1-D array. Score of arm a minus score of arm b on each
            repeat (both trained on the repeat's subset, scored on its test
            set); NaN repeats are dropped.
        pool_fraction: float in `[0, 1)`. The labelled pool's share of all
            samples (training pool / (pool + test)).
        alternative: `"two-sided"`, `"greater"` (a better than b) or `"less"`.

    Returns:
        dict as `corrected_ttest`'s, with the repeats as folds.
    """
    if not 0 <= pool_fraction < 1:
        raise ValueError(
            "`pool_fraction` must be in [0, 1). "
            f"Received: pool_fraction={pool_fraction!r}"
        )
    correction = pool_fraction / (1 - pool_fraction)
    return _paired_ttest(differences, correction, alternative, "repeats")


def _paired_ttest(differences, correction, alternative, unit):
    if alternative not in ALTERNATIVES:
        raise ValueError(
            f"`alternative` must be one of {list(ALTERNATIVES)}. "
            f"Received: alternative={alternative!r}"
        )
    differences = np.asarray(differences, dtype=np.float64)
    finite = np.isfinite(differences)
    notes = []
    if not finite.all():
        notes.append(
            f"{int((~finite).sum())} {unit[:-1]}(s) without a score for both models "
            "were left out"
        )
    differences = differences[finite]
    k = len(differences)
    result = {
        "mean_difference": float(np.mean(differences)) if k else np.nan,
        "std_error": np.nan,
        "t": np.nan,
        "df": k - 1,
        "p": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "n_folds": k,
    }
    if k < 2:
        notes.append(
            f"{k} {unit[:-1]}(s): too few for a test; use several {unit}, "
            "ideally repeated (e.g. RepeatedStratifiedKFold)"
        )
        result["note"] = "; ".join(notes)
        return result

    mean = result["mean_difference"]
    std_error = np.sqrt(np.var(differences, ddof=1) * (1 / k + correction))
    df = k - 1
    if np.all(differences == differences[0]):
        # Identical differences everywhere: no spread to test against.
        t = 0.0 if mean == 0 else np.copysign(np.inf, mean)
        notes.append(f"the differences are identical on every one of the {unit}")
    else:
        t = mean / std_error
    if alternative == "two-sided":
        p = 2 * stats.t.sf(abs(t), df)
    elif alternative == "greater":
        p = stats.t.sf(t, df)
    else:
        p = stats.t.cdf(t, df)
    half_width = stats.t.ppf(0.975, df) * std_error
    if k < 10:
        notes.append(f"only {k} {unit}: little power, repeat for more")
    result.update(
        std_error=float(std_error),
        t=float(t),
        p=float(p),
        ci_low=float(mean - half_width),
        ci_high=float(mean + half_width),
    )
    result["note"] = "; ".join(notes)
    return result
