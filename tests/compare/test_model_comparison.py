import os
import warnings

import numpy as np
import pandas as pd
import pytest
from _compare_builders import mlp_classifier
from _compare_recorders import (
    RecordingClassifier,
    RecordingScaler,
    adapting_classifier,
    read,
)
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import make_classification, make_regression
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import FitFailedWarning, NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    RepeatedKFold,
    RepeatedStratifiedKFold,
    StratifiedKFold,
    cross_validate,
)
from sklearn.pipeline import make_pipeline
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from keras_smalldata.compare import KerasClassifier, ModelComparison
from keras_smalldata.compare._estimators import is_deep
from keras_smalldata.compare._learning_curve import first_size_beating


def _data(n=90, seed=0):
    X, y = make_classification(
        n_samples=n,
        n_features=4,
        n_informative=3,
        n_redundant=0,
        n_classes=3,
        flip_y=0,
        random_state=seed,
    )
    return X, y


def _with_ids(X):
    """Prepends each sample's id as column 0 (read by the recorders)."""
    return np.column_stack([np.arange(len(X)), X])


def _trees():
    return {
        "tree": DecisionTreeClassifier(random_state=0),
        "stump": DecisionTreeClassifier(max_depth=1, random_state=0),
        "dummy": DummyClassifier(),
    }


class FailingClassifier(ClassifierMixin, BaseEstimator):
    """Fails to fit when the training set holds sample 0 (column 0 is the id)."""

    def __init__(self, always=False):
        self.always = always

    def fit(self, X, y):
        if self.always or 0 in np.asarray(X)[:, 0]:
            raise RuntimeError("boom on sample 0")
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def test_results_and_fold_scores():
    X, y = _data()
    comparison = ModelComparison(
        _trees(), scoring=["accuracy", "f1_macro"], random_state=0
    ).fit(X, y)
    results = comparison.results_
    assert list(results.columns) == [
        "accuracy_mean",
        "accuracy_std",
        "f1_macro_mean",
        "f1_macro_std",
        "fit_time_mean",
        "score_time_mean",
    ]
    assert list(results["accuracy_mean"]) == sorted(results["accuracy_mean"])[::-1]
    assert comparison.best_estimator_name_ == results.index[0] == "tree"
    scores = comparison.fold_scores_
    # Default cv: 5 folds x 3 repeats, for 3 estimators and 2 metrics.
    assert len(scores) == 3 * 15 * 2
    assert list(scores.columns) == [
        "estimator",
        "fold",
        "metric",
        "score",
        "fit_time",
        "score_time",
    ]
    tree = scores[(scores.estimator == "tree") & (scores.metric == "accuracy")]
    assert results.loc["tree", "accuracy_mean"] == pytest.approx(tree.score.mean())
    assert results.loc["tree", "accuracy_std"] == pytest.approx(tree.score.std(ddof=0))
    assert comparison.errors_ == {}


def test_scores_equal_cross_validate_on_the_same_folds():
    X, y = _data()
    cv = RepeatedStratifiedKFold(n_splits=3, n_repeats=2, random_state=1)
    comparison = ModelComparison(_trees(), cv=cv).fit(X, y)
    for name, estimator in _trees().items():
        expected = cross_validate(estimator, X, y, cv=cv)["test_score"]
        scores = comparison.fold_scores_
        got = scores[scores.estimator == name].score
        np.testing.assert_allclose(got, expected)


def test_default_cv_and_scoring_follow_the_task():
    X, y = make_regression(n_samples=40, n_features=3, random_state=0)
    comparison = ModelComparison(
        {"tree": DecisionTreeRegressor(random_state=0), "ridge": Ridge()},
        random_state=0,
    ).fit(X, y)
    assert list(comparison.results_.columns[:2]) == ["r2_mean", "r2_std"]
    assert comparison.best_estimator_name_ == "ridge"
    folds = comparison.fold_scores_.fold.unique()
    assert len(folds) == 15  # RepeatedKFold(5, 3)
    expected = cross_validate(
        Ridge(), X, y, cv=RepeatedKFold(n_splits=5, n_repeats=3, random_state=0)
    )["test_score"]
    np.testing.assert_allclose(
        comparison.fold_scores_.query("estimator == 'ridge'").score, expected
    )


def test_estimators_as_a_list_are_named_after_their_class():
    X, y = _data()
    comparison = ModelComparison(
        [
            DecisionTreeClassifier(),
            DecisionTreeClassifier(max_depth=1),
            ("lr", LogisticRegression()),
        ],
        cv=2,
    ).fit(X, y)
    assert sorted(comparison.results_.index) == [
        "DecisionTreeClassifier",
        "DecisionTreeClassifier-2",
        "lr",
    ]


