"""`learning_curve`: scores of several estimators as their training set grows."""

import numpy as np
import pandas as pd

from keras_smalldata._seeding import seed_from
from keras_smalldata.compare import (
    _estimators,
    _fold,
    _paired_test,
    _plot,
    _results,
    _setup,
    _train_sizes,
)


def learning_curve(
    estimators,
    X,
    y,
    train_sizes,
    *,
    per_class=False,
    groups=None,
    cv=None,
    scoring=None,
    n_jobs=None,
    random_state=None,
    error_score=np.nan,
    verbose=0,
):
    """Scores of every estimator as its training set grows, on identical folds.

    For each fold of `cv`, nested random subsets of the training fold are
    drawn once (seeded by `random_state`) and every estimator is fitted on
    the same subsets and scored on the whole test fold, so the scores at each
    size are paired. Without `per_class`, classification subsets keep the
    class proportions.

    It takes the arguments of `ModelComparison` (`estimators`, `cv`,
    `scoring`, `n_jobs`, `random_state`, `error_score`, `verbose`, with the
    same meaning and defaults), so a comparison's learning curve is
    `learning_curve(X=X, y=y, train_sizes=sizes, **comparison.get_params(
    deep=False))`. It neither reads nor changes a comparison's fitted state.

    Args:
        estimators: dict `{name: estimator}`, or a list of estimators or of
            `(name, estimator)` pairs.
        X: array-like of shape `(n_samples, ...)`. The inputs.
        y: array-like of shape `(n_samples,)`. The targets.
        train_sizes: list of ints (numbers of training samples), of floats
            in `(0, 1]` (fractions of the smallest training fold), or, with
            `per_class=True`, of ints (samples of each class).
        per_class: bool. Whether `train_sizes` count samples per class.
            Defaults to `False`.
        groups: array-like or `None`. Group labels for the splitter.
            Defaults to `None`.
        cv: as in `ModelComparison`. Defaults to `None`.
        scoring: as in `ModelComparison`. Defaults to `None`.
        n_jobs: as in `ModelComparison`. Defaults to `None`.
        random_state: int, `numpy.random.RandomState` or `None`. Seeds the
            default `cv` and the training subsets. Defaults to `None`.
        error_score: as in `ModelComparison`; failures are kept in the
            result's `errors`. Defaults to `np.nan`.
        verbose: as in `ModelComparison`. Defaults to `0`.

    Returns:
        A `LearningCurve`.

    Example:

    >>> x, y = keras_smalldata.datasets.load_breast_cancer()
    >>> baselines = keras_smalldata.compare.default_baselines(random_state=0)
    >>> curve = keras_smalldata.compare.learning_curve(
    ...     {"svc": baselines["svc"], "tree": baselines["decision_tree"]},
    ...     x, y, [5, 20], per_class=True, cv=3, random_state=0,
    ... )
    >>> list(curve.results.columns[:4])
    ['estimator', 'train_size', 'n_train', 'accuracy_mean']
    >>> curve.compare("svc", "tree", train_size=20)["n_folds"]
    3
    """
    setup = _setup.prepare(
        estimators, X, y, groups, cv, scoring, random_state, error_score
    )
    y = setup["y"]
    sizes, to_count = _train_sizes.resolve_train_sizes(
        train_sizes, per_class, setup["splits"], y, setup["task"]
    )
    counts = [to_count(size) for size in sizes]
    rng = np.random.default_rng(seed_from(random_state, "learning_curve"))
    stratify = setup["task"] == "classification"
    subsets = [
        _train_sizes.nested_subsets(train, y, counts, per_class, stratify, rng)
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
                        "fold": fold,
                        "n_train": len(subset),
                        "n_test": len(test),
                    }
                )
                jobs.append((estimator, setup["X"], y, subset, test))
    records, errors = _fold.run_scored(
        labels,
        jobs,
        setup,
        n_jobs,
        verbose,
        error_score,
        "learning_curve",
        "LearningCurve.errors",
    )
    return LearningCurve(
        _results.long_format(labels, records),
        errors=errors,
        per_class=per_class,
        deep_estimators=[
            name for name, est in setup["pairs"] if _estimators.is_deep(est)
        ],
    )


