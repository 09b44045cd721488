"""The Nadeau-Bengio corrected resampled t-test for paired fold scores.

Scores of two models on the folds of a (repeated) cross-validation are not
independent samples: the training sets overlap, so the plain paired t-test
underestimates the variance and finds differences that are not there.
Nadeau and Bengio (2003, "Inference for the generalization error", Machine
Learning 52:239-281) correct the variance of the mean difference from
`var / k` to `var * (1 / k + n_test / n_train)`. scikit-learn's example
"Statistical comparison of models using grid search" uses the same
correction; `tests/compare/test_corrected_ttest.py` checks against its numbers.
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
    differences = np.asarray(differences, dtype=np.float64)
    finite = np.isfinite(differences)
    notes = []
    if not finite.all():
        notes.append(
            f"{int((~finite).sum())} fold(s) without a score for both models "
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
            f"{k} fold(s): too few for a test; use several folds, ideally "
            "repeated (e.g. RepeatedStratifiedKFold)"
        )
        result["note"] = "; ".join(notes)
        return result

    mean = result["mean_difference"]
    std_error = np.sqrt(np.var(differences, ddof=1) * (1 / k + n_test / n_train))
    df = k - 1
    if np.all(differences == differences[0]):
        # Identical differences on every fold: no spread to test against.
        t = 0.0 if mean == 0 else np.copysign(np.inf, mean)
        notes.append("the differences are identical on every fold")
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
        notes.append(f"only {k} folds: little power, repeat the cv for more")
    result.update(
        std_error=float(std_error),
        t=float(t),
        p=float(p),
        ci_low=float(mean - half_width),
        ci_high=float(mean + half_width),
    )
    result["note"] = "; ".join(notes)
    return result