def test_no_leakage_every_fit_sees_its_training_fold_only(tmp_path):
    X, y = _data()
    X = _with_ids(X)
    cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    folds = [(set(train), set(test)) for train, test in cv.split(X, y)]
    estimators = {
        "pipeline": make_pipeline(
            RecordingScaler(str(tmp_path)), RecordingClassifier(str(tmp_path))
        ),
        "keras": KerasClassifier(
            adapting_classifier, epochs=1, batch_size=512, model__log_dir=str(tmp_path)
        ),
    }
    ModelComparison(estimators, cv=cv).fit(X, y)

    train_sets = [train for train, _ in folds]
    for kind in ("fit_scaler", "fit_classifier", "fit_adapt"):
        seen = [ids for _, ids, _ in read(tmp_path, kind)]
        # Each estimator fitted once per fold, on exactly that training fold.
        assert sorted(map(sorted, seen)) == sorted(map(sorted, train_sets)), kind
    fitted = {fit_id: ids for fit_id, ids, _ in read(tmp_path, "fit_classifier")}
    for fit_id, predicted, _ in read(tmp_path, "predict_classifier"):
        assert not predicted & fitted[fit_id]
        assert (fitted[fit_id], predicted) in folds


def test_failing_estimator_does_not_stop_the_others():
    X, y = _data()
    X = _with_ids(X)
    estimators = {"failing": FailingClassifier(), "tree": DecisionTreeClassifier()}
    cv = KFold(n_splits=3)  # sample 0 is in the training set of 2 folds of 3
    with pytest.warns(FitFailedWarning, match="failing: 2 of 3 fits failed"):
        comparison = ModelComparison(estimators, cv=cv).fit(X, y)
    assert comparison.best_estimator_name_ == "tree"
    assert np.isnan(comparison.results_.loc["failing", "accuracy_mean"])
    assert (
        comparison.fold_scores_.query("estimator == 'failing'").score.isna().sum() == 2
    )
    assert "RuntimeError: boom on sample 0" in comparison.errors_["failing"]
    assert "Traceback" in comparison.errors_["failing"]
    assert list(comparison.errors_) == ["failing"]

    with pytest.warns(FitFailedWarning):
        zero = ModelComparison(estimators, cv=cv, error_score=0).fit(X, y)
    failing = zero.fold_scores_.query("estimator == 'failing'").score
    assert sorted(failing)[:2] == [0, 0]

    with pytest.raises(RuntimeError, match="boom"):
        ModelComparison(estimators, cv=cv, error_score="raise").fit(X, y)
    with pytest.raises(ValueError, match="All 3 fits failed"):
        ModelComparison([FailingClassifier(always=True)], cv=cv).fit(X, y)


def test_parallel_jobs_give_the_same_results(tmp_path):
    X, y = _data()
    X = _with_ids(X)
    estimators = {**_trees(), "recorder": RecordingClassifier(str(tmp_path))}
    sequential = ModelComparison(estimators, cv=3, random_state=0).fit(X, y)
    parallel = ModelComparison(estimators, cv=3, random_state=0, n_jobs=2).fit(X, y)
    pd.testing.assert_frame_equal(
        sequential.fold_scores_.drop(columns=["fit_time", "score_time"]),
        parallel.fold_scores_.drop(columns=["fit_time", "score_time"]),
    )
    pids = {pid for _, _, pid in read(tmp_path, "fit_classifier")}
    assert pids - {os.getpid()}  # some fits ran in worker processes


def test_verbose_shows_a_progress_bar(capsys):
    X, y = _data()
    ModelComparison(_trees(), cv=2, verbose=1).fit(X, y)
    assert "6/6" in capsys.readouterr().err


def test_compare_and_significance():
    X, y = _data()
    comparison = ModelComparison(_trees(), random_state=0).fit(X, y)
    result = comparison.compare("tree", "dummy")
    assert result["a"] == "tree" and result["metric"] == "accuracy"
    assert result["n_folds"] == 15 and result["df"] == 14
    assert result["mean_difference"] == pytest.approx(
        result["mean_a"] - result["mean_b"]
    )
    assert result["p"] < 0.01 and result["ci_low"] > 0 and result["note"] == ""
    reverse = comparison.compare("dummy", "tree", alternative="greater")
    assert reverse["t"] == pytest.approx(-result["t"]) and reverse["p"] > 0.99

    significance = comparison.significance_
    assert list(significance.index) == list(comparison.results_.index)
    np.testing.assert_array_equal(significance.to_numpy(), significance.to_numpy().T)
    assert significance.isna().to_numpy().diagonal().all()
    assert significance.loc["tree", "dummy"] == pytest.approx(result["p"])