class LearningCurve:
    """Fold scores of several estimators at several training sizes.

    Made by `learning_curve`; a result, like scikit-learn's
    `LearningCurveDisplay`: every table is computed once from `fold_scores`
    when it is made, and nothing changes it afterwards.

    Args:
        fold_scores: `pandas.DataFrame` in long format, one row per estimator,
            training size, fold and metric: `estimator`, `train_size` (as
            requested), `fold`, `n_train` and `n_test` (the sizes of that
            fit), `metric`, `score`, `fit_time`, `score_time`.
        errors: dict. Name of each estimator that failed on some fit -> the
            traceback of its first failure. Defaults to `{}`.
        per_class: bool. Whether `train_size` counts samples per class.
            Defaults to `False`.
        deep_estimators: list of str. The Keras estimators (drawn solid, and
            left out of the traditional ones `beats_traditional_at` compares
            with). Defaults to `()`.

    Attributes:
        fold_scores: the `fold_scores` given.
        results: `pandas.DataFrame`, one row per estimator and size:
            `estimator`, `train_size`, `n_train` (mean number of training
            samples), `<metric>_mean` and `<metric>_std` of each metric over
            the folds, `fit_time_mean` and `score_time_mean`.
        beats_traditional_at: `pandas.Series`. For each estimator, the first
            size at which its mean first metric beats every traditional
            (non-Keras) estimator other than itself (NaN if never).
        errors: dict, as given.
        metrics: list of str. The metrics, the first one tested by default.
        per_class: bool, as given.
        deep_estimators: list of str, as given.

    Example:

    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> x, y = keras_smalldata.datasets.load_breast_cancer()
    >>> curve = keras_smalldata.compare.learning_curve(
    ...     {"tree": DecisionTreeClassifier(random_state=0),
    ...      "dummy": DummyClassifier()},
    ...     x, y, [10, 50], per_class=True, cv=3, random_state=0,
    ... )
    >>> curve.train_sizes, int(curve.beats_traditional_at["tree"])
    ([10, 50], 10)
    >>> curve.compare("tree", "dummy", train_size=50)["mean_difference"] > 0
    True
    """

    def __init__(self, fold_scores, errors=None, per_class=False, deep_estimators=()):
        self.fold_scores = fold_scores
        self.errors = dict(errors or {})
        self.per_class = bool(per_class)
        self.deep_estimators = list(deep_estimators)
        self.metrics = _paired_test.metric_names(fold_scores)
        results = _results.summarise(
            fold_scores, ["estimator", "train_size"], self.metrics
        )
        n_train = fold_scores.groupby(["estimator", "train_size"])["n_train"].mean()
        results.insert(
            2,
            "n_train",
            n_train.reindex(pd.MultiIndex.from_frame(results.iloc[:, :2])).to_numpy(),
        )
        self.results = results
        names = list(fold_scores["estimator"].unique())
        traditional = [name for name in names if name not in self.deep_estimators]
        self.beats_traditional_at = pd.Series(
            _train_sizes.first_size_beating(
                results, self.metrics[0], names, traditional
            ),
            name="beats_traditional_at",
        )

    def __repr__(self):
        names = self.fold_scores["estimator"].unique().tolist()
        return (
            f"LearningCurve(estimators={names}, train_sizes={self.train_sizes}, "
            f"per_class={self.per_class})"
        )

    @property
    def train_sizes(self):
        """The training sizes, as requested, in increasing order."""
        return sorted(self.fold_scores["train_size"].unique().tolist())

    def compare(self, a, b, train_size, metric=None, alternative="two-sided"):
        """Compares two estimators at one training size.

        The Nadeau-Bengio corrected t-test on `score(a) - score(b)` over the
        folds, as `ModelComparison.compare` does, with the numbers of training
        samples of that size.

        Args:
            a: str. Name of the first estimator.
            b: str. Name of the second estimator.
            train_size: one of `train_sizes`.
            metric: str or `None`. The metric. Defaults to `None`, the first.
            alternative: `"two-sided"`, `"greater"` (a scores higher than b)
                or `"less"`. Defaults to `"two-sided"`.

        Returns:
            The dict of `ModelComparison.compare`.
        """
        available = self.train_sizes
        if train_size not in available:
            raise ValueError(
                f"compare expects `train_size` among the learning-curve sizes "
                f"{available}. Received: train_size={train_size!r}"
            )
        scores = self.fold_scores[self.fold_scores["train_size"] == train_size]
        return _paired_test.compare_pair(scores, a, b, metric, alternative)

    def plot(self, metric=None, ax=None):
        """Plots mean and std of `metric` against training size (matplotlib).

        Keras models are drawn solid, traditional ones dashed; log x axis.

        Args:
            metric: str or `None`. The metric. Defaults to the first.
            ax: `matplotlib.axes.Axes` or `None`. Where to draw. Defaults to
                `None`, a new figure (made without pyplot; save it with
                `ax.figure.savefig(path)`).

        Returns:
            The `matplotlib.axes.Axes` drawn on.
        """
        metric = _paired_test.resolve_metric(metric, self.metrics, "plot")
        x_label = "training samples per class" if self.per_class else "training size"
        return _plot.plot_learning_curve(
            self.results, metric, self.deep_estimators, x_label, ax
        )
