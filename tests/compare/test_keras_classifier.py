import pickle

import keras
import numpy as np
import pandas as pd
import pytest
from _compare_builders import cnn_classifier, mlp_classifier
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_validate, learning_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from keras_smalldata.compare import KerasClassifier
from keras_smalldata.datasets import load_digits


def _blobs(n=120, labels=(0, 1, 2), seed=0):
    """Well separated classes in 4-D: a tiny network learns them in a few steps."""
    rng = np.random.default_rng(seed)
    index = rng.integers(0, len(labels), n)
    centers = 3 * np.eye(len(labels), 4)
    X = centers[index] + rng.normal(scale=0.5, size=(n, 4))
    return X.astype(np.float32), np.asarray(labels)[index]


def _fast(**kwargs):
    """Full-batch steps (one per epoch): a few eager steps are fast."""
    params = {"model": mlp_classifier, "epochs": 2, "batch_size": 512}
    return KerasClassifier(**{**params, "random_state": 0, **kwargs})


def _learner(**kwargs):
    """Learns `_blobs` to > 90% accuracy in 15 full-batch steps."""
    return _fast(epochs=15, model__units=8, model__learning_rate=0.1, **kwargs)


def test_cross_validate_keeps_every_fit_option():
    # keras.wrappers.SKLearnClassifier loses its fit_kwargs on clone, so each
    # fold trains for one epoch. Here every option is a parameter.
    X, y = _blobs()
    estimator = _fast(epochs=3, fit_kwargs={"shuffle": False}, model__units=3)
    result = cross_validate(estimator, X, y, cv=2, return_estimator=True)
    for fitted in result["estimator"]:
        assert len(fitted.history_["loss"]) == 3
        assert fitted.fit_kwargs == {"shuffle": False}
        assert fitted.model_.layers[1].units == 3
    assert clone(estimator).get_params() == estimator.get_params()


def test_fit_does_not_touch_constructor_arguments():
    class CountEpochs(keras.callbacks.Callback):
        epochs_seen = 0

        def on_epoch_end(self, epoch, logs=None):
            self.epochs_seen += 1

    callback, fit_kwargs = CountEpochs(), {"shuffle": True}
    estimator = _fast(callbacks=[callback], fit_kwargs=fit_kwargs)
    estimator.fit(*_blobs())
    assert estimator.fit_kwargs is fit_kwargs and fit_kwargs == {"shuffle": True}
    assert estimator.callbacks[0] is callback
    # A copy was trained with, the original was left alone.
    assert callback.epochs_seen == 0 and callback.model is None


def test_grid_search_tunes_builder_parameters():
    X, y = _blobs()
    search = GridSearchCV(_fast(), {"model__units": [2, 5]}, cv=2).fit(X, y)
    assert sorted(p["model__units"] for p in search.cv_results_["params"]) == [2, 5]
    best = search.best_estimator_
    assert best.model_.layers[1].units == search.best_params_["model__units"]
    assert "model__units" in best.get_params()


def test_builder_receives_only_the_arguments_it_asks_for():
    seen = {}

    def build(X, input_shape, n_features_in, n_classes, width):
        seen.update(X=X, input_shape=input_shape, n_features=n_features_in)
        seen.update(n_classes=n_classes, width=width)
        return mlp_classifier(input_shape, n_classes, units=width)

    X, y = _blobs(n=40)
    KerasClassifier(build, epochs=1, model__width=3).fit(X, y)
    np.testing.assert_array_equal(seen["X"], X)
    assert seen["input_shape"] == (4,) and seen["n_features"] == 4
    assert seen["n_classes"] == 3 and seen["width"] == 3


@pytest.mark.parametrize(
    "labels", [("cat", "dog", "eel"), (3, 10, 42), ("no", "yes")], ids=str
)
def test_string_and_non_contiguous_labels(labels):
    X, y = _blobs(labels=labels)
    estimator = _learner().fit(X, y)
    np.testing.assert_array_equal(estimator.classes_, sorted(labels))
    proba = estimator.predict_proba(X)
    assert proba.shape == (len(X), len(labels))  # 2 classes: one sigmoid unit
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    predictions = estimator.predict(X)
    assert set(predictions) <= set(labels)
    assert np.mean(predictions == y) > 0.9


def test_images_with_a_cnn():
    x, y = load_digits()
    x, y = x[:200], y[:200]
    estimator = KerasClassifier(cnn_classifier, epochs=1, random_state=0).fit(x, y)
    assert estimator.n_features_in_ == 8
    assert estimator.predict_proba(x[:7]).shape == (7, 10)
    with pytest.raises(ValueError, match="features"):
        estimator.predict(x[:7, :4])


def test_pipeline_and_dataframe_input():
    X, y = _blobs()
    frame = pd.DataFrame(X * 100 + 50, columns=["a", "b", "c", "d"])
    pipeline = make_pipeline(StandardScaler(), _learner())
    assert pipeline.fit(frame, y).score(frame, y) > 0.9
    estimator = _fast().fit(frame, y)
    np.testing.assert_array_equal(estimator.feature_names_in_, ["a", "b", "c", "d"])


def test_sklearn_learning_curve():
    X, y = _blobs()
    sizes, train_scores, test_scores = learning_curve(
        _fast(), X, y, train_sizes=[0.5, 1.0], cv=2
    )
    assert list(sizes) == [30, 60]
    assert test_scores.shape == (2, 2) and np.all(np.isfinite(test_scores))


def test_random_state_makes_fits_reproducible():
    X, y = _blobs()

    def proba(random_state):
        return _fast(random_state=random_state).fit(X, y).predict_proba(X)

    np.testing.assert_array_equal(proba(1), proba(1))
    assert not np.allclose(proba(1), proba(2))
    shared = np.random.RandomState(0)
    # One RandomState instance: each fit draws a new seed, as in scikit-learn.
    assert not np.allclose(proba(shared), proba(shared))


