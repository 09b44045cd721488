"""Bad inputs of `keras_smalldata.compare`."""

import keras
import numpy as np
from bad_inputs._cases_common import (
    call_method,
    case,
    cases,
    fitted_comparison,
    received,
    with_inf,
    with_nan,
)
from sklearn.linear_model import LinearRegression
from sklearn.tree import DecisionTreeClassifier

from keras_smalldata import compare

X = np.random.default_rng(1).normal(size=(20, 3))
Y = np.arange(20) % 2
X_STRINGS = np.full((20, 3), "a")


def _build_classifier(input_shape, n_classes):
    model = keras.Sequential(
        [keras.Input(input_shape), keras.layers.Dense(n_classes, activation="softmax")]
    )
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def _build_regressor(n_features_in, n_outputs):
    model = keras.Sequential(
        [keras.Input((n_features_in,)), keras.layers.Dense(n_outputs)]
    )
    model.compile("adam", "mse")
    return model


def _build_width(input_shape, units, loss="sparse_categorical_crossentropy"):
    """A builder that ignores the number of classes or outputs: `units` wide."""
    model = keras.Sequential([keras.Input(input_shape), keras.layers.Dense(units)])
    model.compile("adam", loss)
    return model


def _build_regressor_width(input_shape, units):
    return _build_width(input_shape, units, loss="mse")


def _classifier_fit(x=X, y=Y, sample_weight=None, **params):
    params = {"model": _build_classifier, "epochs": 1, **params}
    return compare.KerasClassifier(**params).fit(x, y, sample_weight=sample_weight)


def _regressor_fit(x=X, y=None, build=_build_regressor, **params):
    y = np.linspace(0, 1, len(x)) if y is None else y
    params = {"epochs": 1, **params}
    return compare.KerasRegressor(build, **params).fit(x, y)


def _comparison_fit(x=X, y=Y, estimators=None, **params):
    if estimators is None:
        estimators = {"tree": DecisionTreeClassifier(random_state=0)}
    params = {"cv": 2, **params}
    return compare.ModelComparison(estimators, **params).fit(x, y)


def _unfitted_comparison():
    return compare.ModelComparison({"tree": DecisionTreeClassifier()})


def _comparison(method, make=fitted_comparison, **kwargs):
    return call_method(make, method, **kwargs)


_PAIR = {"a": "tree", "b": "stump"}


def _learning_curve(x=X, y=Y, estimators=None, train_sizes=(5,), **params):
    if estimators is None:
        estimators = {
            "tree": DecisionTreeClassifier(random_state=0),
            "stump": DecisionTreeClassifier(max_depth=1, random_state=0),
        }
    params = {"cv": 2, "random_state": 0, **params}
    return compare.learning_curve(estimators, x, y, list(train_sizes), **params)


def _curve_method(method, **kwargs):
    return getattr(_learning_curve(), method)(**kwargs)


# Tables of cases, one row each: kept as written.
# fmt: off
ESTIMATORS = cases("compare.KerasClassifier", _classifier_fit, [
    ("nan-x", {"x": with_nan(X)}, ValueError, r"Input X contains NaN"),
    ("inf-x", {"x": with_inf(X)}, ValueError, r"Input X contains infinity"),
    ("string-x", {"x": X_STRINGS}, ValueError, r"could not convert string to float"),
    ("empty-x", {"x": X[:0], "y": Y[:0]}, ValueError,
     r"Found array with 0 sample\(s\) \(shape=\(0, 3\)\)"),
    ("x-and-y-lengths-differ", {"y": Y[:19]}, ValueError,
     r"inconsistent numbers of samples: \[20, 19\]"),
    ("rank-1-x", {"x": np.zeros(20)}, ValueError, r"Expected 2D array, got 1D"),
    ("continuous-y", {"y": np.linspace(0, 1, 20)}, ValueError,
     r"Unknown label type: continuous"),
    ("zero-epochs", {"epochs": 0}, ValueError, received("epochs", 0)),
    ("negative-batch-size", {"batch_size": -1}, ValueError,
     received("batch_size", -1)),
    ("validation-split-of-1", {"validation_split": 1.0}, ValueError,
     received("validation_split", 1.0)),
    ("unprefixed-param", {"units": 8}, ValueError, received("units", 8)),
    ("reserved-fit-kwarg", {"fit_kwargs": {"epochs": 3}}, ValueError,
     received("fit_kwargs", {"epochs": 3})),
    ("unknown-class-weight", {"class_weight": "bal"}, ValueError,
     received("class_weight", "'bal'")),
    ("sample-weight-of-other-length", {"sample_weight": np.ones(3)}, ValueError,
     r"Received: sample_weight.shape=\(3,\)"),
    ("model-is-a-string", {"model": "mlp"}, TypeError, received("model", "'mlp'")),
    # Checked in `fit` before training, not by a graph error (issue 16).
    ("fewer-output-units-than-classes",
     {"y": np.arange(20) % 3, "model": _build_width, "model__units": 2},
     ValueError, r"\(3 units.*Received: output shape \(None, 2\) for n_classes=3"),
    ("more-output-units-than-classes",
     {"model": _build_width, "model__units": 5}, ValueError,
     r"Received: output shape \(None, 5\) for n_classes=2"),
]) + [
    case("compare.KerasClassifier.predict", "before-fit", call_method,
         {"make": lambda: compare.KerasClassifier(_build_classifier),
          "method": "predict", "X": X}, ValueError, r"is not fitted yet"),
] + cases("compare.KerasRegressor", _regressor_fit, [
    ("nan-y", {"y": np.full(20, np.nan)}, ValueError, r"Input y contains NaN"),
    ("string-y", {"y": np.full(20, "a")}, ValueError, r"could not convert string"),
    ("negative-epochs", {"epochs": -1}, ValueError, received("epochs", -1)),
    ("fewer-outputs-than-y-columns",
     {"y": X[:, :2], "build": _build_regressor_width, "model__units": 1},
     ValueError, r"Received: output shape \(None, 1\) for n_outputs=2"),
    ("more-outputs-than-y-columns",
     {"build": _build_regressor_width, "model__units": 3}, ValueError,
     r"Received: output shape \(None, 3\) for n_outputs=1"),
]) + cases("compare.default_baselines", compare.default_baselines, [
    ("unknown-task", {"task": "clustering"}, ValueError,
     received("task", "'clustering'")),
])

