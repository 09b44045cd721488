import numpy as np
import pandas as pd
import pytest
from _compare_builders import mlp_classifier
from _compare_data import FailingClassifier, make_data, trees, with_ids
from _compare_recorders import RecordingClassifier, read
from sklearn.datasets import make_regression
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.tree import DecisionTreeClassifier

from keras_smalldata._statistics import corrected_ttest
from keras_smalldata.compare import (
    KerasClassifier,
    LearningCurve,
    learning_curve,
)
from keras_smalldata.compare._train_sizes import first_size_beating


def test_the_same_nested_subsets_for_every_estimator(tmp_path):
    X, y = make_data(n=120)
    X = with_ids(X)
    estimators = {
        "a": RecordingClassifier(str(tmp_path), role="a"),
        "b": RecordingClassifier(str(tmp_path), role="b"),
    }
    cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    train_folds = [set(train) for train, _ in cv.split(X, y)]
    test_folds = [set(test) for _, test in cv.split(X, y)]
    curve = learning_curve(
        estimators, X, y, [2, 5, 10], per_class=True, cv=cv, random_state=0
    )
    assert isinstance(curve, LearningCurve)
    results = curve.results
    assert list(results.columns[:3]) == ["estimator", "train_size", "n_train"]
    assert list(results.train_size) == [2, 5, 10] * 2
    assert list(results.n_train) == [6, 15, 30] * 2
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
def test_counts_and_fractions(train_sizes, n_train):
    X, y = make_data(n=90)
    curve = learning_curve(trees(), X, y, train_sizes, cv=3, random_state=0)
    tree = curve.results.query("estimator == 'tree'")
    assert list(tree.n_train) == n_train
    assert list(tree.train_size) == train_sizes == curve.train_sizes
    assert curve.results.accuracy_mean.notna().all()
    scores = curve.fold_scores
    assert list(scores.columns) == [
        "estimator",
        "train_size",
        "fold",
        "n_train",
        "n_test",
        "metric",
        "score",
        "fit_time",
        "score_time",
    ]
    assert set(scores.n_test) == {30}
    result = curve.compare("tree", "dummy", train_size=train_sizes[0])
    assert result["n_folds"] == 3


def test_compare_at_a_size_uses_that_size_only():
    X, y = make_data(n=90)
    curve = learning_curve(trees(), X, y, [6, 60], cv=3, random_state=0)
    scores = curve.fold_scores.query("metric == 'accuracy' and train_size == 6")
    by_fold = scores.pivot(index="fold", columns="estimator", values="score")
    result = curve.compare("tree", "dummy", train_size=6, alternative="greater")
    assert result["mean_a"] == pytest.approx(by_fold["tree"].mean())
    assert result["mean_b"] == pytest.approx(by_fold["dummy"].mean())
    # The correction uses that size's training set: 6 samples, 30 tested.
    expected = corrected_ttest(
        by_fold["tree"] - by_fold["dummy"], 6, 30, alternative="greater"
    )
    assert result["std_error"] == pytest.approx(expected["std_error"])
    assert result["p"] == pytest.approx(expected["p"])


def test_finds_where_an_estimator_beats_the_traditional_ones():
    X, y = make_data(n=120)
    estimators = {
        "dummy": DummyClassifier(),
        "keras": KerasClassifier(
            mlp_classifier,
            epochs=15,
            batch_size=512,
            random_state=0,
            model__units=8,
            model__learning_rate=0.1,
        ),
    }
    curve = learning_curve(estimators, X, y, [60], cv=2, random_state=0)
    beats = curve.beats_traditional_at
    assert curve.deep_estimators == ["keras"]
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


def test_failures_are_kept_in_its_errors():
    X, y = make_data()
    X = with_ids(X)
    estimators = {"failing": FailingClassifier(), "tree": DecisionTreeClassifier()}
    with pytest.warns(FitFailedWarning, match=r"LearningCurve.errors\['failing'\]"):
        curve = learning_curve(
            estimators, X, y, [1.0], cv=KFold(n_splits=3), random_state=0
        )
    assert list(curve.errors) == ["failing"]
    assert "RuntimeError: boom on sample 0" in curve.errors["failing"]
    means = curve.results.set_index("estimator").accuracy_mean
    assert np.isnan(means["failing"]) and not np.isnan(means["tree"])


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
        ({"train_sizes": [5], "random_state": "seed"}, "Received: random_state="),
        ({"train_sizes": [5], "error_score": "skip"}, "Received: error_score="),
    ],
)
def test_errors(kwargs, match):
    X, y = make_data(n=90)
    with pytest.raises(ValueError, match=match):
        learning_curve(trees(), X, y, cv=3, **kwargs)


def test_per_class_needs_classification():
    X, y = make_regression(n_samples=30, random_state=0)
    with pytest.raises(ValueError, match="Received: per_class=True"):
        learning_curve([Ridge()], X, y, [5], per_class=True, cv=3)


def test_compare_errors():
    X, y = make_data(n=90)
    curve = learning_curve(trees(), X, y, [10, 30], cv=3, random_state=0)
    with pytest.raises(ValueError, match="Received: train_size=20"):
        curve.compare("tree", "stump", train_size=20)
    with pytest.raises(ValueError, match="Received: b='forest'"):
        curve.compare("tree", "forest", train_size=10)
    with pytest.raises(ValueError, match="Received: metric='r2'"):
        curve.compare("tree", "stump", train_size=10, metric="r2")


def test_plot():
    X, y = make_data()
    curve = learning_curve(trees(), X, y, [10, 30], cv=3, random_state=0)
    ax = curve.plot()
    assert [line.get_label() for line in ax.get_lines()] == ["tree", "stump", "dummy"]
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [10, 30])
    assert ax.get_xlabel() == "training size"
    with pytest.raises(ValueError, match="Received: metric='r2'"):
        curve.plot(metric="r2")
    assert repr(curve) == (
        "LearningCurve(estimators=['tree', 'stump', 'dummy'], "
        "train_sizes=[10, 30], per_class=False)"
    )
