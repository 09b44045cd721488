import keras
import numpy as np
import pytest
from _compare_builders import mlp_regressor
from sklearn.model_selection import cross_validate

from keras_smalldata.compare import KerasRegressor


def _linear(n=200, n_outputs=None, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)).astype(np.float32)
    weights = rng.normal(size=(3, n_outputs or 1))
    y = X @ weights
    return X, (y[:, 0] if n_outputs is None else y)


def _regressor(**kwargs):
    params = {"epochs": 30, "batch_size": 512, "random_state": 0}
    params.update(model__units=16, model__learning_rate=0.1)
    return KerasRegressor(mlp_regressor, **{**params, **kwargs})


def test_learns_a_linear_function():
    X, y = _linear()
    regressor = _regressor().fit(X, y)
    assert regressor.n_outputs_ == 1
    assert regressor.predict(X).shape == (200,)
    assert regressor.score(X, y) > 0.9


@pytest.mark.parametrize("n_outputs", [1, 2])
def test_two_dimensional_targets_keep_their_shape(n_outputs):
    X, y = _linear(n=40, n_outputs=n_outputs)
    regressor = _regressor(epochs=1).fit(X, y)
    assert regressor.n_outputs_ == n_outputs
    assert regressor.predict(X).shape == (40, n_outputs)


def test_cross_validate_keeps_epochs():
    X, y = _linear(n=60)
    result = cross_validate(
        _regressor(epochs=3, batch_size=512), X, y, cv=2, return_estimator=True
    )
    assert [len(e.history_["loss"]) for e in result["estimator"]] == [3, 3]


def test_builder_gets_the_number_of_outputs():
    seen = {}

    def build(n_features_in, n_outputs):
        seen.update(n_features_in=n_features_in, n_outputs=n_outputs)
        return mlp_regressor((n_features_in,), n_outputs)

    X, y = _linear(n=20, n_outputs=3)
    KerasRegressor(build, epochs=1).fit(X, y)
    assert seen == {"n_features_in": 3, "n_outputs": 3}


def test_wrong_number_of_outputs_fails_in_fit_before_training():
    trained = []

    def build(input_shape):
        model = mlp_regressor(input_shape, 2)  # ignores n_outputs
        # A loss that does not look at y: Keras would train, and only
        # `predict` could tell.
        model.compile("sgd", lambda y_true, y_pred: keras.ops.mean(y_pred**2))
        model.fit = lambda *args, **kwargs: trained.append(True)
        return model

    X, y = _linear(n=20)
    regressor = KerasRegressor(build, epochs=1)
    with pytest.raises(
        ValueError, match="Received: output shape \\(None, 2\\) for n_outputs=1"
    ):
        regressor.fit(X, y)
    assert not trained and not hasattr(regressor, "model_")
    # Two target columns and one output unit: Keras broadcasts the loss.
    X, y = _linear(n=20, n_outputs=2)
    with pytest.raises(
        ValueError, match="Received: output shape \\(None, 1\\) for n_outputs=2"
    ):
        KerasRegressor(lambda input_shape: mlp_regressor(input_shape, 1)).fit(X, y)


def test_continuous_targets_only():
    X, _ = _linear(n=20)
    with pytest.raises(ValueError, match="could not convert"):
        KerasRegressor(mlp_regressor, epochs=1).fit(X, np.array(["a", "b"] * 10))