def test_compare_notes_too_few_folds():
    X, y = _data()
    split = [(np.arange(60), np.arange(60, 90))]
    comparison = ModelComparison(_trees(), cv=split).fit(X, y)
    result = comparison.compare("tree", "stump")
    assert result["n_folds"] == 1 and np.isnan(result["p"])
    assert "too few" in result["note"]
    assert (
        "little power"
        in ModelComparison(_trees(), cv=3).fit(X, y).compare("tree", "stump")["note"]
    )


def test_compare_errors():
    X, y = _data()
    with pytest.raises(NotFittedError):
        ModelComparison(_trees()).compare("tree", "stump")
    comparison = ModelComparison(_trees(), cv=2).fit(X, y)
    with pytest.raises(ValueError, match="Received: b='forest'"):
        comparison.compare("tree", "forest")
    with pytest.raises(ValueError, match="Received: metric='r2'"):
        comparison.compare("tree", "stump", metric="r2")
    with pytest.raises(ValueError, match="Received: alternative='bigger'"):
        comparison.compare("tree", "stump", alternative="bigger")
    with pytest.raises(NotFittedError, match="Received: train_size=5"):
        comparison.compare("tree", "stump", train_size=5)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"estimators": {}}, "Received: estimators=\\{\\}"),
        ({"estimators": DecisionTreeClassifier()}, "Received: estimators=Deci"),
        ({"estimators": {"a": "tree"}}, "Received: a='tree'"),
        ({"estimators": {"": DummyClassifier()}}, "Received: name=''"),
        ({"estimators": [("a", Ridge()), ("a", Ridge())]}, "Received: \\['a', 'a'\\]"),
        (
            {"estimators": [DummyClassifier(), Ridge()]},
            "Received: classifiers \\['DummyClassifier'\\] and regressors",
        ),
        ({"scoring": 3}, "Received: scoring=3"),
        ({"scoring": "accuracy_score"}, "Received: scoring='accuracy_score'"),
        ({"error_score": "ignore"}, "Received: error_score='ignore'"),
        ({"random_state": "seed"}, "Received: random_state='seed'"),
    ],
)
def test_invalid_parameters_fail_in_fit(kwargs, match):
    comparison = ModelComparison(**{"estimators": _trees(), **kwargs})
    X, y = _data()
    with pytest.raises(ValueError, match=match):
        comparison.fit(X, y)


