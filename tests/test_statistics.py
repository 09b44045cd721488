"""The corrected resampled t-test against published numbers.

Reference: scikit-learn's example "Statistical comparison of models using grid
search" (examples/model_selection/plot_grid_search_stats.py, in the gallery of
scikit-learn 1.3 to 1.9,
https://scikit-learn.org/stable/auto_examples/model_selection/plot_grid_search_stats.html).
It cross-validates SVCs on `make_moons(noise=0.352, random_state=1,
n_samples=100)` with `RepeatedStratifiedKFold(n_splits=10, n_repeats=10,
random_state=0)` and ROC AUC, and compares the RBF kernel (mean 0.9400) with
the linear one (mean 0.9300). It prints:

    Corrected t-value: 0.750
    Corrected p-value: 0.227      (one-sided: "rbf better than linear")
    Uncorrected t-value: 2.611
    Uncorrected p-value: 0.005

and, in its Bayesian section (a Student t posterior with the same location,
scale and degrees of freedom, so the same interval), the 95% interval
[-0.016, 0.036] of the difference.
"""

import numpy as np
import pytest
from scipy import stats
from sklearn.datasets import make_moons
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.svm import SVC

from keras_smalldata._statistics import corrected_ttest, pool_ttest
from keras_smalldata.compare import ModelComparison


@pytest.fixture(scope="module")
def svc_comparison():
    X, y = make_moons(noise=0.352, random_state=1, n_samples=100)
    cv = RepeatedStratifiedKFold(n_splits=10, n_repeats=10, random_state=0)
    estimators = {
        "rbf": SVC(kernel="rbf", random_state=0),
        "linear": SVC(kernel="linear", random_state=0),
    }
    return ModelComparison(estimators, cv=cv, scoring="roc_auc").fit(X, y)


def test_means_match_the_scikit_learn_example(svc_comparison):
    means = svc_comparison.results_["roc_auc_mean"]
    assert means["rbf"] == pytest.approx(0.9400, abs=5e-5)
    assert means["linear"] == pytest.approx(0.9300, abs=5e-5)


def test_corrected_test_matches_the_scikit_learn_example(svc_comparison):
    one_sided = svc_comparison.compare("rbf", "linear", alternative="greater")
    assert one_sided["t"] == pytest.approx(0.750, abs=5e-4)
    assert one_sided["p"] == pytest.approx(0.227, abs=5e-4)
    assert one_sided["df"] == 99
    assert one_sided["ci_low"] == pytest.approx(-0.016, abs=5e-4)
    assert one_sided["ci_high"] == pytest.approx(0.036, abs=5e-4)
    two_sided = svc_comparison.compare("rbf", "linear")
    assert two_sided["p"] == pytest.approx(2 * one_sided["p"])
    assert svc_comparison.significance_.loc["rbf", "linear"] == two_sided["p"]


def test_the_plain_paired_t_test_would_find_a_difference(svc_comparison):
    # The correction is what separates p = 0.227 from the example's
    # uncorrected p = 0.005 on the same differences.
    scores = svc_comparison.fold_scores_.pivot(
        index="fold", columns="estimator", values="score"
    )
    plain = stats.ttest_1samp(scores["rbf"] - scores["linear"], 0.0)
    assert plain.statistic == pytest.approx(2.611, abs=5e-4)
    assert plain.pvalue / 2 == pytest.approx(0.005, abs=5e-4)


def test_edge_cases():
    result = corrected_ttest([0.1], n_train=80, n_test=20)
    assert np.isnan(result["t"]) and "too few" in result["note"]
    constant = corrected_ttest([0.1] * 12, n_train=80, n_test=20)
    assert constant["t"] == np.inf and constant["p"] == 0.0
    assert "identical" in constant["note"]
    zero = corrected_ttest([0.0] * 12, n_train=80, n_test=20)
    assert zero["t"] == 0.0 and zero["p"] == 1.0
    dropped = corrected_ttest([0.1, np.nan, 0.2, 0.0] * 3, n_train=80, n_test=20)
    assert dropped["n_folds"] == 9 and "3 fold(s)" in dropped["note"]
    less = corrected_ttest([-0.1, -0.2, 0.0] * 4, 80, 20, alternative="less")
    assert less["p"] < 0.5 and less["t"] < 0


def test_pool_ttest_inflates_the_variance_by_the_pool_overlap():
    differences = np.array([0.03, 0.01, 0.05, 0.02, 0.04])
    fraction = 0.25
    result = pool_ttest(differences, fraction)
    k = len(differences)
    std_error = np.sqrt(differences.var(ddof=1) * (1 / k + fraction / (1 - fraction)))
    assert result["std_error"] == pytest.approx(std_error)
    assert result["t"] == pytest.approx(differences.mean() / std_error)
    assert result["p"] == pytest.approx(2 * stats.t.sf(result["t"], k - 1))
    half_width = stats.t.ppf(0.975, k - 1) * std_error
    assert result["ci_low"] == pytest.approx(differences.mean() - half_width)
    # Disjoint pools (fraction 0) leave the plain paired t-test.
    plain = stats.ttest_1samp(differences, 0.0)
    assert pool_ttest(differences, 0.0)["p"] == pytest.approx(plain.pvalue)


def test_pool_ttest_one_sided_and_bad_arguments():
    differences = [0.02, 0.03, 0.01]
    greater = pool_ttest(differences, 0.1, alternative="greater")
    assert greater["p"] == pytest.approx(pool_ttest(differences, 0.1)["p"] / 2)
    with pytest.raises(ValueError, match="Received: pool_fraction=1.0"):
        pool_ttest(differences, 1.0)
    with pytest.raises(ValueError, match="Received: alternative='more'"):
        pool_ttest(differences, 0.1, alternative="more")
