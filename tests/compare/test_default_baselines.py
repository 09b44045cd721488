import numpy as np
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from keras_smalldata.compare import default_baselines
from keras_smalldata.datasets import load_digits, load_wine

CLASSIFIERS = [
    "svc_tuned",
    "svc",
    "logistic_regression_tuned",
    "nearest_neighbor",
    "knn",
    "random_forest",
    "hist_gradient_boosting",
    "decision_tree",
]


def test_classification_baselines():
    baselines = default_baselines(random_state=0)
    assert list(baselines) == CLASSIFIERS + ["hist_gradient_boosting_tuned"]
    assert all(is_classifier(b) for b in baselines.values())
    assert baselines["svc"][-1].kernel == "rbf"
    assert "standardscaler" in baselines["svc"].named_steps
    assert baselines["random_forest"][-1].random_state == 0
    assert baselines["nearest_neighbor"][-1].n_neighbors == 1
    # Fresh objects on every call: no fitted state shared between comparisons.
    assert default_baselines()["svc"] is not default_baselines()["svc"]


@pytest.mark.parametrize("data_kind", ["images", "series"])
def test_shared_scale_data_is_not_standardised(data_kind):
    baselines = default_baselines(random_state=0, data_kind=data_kind)
    assert list(baselines) == CLASSIFIERS
    for name in ("svc", "knn", "nearest_neighbor"):
        assert isinstance(baselines[name], Pipeline)
        assert "standardscaler" not in baselines[name].named_steps, name


def test_regression_baselines():
    baselines = default_baselines("regression")
    assert list(baselines) == [
        "svr_tuned",
        "svr",
        "ridge_tuned",
        "ridge",
        "knn",
        "random_forest",
        "hist_gradient_boosting",
        "decision_tree",
        "hist_gradient_boosting_tuned",
    ]
    assert all(is_regressor(b) for b in baselines.values())


def test_baselines_fit_tables_and_images():
    x, y = load_wine()
    for name in ("svc", "logistic_regression_tuned", "knn", "decision_tree"):
        assert default_baselines()[name].fit(x, y).score(x, y) > 0.9, name
    images, labels = load_digits()
    svc = default_baselines(data_kind="images")["svc"].fit(images[:300], labels[:300])
    assert svc.score(images[300:600], labels[300:600]) > 0.75  # chance: 0.1
    assert svc[-1].n_features_in_ == 64


def test_tuned_regressors_fit():
    x, _ = load_wine()
    x, target = x[::3, 1:], x[::3, 0]
    for name in ("svr_tuned", "ridge_tuned", "hist_gradient_boosting_tuned"):
        model = default_baselines("regression", random_state=0)[name]
        assert model.fit(x, target).score(x, target) > 0.5, name


def test_tuned_search_sees_the_training_data_only():
    x, y = load_wine()
    model = default_baselines(random_state=0)["svc_tuned"]
    fitted = clone(model).fit(x[:60], y[:60])
    # The chosen settings depend on the data given to fit, nothing else.
    again = clone(model).fit(x[:60], y[:60])
    assert fitted.best_params_.keys() == again.best_params_.keys()
    assert str(fitted.best_params_) == str(again.best_params_)
    assert fitted.get_params() == model.get_params()


def test_tuned_falls_back_to_defaults_with_one_sample_per_class():
    x, y = load_wine()
    idx = [np.flatnonzero(y == c)[0] for c in range(3)]
    model = default_baselines(random_state=0)["svc_tuned"].fit(x[idx], y[idx])
    assert model.best_params_ == {}
    assert set(model.predict(x)) <= {0, 1, 2}


def _inner_cv_raw_svm(x, y, seed):
    """What an expert would run: an RBF SVM on raw pixels, C and gamma by CV."""
    grid = {"C": [0.1, 1, 10, 100, 1000], "gamma": [0.001, 0.003, 0.01, 0.03, 0.1]}
    cv = StratifiedKFold(3, shuffle=True, random_state=seed)
    return GridSearchCV(SVC(), grid, cv=cv).fit(x, y)


def test_best_traditional_arm_matches_an_independent_raw_pixel_svm():
    images, labels = load_digits()
    x = images.reshape(len(images), -1)
    best, independent = [], []
    for seed in range(3):
        rng = np.random.default_rng(seed)
        train = np.concatenate(
            [rng.permutation(np.flatnonzero(labels == c))[:10] for c in range(10)]
        )
        test = np.setdiff1d(np.arange(len(x)), train)
        baselines = default_baselines(random_state=seed, data_kind="images")
        scores = [
            baselines[name]
            .fit(images[train], labels[train])
            .score(images[test], labels[test])
            for name in ("svc_tuned", "nearest_neighbor")
        ]
        best.append(max(scores))
        svm = _inner_cv_raw_svm(x[train], labels[train], seed)
        independent.append(svm.score(x[test], labels[test]))
    assert np.mean(best) >= np.mean(independent) - 0.005, (best, independent)


def test_unknown_task_and_data_kind():
    with pytest.raises(ValueError, match="Received: task='clustering'"):
        default_baselines("clustering")
    with pytest.raises(ValueError, match="Received: data_kind='text'"):
        default_baselines(data_kind="text")


def test_unknown_tuned_model():
    from keras_smalldata.compare._tuned import TunedClassifier

    with pytest.raises(ValueError, match="Received: model='boost'"):
        TunedClassifier("boost").fit(np.ones((4, 2)), [0, 1, 0, 1])


def test_flatten_keeps_tables():
    from keras_smalldata.compare.default_baselines import _flatten

    table = np.ones((3, 4))
    assert _flatten(table) is table
    assert _flatten(np.ones((3, 2, 2, 1))).shape == (3, 4)