def test_learning_curve_uses_the_same_nested_subsets(tmp_path):
    X, y = _data(n=120)
    X = _with_ids(X)
    estimators = {
        "a": RecordingClassifier(str(tmp_path), role="a"),
        "b": RecordingClassifier(str(tmp_path), role="b"),
    }
    cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    train_folds = [set(train) for train, _ in cv.split(X, y)]
    test_folds = [set(test) for _, test in cv.split(X, y)]
    comparison = ModelComparison(estimators, cv=cv, random_state=0)
    curve = comparison.learning_curve(X, y, train_sizes=[2, 5, 10], per_class=True)

    assert list(curve.columns[:3]) == ["estimator", "train_size", "n_train"]
    assert list(curve.train_size) == [2, 5, 10] * 2
    assert list(curve.n_train) == [6, 15, 30] * 2
    subsets_a = sorted(map(sorted, (ids for _, ids, _ in read(tmp_path, "fit_a"))))
    subsets_b = sorted(map(sorted, (ids for _, ids, _ in read(tmp_path, "fit_b"))))
    assert subsets_a == subsets_b and len(subsets_a) == 9
    for subset in map(set, subsets_a):
        inside = [train for train in train_folds if subset <= train]
        assert len(inside) == 1
        assert np.all(np.bincount(y[sorted(subset)]) == len(subset) // 3)
    # Nested: within a fold, each subset holds the smaller ones.
    for train in train_folds:
        nested = sorted((s for s in map(set, subsets_a) if s <= train), key=len)
        assert nested[0] < nested[1] < nested[2]
    # Scored on the whole test fold.
    for _, predicted, _ in read(tmp_path, "predict_a"):
        assert predicted in test_folds


@pytest.mark.parametrize(
    "train_sizes, n_train", [([0.25, 1.0], [15, 60]), ([9, 30], [9, 30])]
)
def test_learning_curve_counts_and_fractions(train_sizes, n_train):
    X, y = _data(n=90)
    comparison = ModelComparison(_trees(), cv=3, random_state=0)
    curve = comparison.learning_curve(X, y, train_sizes)
    assert list(curve.query("estimator == 'tree'").n_train) == n_train
    assert list(curve.query("estimator == 'tree'").train_size) == train_sizes
    assert curve.accuracy_mean.notna().all()
    result = comparison.compare("tree", "dummy", train_size=train_sizes[0])
    assert result["n_folds"] == 3


def test_learning_curve_finds_where_an_estimator_beats_the_traditional_ones():
    X, y = _data(n=120)
    comparison = ModelComparison(
        {
            "dummy": DummyClassifier(),
            "keras": KerasClassifier(
                mlp_classifier,
                epochs=15,
                batch_size=512,
                random_state=0,
                model__units=8,
                model__learning_rate=0.1,
            ),
        },
        cv=2,
        random_state=0,
    )
    comparison.learning_curve(X, y, train_sizes=[60])
    beats = comparison.beats_traditional_at_
    assert list(beats.index) == ["dummy", "keras"]
    assert beats["keras"] == 60 and np.isnan(beats["dummy"])  # no other baseline


def test_first_size_beating():
    curve = pd.DataFrame(
        {
            "estimator": ["svm"] * 3 + ["forest"] * 3 + ["cnn"] * 3,
            "train_size": [5, 10, 20] * 3,
            "accuracy_mean": [0.6, 0.7, 0.8, 0.5, 0.75, 0.78, 0.4, 0.7, 0.9],
        }
    )
    beats = first_size_beating(
        curve, "accuracy", ["svm", "forest", "cnn"], ["svm", "forest"]
    )
    assert beats["cnn"] == 20  # ties do not count
    assert beats["svm"] == 5 and beats["forest"] == 10


def test_is_deep():
    keras_model = KerasClassifier(mlp_classifier)
    assert is_deep(keras_model)
    assert is_deep(make_pipeline(RecordingScaler(), keras_model))
    assert is_deep(GridSearchCV(keras_model, {"epochs": [1, 2]}))
    assert not is_deep(make_pipeline(RecordingScaler(), DummyClassifier()))
    # A numeric `steps` parameter is not a Pipeline's list of steps.
    assert not is_deep(TransformedTargetRegressor(regressor=Ridge()))
    assert not is_deep(_Stepped(steps=600))


class _Stepped(ClassifierMixin, BaseEstimator):
    def __init__(self, steps=1):
        self.steps = steps


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"train_sizes": []}, "Received: train_sizes=\\[\\]"),
        ({"train_sizes": [5, 0.5]}, "Received: train_sizes=\\[5, 0.5\\]"),
        ({"train_sizes": [61]}, "counts from 1 to 60"),
        ({"train_sizes": [1.5]}, "Received: train_sizes=\\[1.5\\]"),
        ({"train_sizes": [0.001]}, "at least 1 sample"),
        ({"train_sizes": [0.5], "per_class": True}, "per class"),
        ({"train_sizes": [21], "per_class": True}, "at most 20 per class"),
    ],
)
def test_learning_curve_errors(kwargs, match):
    X, y = _data(n=90)
    with pytest.raises(ValueError, match=match):
        ModelComparison(_trees(), cv=3).learning_curve(X, y, **kwargs)


def test_learning_curve_per_class_needs_classification():
    X, y = make_regression(n_samples=30, random_state=0)
    with pytest.raises(ValueError, match="Received: per_class=True"):
        ModelComparison([Ridge()], cv=3).learning_curve(X, y, [5], per_class=True)


def test_plots():
    X, y = _data()
    comparison = ModelComparison(_trees(), cv=3, random_state=0)
    with pytest.raises(NotFittedError):
        comparison.plot()
    comparison.fit(X, y)
    ax = comparison.plot()
    labels = [label.get_text() for label in ax.get_yticklabels()]
    assert labels == list(comparison.results_.index[::-1])  # best on top
    with pytest.raises(NotFittedError):
        comparison.plot("learning_curve")
    comparison.learning_curve(X, y, [10, 30])
    ax = comparison.plot("learning_curve")
    assert [line.get_label() for line in ax.get_lines()] == ["tree", "stump", "dummy"]
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [10, 30])
    with pytest.raises(ValueError, match="Received: kind='bars'"):
        comparison.plot("bars")
    with pytest.raises(ValueError, match="Received: metric='r2'"):
        comparison.plot(metric="r2")


def test_clone_and_params():
    from sklearn.base import clone

    comparison = ModelComparison(_trees(), cv=3, random_state=0)
    assert clone(comparison).get_params()["cv"] == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        comparison.fit(*_data())
