"""`ModelComparison`: many estimators, identical folds, honest statistics."""

import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.exceptions import FitFailedWarning, NotFittedError
from sklearn.model_selection import RepeatedKFold, RepeatedStratifiedKFold, check_cv
from sklearn.utils.validation import check_consistent_length, check_is_fitted

from keras_smalldata._seeding import seed_from
from keras_smalldata._statistics import ALTERNATIVES, corrected_ttest
from keras_smalldata.compare import (
    _estimators,
    _fold,
    _learning_curve,
    _plot,
    _results,
)


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
            default `cv` and the training subsets of `learning_curve`; it does
            not seed the estimators (give them their own). Defaults to `None`.
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
            fold and metric: `estimator`, `fold`, `metric`, `score`,
            `fit_time`, `score_time`.
        best_estimator_name_: str. Name of the best estimator (first row of
            `results_`).
        significance_: `pandas.DataFrame`. Two-sided p-values of the corrected
            t-test between each pair of estimators on the first metric
            (diagonal: NaN). Not corrected for multiple comparisons.
        errors_: dict. Name of each estimator that failed on some fold -> the
            traceback of its first failure.
        learning_curve_: `pandas.DataFrame`. Set by `learning_curve`.
        learning_curve_scores_: `pandas.DataFrame`. Set by `learning_curve`:
            its scores per fold, in long format.
        beats_traditional_at_: `pandas.Series`. Set by `learning_curve`.

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
        setup = self._setup(X, y, groups)
        labels, jobs = [], []
        for name, estimator in setup["pairs"]:
            for fold, (train, test) in enumerate(setup["splits"]):
                labels.append({"estimator": name, "fold": fold})
                jobs.append((estimator, setup["X"], setup["y"], train, test))
        records = self._run(labels, jobs, setup, "ModelComparison.fit")
        fold_scores = _results.long_format(labels, records)
        self._metrics = setup["metrics"]
        self._sizes = _results.fold_sizes(setup["splits"])
        self.fold_scores_ = fold_scores
        self.results_ = _results.summarise(
            fold_scores, ["estimator"], self._metrics
        ).set_index("estimator")
        self.results_.index.name = None
        self.best_estimator_name_ = self.results_.index[0]
        self.significance_ = self._significance()
        return self

    def _setup(self, X, y, groups):
        pairs = _estimators.named_estimators(self.estimators)
        _estimators.check_error_score(self.error_score)
        if isinstance(X, list):
            X = np.asarray(X)
        y = np.asarray(y)
        check_consistent_length(X, y)
        task = _estimators.infer_task(pairs, y)
        metrics, scorer = _estimators.scorers(self.scoring, task, pairs[0][1])
        splits = [
            (np.asarray(train), np.asarray(test))
            for train, test in self._cv(task, y).split(X, y, groups)
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

    def _cv(self, task, y):
        classification = task == "classification"
        if self.cv is None:
            seed = seed_from(self.random_state, "ModelComparison")
            splitter = RepeatedStratifiedKFold if classification else RepeatedKFold
            return splitter(n_splits=5, n_repeats=3, random_state=seed)
        return check_cv(self.cv, y, classifier=classification)

    def _run(self, labels, jobs, setup, description):
        """Runs the jobs; failed ones get `error_score`, with a warning.

        `labels[i]["estimator"]` is the name of the estimator of `jobs[i]`.
        """
        jobs = [(*job, setup["scorer"], self.error_score) for job in jobs]
        records = _fold.run_jobs(jobs, self.n_jobs, self.verbose, description)
        if all(record["error"] is not None for record in records):
            raise ValueError(
                f"All {len(jobs)} fits failed. The first error:\n{records[0]['error']}"
            )
        failures = {}
        for label, record in zip(labels, records, strict=True):
            if record["error"] is not None:
                failures.setdefault(label["estimator"], []).append(record["error"])
                record["scores"] = dict.fromkeys(setup["metrics"], self.error_score)
        per_estimator = len(jobs) // len(setup["pairs"])
        for name, errors in failures.items():
            last_line = errors[0].strip().splitlines()[-1]
            warnings.warn(
                f"{name}: {len(errors)} of {per_estimator} fits failed; their "
                f"scores are error_score={self.error_score!r}. First error: "
                f"{last_line} (full traceback in errors_[{name!r}])",
                FitFailedWarning,
                stacklevel=3,
            )
        self.errors_ = {name: errors[0] for name, errors in failures.items()}
        return records

    def _significance(self):
        names = list(self.results_.index)
        scores = self.fold_scores_[self.fold_scores_["metric"] == self._metrics[0]]
        by_fold = scores.pivot(index="fold", columns="estimator", values="score")
        by_fold = by_fold[names].to_numpy()
        matrix = np.full((len(names), len(names)), np.nan)
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                differences = by_fold[:, i] - by_fold[:, j]
                p = corrected_ttest(differences, *self._sizes)["p"]
                matrix[i, j] = matrix[j, i] = p
        return pd.DataFrame(matrix, index=names, columns=names)

    # -- compare ---------------------------------------------------------------

    def compare(self, a, b, metric=None, alternative="two-sided", train_size=None):
        """Compares two estimators on their paired fold scores.

        Uses the Nadeau-Bengio corrected resampled t-test on the differences
        `score(a) - score(b)` over the shared folds.

        Args:
            a: str. Name of the first estimator.
            b: str. Name of the second estimator.
            metric: str or `None`. The metric. Defaults to `None`, the first.
            alternative: `"two-sided"`, `"greater"` (a scores higher than b)
                or `"less"`. Defaults to `"two-sided"`.
            train_size: size from the last `learning_curve`, or `None`. If
                given, compares the scores of that learning-curve size instead
                of those of `fit`. Defaults to `None`.

        Returns:
            dict with `a`, `b`, `metric`, `mean_a`, `mean_b`,
            `mean_difference` (a - b), `std_error` (corrected), `t`, `df`,
            `p`, `ci_low` and `ci_high` (95% confidence interval of the mean
            difference), `n_folds`, and `note`: a remark on the test (e.g. too
            few folds: then `t` and `p` are NaN), or an empty string.
        """
        if train_size is None:
            check_is_fitted(self, "fold_scores_")
            scores, sizes = self.fold_scores_, self._sizes
        else:
            if not hasattr(self, "learning_curve_scores_"):
                raise NotFittedError(
                    "compare(train_size=...) needs learning_curve to be run "
                    f"first. Received: train_size={train_size!r}"
                )
            scores = self.learning_curve_scores_
            available = sorted(scores["train_size"].unique())
            if train_size not in available:
                raise ValueError(
                    f"compare expects `train_size` among the learning-curve "
                    f"sizes {available}. Received: train_size={train_size!r}"
                )
            scores = scores[scores["train_size"] == train_size]
            sizes = self._curve_sizes[train_size]
        names = list(scores["estimator"].unique())
        for arg, name in (("a", a), ("b", b)):
            if name not in names:
                raise ValueError(
                    f"compare expects estimator names among {names}. "
                    f"Received: {arg}={name!r}"
                )
        metric = self._metrics[0] if metric is None else metric
        if metric not in self._metrics:
            raise ValueError(
                f"compare expects a metric among {self._metrics}. "
                f"Received: metric={metric!r}"
            )
        if alternative not in ALTERNATIVES:
            raise ValueError(
                f"compare expects `alternative` among {list(ALTERNATIVES)}. "
                f"Received: alternative={alternative!r}"
            )
        scores = scores[scores["metric"] == metric]
        by_fold = scores.pivot(index="fold", columns="estimator", values="score")
        result = corrected_ttest(
            by_fold[a] - by_fold[b], *sizes, alternative=alternative
        )
        return {
            "a": a,
            "b": b,
            "metric": metric,
            "mean_a": float(by_fold[a].mean()),
            "mean_b": float(by_fold[b].mean()),
            **result,
        }

    # -- learning curve ------------------------------------------------------

    def learning_curve(self, X, y, train_sizes, per_class=False, groups=None):
        """Scores of every estimator as its training set grows.

        For each fold of `cv`, nested random subsets of the training fold are
        drawn once (seeded by `random_state`) and every estimator is fitted on
        the same subsets and scored on the whole test fold. Without
        `per_class`, classification subsets keep the class proportions.

        Args:
            X: array-like of shape `(n_samples, ...)`. The inputs.
            y: array-like of shape `(n_samples,)`. The targets.
            train_sizes: list of ints (numbers of training samples), of floats
                in `(0, 1]` (fractions of the smallest training fold), or, with
                `per_class=True`, of ints (samples of each class).
            per_class: bool. Whether `train_sizes` count samples per class.
                Defaults to `False`.
            groups: array-like or `None`. Group labels for the splitter.
                Defaults to `None`.

        Returns:
            `pandas.DataFrame`, one row per estimator and size: `estimator`,
            `train_size` (as requested), `n_train` (mean number of training
            samples), `<metric>_mean` and `<metric>_std` of each metric,
            `fit_time_mean` and `score_time_mean`. Also stored as
            `learning_curve_`; the scores per fold go to
            `learning_curve_scores_`, and `beats_traditional_at_` gets, for
            each estimator, the first size at which its mean first metric beats
            every traditional (non-Keras) estimator other than itself (NaN if
            never).
        """
        setup = self._setup(X, y, groups)
        y = setup["y"]
        sizes, to_count = _learning_curve.resolve_train_sizes(
            train_sizes, per_class, setup["splits"], y, setup["task"]
        )
        counts = [to_count(size) for size in sizes]
        rng = np.random.default_rng(seed_from(self.random_state, "ModelComparison"))
        stratify = setup["task"] == "classification"
        subsets = [
            _learning_curve.nested_subsets(train, y, counts, per_class, stratify, rng)
            for train, _ in setup["splits"]
        ]
        labels, jobs = [], []
        for name, estimator in setup["pairs"]:
            for fold, (_, test) in enumerate(setup["splits"]):
                for size, subset in zip(sizes, subsets[fold], strict=True):
                    labels.append(
                        {
                            "estimator": name,
                            "train_size": size,
                            "n_train": len(subset),
                            "fold": fold,
                        }
                    )
                    jobs.append((estimator, setup["X"], y, subset, test))
        records = self._run(labels, jobs, setup, "ModelComparison.learning_curve")
        scores = _results.long_format(labels, records)
        self._metrics = setup["metrics"]
        curve = _results.summarise(scores, ["estimator", "train_size"], self._metrics)
        test_size = np.mean([len(test) for _, test in setup["splits"]])
        self._curve_sizes = {
            size: (np.mean([len(subset[s]) for subset in subsets]), test_size)
            for s, size in enumerate(sizes)
        }
        n_train = [self._curve_sizes[size][0] for size in curve["train_size"]]
        curve.insert(2, "n_train", n_train)
        self._curve_per_class = per_class
        self._deep = [name for name, est in setup["pairs"] if _estimators.is_deep(est)]
        traditional = [name for name, _ in setup["pairs"] if name not in self._deep]
        self.learning_curve_scores_ = scores
        self.learning_curve_ = curve
        self.beats_traditional_at_ = pd.Series(
            _learning_curve.first_size_beating(
                curve,
                self._metrics[0],
                [name for name, _ in setup["pairs"]],
                traditional,
            ),
            name="beats_traditional_at",
        )
        return curve

    # -- plot ----------------------------------------------------------------

    def plot(self, kind="scores", metric=None, ax=None):
        """Plots the fold scores or the learning curves (needs matplotlib).

        Args:
            kind: `"scores"` (fold scores of `fit`, best on top) or
                `"learning_curve"` (mean and std per size; Keras models solid,
                traditional ones dashed). Defaults to `"scores"`.
            metric: str or `None`. The metric. Defaults to the first.
            ax: `matplotlib.axes.Axes` or `None`. Where to draw. Defaults to
                `None`, a new figure (made without pyplot; save it with
                `ax.figure.savefig(path)`).

        Returns:
            The `matplotlib.axes.Axes` drawn on.
        """
        if kind not in ("scores", "learning_curve"):
            raise ValueError(
                "plot expects kind='scores' or kind='learning_curve'. "
                f"Received: kind={kind!r}"
            )
        attribute = "fold_scores_" if kind == "scores" else "learning_curve_"
        if not hasattr(self, attribute):
            raise NotFittedError(
                f"plot(kind={kind!r}) needs "
                f"{'fit' if kind == 'scores' else 'learning_curve'} to be run "
                "first."
            )
        metric = self._metrics[0] if metric is None else metric
        if metric not in self._metrics:
            raise ValueError(
                f"plot expects a metric among {self._metrics}. "
                f"Received: metric={metric!r}"
            )
        if kind == "scores":
            return _plot.plot_scores(
                self.fold_scores_, list(self.results_.index), metric, ax
            )
        x_label = (
            "training samples per class" if self._curve_per_class else "training size"
        )
        return _plot.plot_learning_curve(
            self.learning_curve_, metric, self._deep, x_label, ax
        )
