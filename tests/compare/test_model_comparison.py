import copy
import os
import warnings

import numpy as np
import pandas as pd
import pytest
from _compare_builders import mlp_classifier
from _compare_data import FailingClassifier, make_data, trees, with_ids
from _compare_recorders import (
    RecordingClassifier,
    RecordingScaler,
    adapting_classifier,
    read,
)
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import make_regression
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

from keras_smalldata.compare import KerasClassifier, ModelComparison, learning_curve
from keras_smalldata.compare._estimators import is_deep


def test_results_and_fold_scores():
    X, y = make_data()
    comparison = ModelComparison(
        trees(), scoring=["accuracy", "f1_macro"], random_state=0
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
        "n_train",
        "n_test",
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
    X, y = make_data()
    cv = RepeatedStratifiedKFold(n_splits=3, n_repeats=2, random_state=1)
    comparison = ModelComparison(trees(), cv=cv).fit(X, y)
    for name, estimator in trees().items():
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
    X, y = make_data()
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
    X, y = make_data()
    X = with_ids(X)
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
    X, y = make_data()
    X = with_ids(X)
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
    X, y = make_data()
    X = with_ids(X)
    estimators = {**trees(), "recorder": RecordingClassifier(str(tmp_path))}
    sequential = ModelComparison(estimators, cv=3, random_state=0).fit(X, y)
    parallel = ModelComparison(estimators, cv=3, random_state=0, n_jobs=2).fit(X, y)
    pd.testing.assert_frame_equal(
        sequential.fold_scores_.drop(columns=["fit_time", "score_time"]),
        parallel.fold_scores_.drop(columns=["fit_time", "score_time"]),
    )
    pids = {pid for _, _, pid in read(tmp_path, "fit_classifier")}
    assert pids - {os.getpid()}  # some fits ran in worker processes


def test_verbose_shows_a_progress_bar(capsys):
    X, y = make_data()
    ModelComparison(trees(), cv=2, verbose=1).fit(X, y)
    assert "6/6" in capsys.readouterr().err


def test_compare_and_significance():
    X, y = make_data()
    comparison = ModelComparison(trees(), random_state=0).fit(X, y)
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
    X, y = make_data()
    split = [(np.arange(60), np.arange(60, 90))]
    comparison = ModelComparison(trees(), cv=split).fit(X, y)
    result = comparison.compare("tree", "stump")
    assert result["n_folds"] == 1 and np.isnan(result["p"])
    assert "too few" in result["note"]
    assert (
        "little power"
        in ModelComparison(trees(), cv=3).fit(X, y).compare("tree", "stump")["note"]
    )


def test_compare_errors():
    X, y = make_data()
    with pytest.raises(NotFittedError):
        ModelComparison(trees()).compare("tree", "stump")
    comparison = ModelComparison(trees(), cv=2).fit(X, y)
    with pytest.raises(ValueError, match="Received: b='forest'"):
        comparison.compare("tree", "forest")
    with pytest.raises(ValueError, match="Received: metric='r2'"):
        comparison.compare("tree", "stump", metric="r2")
    with pytest.raises(ValueError, match="Received: alternative='bigger'"):
        comparison.compare("tree", "stump", alternative="bigger")


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
    comparison = ModelComparison(**{"estimators": trees(), **kwargs})
    X, y = make_data()
    with pytest.raises(ValueError, match=match):
        comparison.fit(X, y)


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


def test_plots():
    X, y = make_data()
    comparison = ModelComparison(trees(), cv=3, random_state=0)
    with pytest.raises(NotFittedError):
        comparison.plot()
    comparison.fit(X, y)
    ax = comparison.plot()
    labels = [label.get_text() for label in ax.get_yticklabels()]
    assert labels == list(comparison.results_.index[::-1])  # best on top
    with pytest.raises(ValueError, match="Received: metric='r2'"):
        comparison.plot(metric="r2")


def test_clone_and_params():
    from sklearn.base import clone

    comparison = ModelComparison(trees(), cv=3, random_state=0)
    assert clone(comparison).get_params()["cv"] == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        comparison.fit(*make_data())


@pytest.mark.parametrize(
    "attribute",
    ["results_", "fold_scores_", "best_estimator_name_", "significance_", "errors_"],
)
def test_fitted_attributes_raise_not_fitted_error_before_fit(attribute):
    comparison = ModelComparison(trees(), cv=2)
    with pytest.raises(NotFittedError, match=f"`{attribute}` is set by `fit`"):
        getattr(comparison, attribute)
    assert not hasattr(comparison, attribute)
    with pytest.raises(AttributeError, match="no attribute 'result_'") as error:
        _ = comparison.result_
    assert not isinstance(error.value, NotFittedError)  # a typo stays a typo
    comparison.fit(*make_data())
    assert getattr(comparison, attribute) is not None


def _failed_rows(comparison):
    means = comparison.results_[f"{comparison.fold_scores_.metric[0]}_mean"]
    return set(means.index[means.isna()])


def test_a_learning_curve_leaves_the_fitted_state_as_it_was():
    X, y = make_data()
    X = with_ids(X)
    cv = KFold(n_splits=3)  # sample 0 is in the training set of 2 folds of 3
    estimators = {"failing": FailingClassifier(), "tree": DecisionTreeClassifier()}
    comparison = ModelComparison(estimators, cv=cv, random_state=0)
    with pytest.warns(FitFailedWarning, match=r"errors_\['failing'\]"):
        comparison.fit(X, y)
    assert _failed_rows(comparison) == set(comparison.errors_) == {"failing"}
    state = {
        name: copy.deepcopy(value)
        for name, value in vars(comparison).items()
        if name.endswith("_")
    }

    # A clean learning curve (sample 0 never drawn: the failing model fits)
    # of the same estimators, with the comparison's own parameters.
    curve = learning_curve(
        X=X[1:], y=y[1:], train_sizes=[20], **comparison.get_params(deep=False)
    )
    assert curve.errors == {}
    assert curve.results.accuracy_mean.notna().all()

    assert _failed_rows(comparison) == set(comparison.errors_) == {"failing"}
    assert vars(comparison).keys() == {*comparison.get_params(deep=False), *state}
    for name, value in state.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(getattr(comparison, name), value)
        else:
            assert getattr(comparison, name) == value
    # compare reads the fit's folds: one of three survived for `failing`.
    assert comparison.compare("tree", "failing")["n_folds"] == 1


def test_refitting_replaces_every_fitted_attribute():
    X, y = make_data()
    X = with_ids(X)
    cv = KFold(n_splits=3)
    estimators = {"failing": FailingClassifier(), "tree": DecisionTreeClassifier()}
    comparison = ModelComparison(estimators, cv=cv)
    with pytest.warns(FitFailedWarning):
        comparison.fit(X, y)
    comparison.fit(X[1:], y[1:])  # without sample 0: nothing fails
    assert comparison.errors_ == {} and _failed_rows(comparison) == set()
    assert comparison.best_estimator_name_ == comparison.results_.index[0]
    assert set(comparison.significance_.index) == {"failing", "tree"}
    assert not comparison.significance_.isna().to_numpy()[0, 1]