COMPARISON = cases("compare.ModelComparison", _comparison_fit, [
    ("no-estimators", {"estimators": {}}, ValueError, received("estimators", {})),
    ("estimators-is-a-string", {"estimators": "svc"}, ValueError,
     received("estimators", "'svc'")),
    ("classifier-and-regressor",
     {"estimators": [DecisionTreeClassifier(), LinearRegression()]}, ValueError,
     r"Received: classifiers \['DecisionTreeClassifier'\]"),
    ("unknown-scoring", {"scoring": "accuracy9000"}, ValueError,
     received("scoring", "'accuracy9000'")),
    ("unknown-error-score", {"error_score": "ignore"}, ValueError,
     received("error_score", "'ignore'")),
    ("string-random-state", {"random_state": "seed", "cv": None}, ValueError,
     received("random_state", "'seed'")),
    ("x-and-y-lengths-differ", {"y": Y[:19]}, ValueError,
     r"inconsistent numbers of samples: \[20, 19\]"),
    ("empty-x", {"x": X[:0], "y": Y[:0]}, ValueError, r"Found array with 0 sample"),
    ("string-x", {"x": X_STRINGS}, ValueError,
     r"All 2 fits failed(.|\n)*could not convert string to float"),
]) + cases("compare.ModelComparison.compare", _comparison, [
    ("before-fit", {"method": "compare", "make": _unfitted_comparison, **_PAIR},
     ValueError, r"is not fitted yet"),
    ("unknown-estimator", {"method": "compare", "a": "tree", "b": "svc"},
     ValueError, received("b", "'svc'")),
    ("unknown-metric", {"method": "compare", **_PAIR, "metric": "f1"}, ValueError,
     received("metric", "'f1'")),
    ("unknown-alternative", {"method": "compare", **_PAIR, "alternative": "more"},
     ValueError, received("alternative", "'more'")),
]) + cases("compare.learning_curve", _learning_curve, [
    *[
        (what, {"train_sizes": sizes}, ValueError, received("train_sizes", sizes))
        for what, sizes in (
            ("zero-size", [0]),
            ("negative-size", [-5]),
            ("no-sizes", []),
            ("string-size", ["a"]),
            ("fraction-above-1", [0.5, 1.5]),
            ("more-than-the-fold", [11]),
        )
    ],
    ("x-and-y-lengths-differ", {"y": Y[:3], "train_sizes": [2]},
     ValueError, r"inconsistent numbers of samples: \[20, 3\]"),
    ("per-class-for-regression",
     {"y": np.linspace(0, 1, 20), "estimators": [LinearRegression()],
      "per_class": True}, ValueError, received("per_class", True)),
]) + cases("compare.LearningCurve.compare", _curve_method, [
    ("size-not-in-the-curve", {"method": "compare", **_PAIR, "train_size": 3},
     ValueError, received("train_size", 3)),
    ("unknown-estimator", {"method": "compare", "a": "tree", "b": "svc",
                           "train_size": 5}, ValueError, received("b", "'svc'")),
]) + cases("compare.ModelComparison.plot", _comparison, [
    ("unknown-metric", {"method": "plot", "metric": "f1"}, ValueError,
     received("metric", "'f1'")),
    ("before-fit", {"method": "plot", "make": _unfitted_comparison}, ValueError,
     r"is not fitted yet"),
]) + cases("compare.LearningCurve.plot", _curve_method, [
    ("unknown-metric", {"method": "plot", "metric": "f1"}, ValueError,
     received("metric", "'f1'")),
])
# fmt: on

CASES = [*ESTIMATORS, *COMPARISON]
