import numpy as np
import pytest
from sklearn.base import is_classifier, is_regressor
from sklearn.pipeline import Pipeline

from keras_smalldata.compare import default_baselines
from keras_smalldata.datasets import load_digits, load_wine


def test_classification_baselines():
    baselines = default_baselines(random_state=0)
    assert list(baselines) == [
        "svc",
        "random_forest",
        "decision_tree",
        "logistic_regression",
        "knn",
        "hist_gradient_boosting",
    ]
    assert all(isinstance(b, Pipeline) and is_classifier(b) for b in baselines.values())
    assert baselines["svc"][-1].kernel == "rbf"
    assert "standardscaler" in baselines["svc"].named_steps
    assert baselines["random_forest"][-1].random_state == 0
    # Fresh objects on every call: no fitted state shared between comparisons.
    assert default_baselines()["svc"] is not default_baselines()["svc"]


def test_regression_baselines():
    baselines = default_baselines("regression")
    assert list(baselines) == [
        "svr",
        "random_forest",
        "decision_tree",
        "ridge",
        "knn",
        "hist_gradient_boosting",
    ]
    assert all(is_regressor(b) for b in baselines.values())


def test_baselines_fit_tables_and_images():
    x, y = load_wine()
    for name in ("svc", "logistic_regression", "knn", "decision_tree"):
        assert default_baselines()[name].fit(x, y).score(x, y) > 0.9, name
    images, labels = load_digits()
    svc = default_baselines()["svc"].fit(images[:300], labels[:300])
    assert svc.score(images[300:600], labels[300:600]) > 0.75  # chance: 0.1
    assert svc[-1].n_features_in_ == 64


def test_unknown_task():
    with pytest.raises(ValueError, match="Received: task='clustering'"):
        default_baselines("clustering")


def test_flatten_keeps_tables():
    from keras_smalldata.compare.default_baselines import _flatten

    table = np.ones((3, 4))
    assert _flatten(table) is table
    assert _flatten(np.ones((3, 2, 2, 1))).shape == (3, 4)
