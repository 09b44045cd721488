"""`ModelComparison`: many estimators, identical folds, honest statistics."""

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from keras_smalldata.compare import _fold, _paired_test, _plot, _results, _setup


class ModelComparison(BaseEstimator):
    """Cross-validates several estimators on identical folds and compares them.

    Every estimator (a Keras model wrapped in `KerasClassifier`, an SVM, a
    random forest, ...) is cloned, fitted and scored on the same folds, so the
    fold scores are paired and two models can be compared with a paired test.
    The test is the Nadeau-Bengio corrected resampled t-test, which accounts
    for the overlap of the training sets across folds (a plain paired t-test
    on fold scores finds differences that are not there).

    Nothing is fitted on test data: each clone is fitted on its training fold
    only, so scalers, `adapt`-ed preprocessing layers or generative models
    inside an estimator (e.g. a `Pipeline`) see training samples only.

    Jobs (one per estimator and fold) run through joblib: `n_jobs` processes
    on this machine, or, inside `with joblib.parallel_backend("dask"):`, the
    workers of a Dask cluster.

    Args:
        estimators: dict `{name: estimator}`, or a list of estimators (named
            after their class) or of `(name, estimator)` pairs.
        cv: int, cross-validation splitter, iterable of `(train, test)` index
            arrays, or `None`. An int `k` means (stratified) k-fold, as in
            scikit-learn. Defaults to `None`: `RepeatedStratifiedKFold(
            n_splits=5, n_repeats=3)` for classification, `RepeatedKFold` with
            the same numbers for regression, seeded by `random_state`.
        scoring: str, callable scorer, list of str, dict `{name: scorer}`, or
            `None`. The metrics; the first one ranks the estimators and is
            tested by default. Greater is better, as in scikit-learn (use
            `"neg_mean_squared_error"`, not `"mean_squared_error"`). Defaults
            to `None`: `"accuracy"` for classification, `"r2"` for regression.
        n_jobs: int or `None`. Number of parallel jobs, as in joblib. Defaults
            to `None` (1, unless inside a `joblib.parallel_backend` context).
        random_state: int, `numpy.random.RandomState` or `None`. Seeds the
            default `cv`; it does not seed the estimators (give them their
            own). Defaults to `None`.
        error_score: `"raise"` or a number. Score of a fold whose fit or
            scoring fails; the failure is reported by a `FitFailedWarning` and
            kept in `errors_`, and the other estimators carry on. With
            `"raise"`, the error propagates. Defaults to `np.nan`.
        verbose: int. If positive, shows a tqdm progress bar. Defaults to `0`.

    Attributes:
        results_: `pandas.DataFrame`, one row per estimator (index: name),
            best first: `<metric>_mean` and `<metric>_std` of each metric over
            the folds, `fit_time_mean` and `score_time_mean` (seconds).
        fold_scores_: `pandas.DataFrame` in long format, one row per estimator,
            fold and metric: `estimator`, `fold`, `n_train` and `n_test` (the
            fold's sizes), `metric`, `score`, `fit_time`, `score_time`.
        best_estimator_name_: str. Name of the best estimator (first row of
            `results_`).
        significance_: `pandas.DataFrame`. Two-sided p-values of the corrected
            t-test between each pair of estimators on the first metric
            (diagonal: NaN). Not corrected for multiple comparisons.
        errors_: dict. Name of each estimator that failed on some fold -> the
            traceback of its first failure (`{}` if none failed). With the
            default `error_score`, exactly the estimators whose `results_`
            rows are NaN.

    Every attribute is set by `fit`, and only by it: a learning curve is its
    own object (`keras_smalldata.compare.learning_curve`). Before `fit`,
    reading one raises `sklearn.exceptions.NotFittedError`.

    Example:

    >>> x, y = keras_smalldata.datasets.load_breast_cancer()
    >>> baselines = keras_smalldata.compare.default_baselines(random_state=0)
    >>> comparison = keras_smalldata.compare.ModelComparison(
    ...     {"svc": baselines["svc"], "tree": baselines["decision_tree"]},
    ...     random_state=0,
    ... ).fit(x, y)
    >>> comparison.best_estimator_name_, list(comparison.results_)[:2]
    ('svc', ['accuracy_mean', 'accuracy_std'])
    >>> comparison.compare("svc", "tree")["p"] < 0.05
    True
    """

    def __init__(
        self,
        estimators,
        cv=None,
        scoring=None,
        n_jobs=None,
        random_state=None,
        error_score=np.nan,
        verbose=0,
    ):
        self.estimators = estimators
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.error_score = error_score
        self.verbose = verbose

    def __getattr__(self, name):
        # Only called when `name` is not set: a fitted attribute before `fit`
        # (or after a failed first `fit`) says so, as `check_is_fitted` does.
        # `NotFittedError` is an `AttributeError`, so `hasattr` stays False.
        if name in _FITTED_ATTRIBUTES:
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet: "
                f"`{name}` is set by `fit`. Call 'fit' with appropriate "
                "arguments before using this estimator."
            )
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r}"
        )

    # -- fit -----------------------------------------------------------------

    def fit(self, X, y, groups=None):
        """Cross-validates every estimator on the same folds.

        Args:
            X: array-like of shape `(n_samples, ...)`, e.g. a table, a
                DataFrame or a batch of images, as the estimators accept it.
            y: array-like of shape `(n_samples,)`. The targets.
            groups: array-like of shape `(n_samples,)` or `None`. Group labels
                for group splitters such as `GroupKFold`. Defaults to `None`.

        Returns:
            `self`.
        """
        setup = _setup.prepare(
            self.estimators,
            X,
            y,
            groups,
            self.cv,
            self.scoring,
            self.random_state,
            self.error_score,
        )
        labels, jobs = [], []
        for name, estimator in setup["pairs"]:
            for fold, (train, test) in enumerate(setup["splits"]):
                labels.append(
                    {
                        "estimator": name,
                        "fold": fold,
                        "n_train": len(train),
                        "n_test": len(test),
                    }
                )
                jobs.append((estimator, setup["X"], setup["y"], train, test))
        records, errors = _fold.run_scored(
            labels,
            jobs,
            setup,
            self.n_jobs,
            self.verbose,
            self.error_score,
            "ModelComparison.fit",
            "errors_",
        )
        fold_scores = _results.long_format(labels, records)
        results = _results.summarise(fold_scores, ["estimator"], setup["metrics"])
        results = results.set_index("estimator")
        results.index.name = None
        significance = _paired_test.significance(
            fold_scores, list(results.index), setup["metrics"][0]
        )
        # Set together, once everything is computed: a failed `fit` leaves
        # the previous state whole.
        self.fold_scores_ = fold_scores
        self.results_ = results
        self.errors_ = errors
        self.best_estimator_name_ = results.index[0]
        self.significance_ = significance
        return self

    # -- compare ---------------------------------------------------------------

    def compare(self, a, b, metric=None, alternative="two-sided"):
        """Compares two estimators on their paired fold scores.

        Uses the Nadeau-Bengio corrected resampled t-test on the differences
        `score(a) - score(b)` over the shared folds. (To compare them at one
        size of a learning curve: `LearningCurve.compare`.)

        Args:
            a: str. Name of the first estimator.
            b: str. Name of the second estimator.
            metric: str or `None`. The metric. Defaults to `None`, the first.
            alternative: `"two-sided"`, `"greater"` (a scores higher than b)
                or `"less"`. Defaults to `"two-sided"`.

        Returns:
            dict with `a`, `b`, `metric`, `mean_a`, `mean_b`,
            `mean_difference` (a - b), `std_error` (corrected), `t`, `df`,
            `p`, `ci_low` and `ci_high` (95% confidence interval of the mean
            difference), `n_folds`, and `note`: a remark on the test (e.g. too
            few folds: then `t` and `p` are NaN), or an empty string.
        """
        check_is_fitted(self)
        return _paired_test.compare_pair(self.fold_scores_, a, b, metric, alternative)

    # -- plot ----------------------------------------------------------------

    def plot(self, metric=None, ax=None):
        """Plots the fold scores of every estimator, best on top (matplotlib).

        (Learning curves: `LearningCurve.plot`.)

        Args:
            metric: str or `None`. The metric. Defaults to the first.
            ax: `matplotlib.axes.Axes` or `None`. Where to draw. Defaults to
                `None`, a new figure (made without pyplot; save it with
                `ax.figure.savefig(path)`).

        Returns:
            The `matplotlib.axes.Axes` drawn on.
        """
        check_is_fitted(self)
        metrics = _paired_test.metric_names(self.fold_scores_)
        metric = _paired_test.resolve_metric(metric, metrics, "plot")
        return _plot.plot_scores(
            self.fold_scores_, list(self.results_.index), metric, ax
        )


# What `fit` sets; read before it, each raises `NotFittedError`.
_FITTED_ATTRIBUTES = frozenset(
    {
        "results_",
        "fold_scores_",
        "best_estimator_name_",
        "significance_",
        "errors_",
    }
)