def test_every_fold_starts_from_the_pretrained_weights(tmp_path):
    path = str(tmp_path / "pretrained.weights.h5")
    keras.utils.set_random_seed(1)
    pretrained = mlp_classifier((4,), 3)
    pretrained.save_weights(path)

    def build(input_shape, n_classes):
        model = mlp_classifier(input_shape, n_classes)
        model.load_weights(path)
        # Learning rate 0: the trained weights are the starting weights.
        model.compile(keras.optimizers.SGD(0.0), "sparse_categorical_crossentropy")
        return model

    X, y = _blobs()
    result = cross_validate(
        KerasClassifier(build, epochs=1, random_state=0),
        X,
        y,
        cv=3,
        return_estimator=True,
    )
    for fitted in result["estimator"]:
        for got, want in zip(
            fitted.model_.get_weights(), pretrained.get_weights(), strict=True
        ):
            np.testing.assert_array_equal(got, want)


def test_class_weight_shifts_predictions():
    # Labels independent of X: the weighted class should win nearly everywhere.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4)).astype(np.float32)
    y = np.array(["a", "b"])[rng.integers(0, 2, 200)]
    estimator = _learner(class_weight={"a": 20.0})
    assert np.mean(estimator.fit(X, y).predict(X) == "a") > 0.9
    balanced = _fast(class_weight="balanced").fit(X, y)
    assert balanced.predict_proba(X).shape == (200, 2)


def test_validation_split_reports_validation_loss():
    X, y = _blobs()
    order = np.argsort(y)  # sorted labels: the last quarter is all one class
    estimator = _fast(validation_split=0.25).fit(X[order], y[order])
    assert len(estimator.history_["val_loss"]) == 2


def test_fitted_estimator_pickles():
    X, y = _blobs()
    estimator = _fast().fit(X, y)
    restored = pickle.loads(pickle.dumps(estimator))
    np.testing.assert_allclose(restored.predict_proba(X), estimator.predict_proba(X))


def test_predict_before_fit():
    with pytest.raises(NotFittedError):
        _fast().predict(np.zeros((2, 4)))


def _build_uncompiled(input_shape, n_classes):
    return keras.Sequential([keras.Input(input_shape), keras.layers.Dense(n_classes)])


def _build_wrong_units(input_shape, n_classes):
    return mlp_classifier(input_shape, n_classes + 2)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"epochs": 0}, ValueError, "Received: epochs=0"),
        ({"batch_size": 1.5}, ValueError, "Received: batch_size=1.5"),
        ({"validation_split": 1.0}, ValueError, "Received: validation_split=1.0"),
        ({"callbacks": "stop"}, ValueError, "Received: callbacks='stop'"),
        ({"fit_kwargs": ["shuffle"]}, ValueError, "Received: fit_kwargs=\\['"),
        ({"fit_kwargs": {"epochs": 5}}, ValueError, "Received: fit_kwargs=\\{'ep"),
        ({"random_state": "seed"}, ValueError, "Received: random_state='seed'"),
        ({"class_weight": "equal"}, ValueError, "Received: class_weight='equal'"),
        ({"class_weight": {7: 1.0}}, ValueError, "Received: class_weight=\\{7"),
        ({"units": 3}, ValueError, "Received: units=3"),
        ({"model__depth": 3}, ValueError, "Received: model__depth=3"),
        ({"model__n_classes": 3}, ValueError, "Received: model__n_classes=3"),
        ({"model": lambda: {}}, TypeError, "Received: dict"),
        ({"model": _build_uncompiled}, ValueError, "Received: an uncompiled"),
        ({"model": keras.Sequential()}, TypeError, "Received: model=<Sequential"),
    ],
)
def test_invalid_parameters_fail_in_fit(kwargs, error, match):
    estimator = _fast(**kwargs)  # __init__ only stores them
    X, y = _blobs(n=30)
    with pytest.raises(error, match=match):
        estimator.fit(X, y)


def test_invalid_data():
    X, y = _blobs(n=30)
    with pytest.raises(ValueError, match="Received: classes=\\[2\\]"):
        _fast().fit(X, np.full(30, 2))
    with pytest.raises(ValueError, match="Received: sample_weight.shape=\\(3,\\)"):
        _fast().fit(X, y, sample_weight=[1, 2, 3])
    estimator = KerasClassifier(_build_wrong_units, epochs=1)
    with pytest.raises(ValueError, match="Received: output shape \\(None, 5\\)"):
        estimator.fit(X, y)


class _Subclassed(keras.Model):
    def __init__(self, units):
        super().__init__()
        self.head = keras.layers.Dense(units, activation="softmax")

    def call(self, inputs):
        return self.head(inputs)


def _build_subclassed(units):
    model = _Subclassed(units)
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def _build_sequential(input_shape, units):
    model = keras.Sequential(
        [keras.Input(input_shape), keras.layers.Dense(units, activation="softmax")]
    )
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize(
    "model", [_build_sequential, _build_subclassed], ids=["sequential", "subclassed"]
)
def test_fewer_output_units_than_classes_fail_in_fit(model):
    # Keras' sparse loss failed with a graph error deep in `fit`; the units
    # are checked once the model is built, before training.
    X, y = _blobs(n=30)  # 3 classes
    estimator = KerasClassifier(model, epochs=1, model__units=2)
    with pytest.raises(
        ValueError,
        match=r"one probability per class \(3 units.*"
        r"Received: output shape \(None, 2\) for n_classes=3",
    ):
        estimator.fit(X, y)
    assert not hasattr(estimator, "model_")
