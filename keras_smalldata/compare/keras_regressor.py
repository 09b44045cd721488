"""`KerasRegressor`: a Keras model builder as a scikit-learn regressor."""

import numpy as np
from sklearn.base import RegressorMixin

from keras_smalldata.compare._keras_estimator import _KerasEstimator


class KerasRegressor(RegressorMixin, _KerasEstimator):
    """A Keras model, built fresh for every fit, as a scikit-learn regressor.

    `model` is a function that builds and compiles a new Keras model. It is
    called at the start of every `fit`, so each fold of a cross-validation
    starts from the same state: random initial weights drawn from
    `random_state`, or pretrained weights that the function loads itself.
    Every option of the training run is a constructor parameter, so
    `sklearn.clone` keeps them all; parameters prefixed with `model__` are
    passed to the builder and can be tuned like any other.

    The builder receives, among its named arguments, only those it asks for:

    - `input_shape`: tuple, the shape of one sample (`X.shape[1:]`).
    - `n_features_in`: int, `X.shape[1]`.
    - `n_outputs`: int, the number of targets (1 for a 1-D `y`).
    - `X`: the training inputs of this fit, e.g. to `adapt` a `Normalization`
      layer on the training fold only.
    - every `model__<name>` parameter, as `<name>`.

    The model should end in `n_outputs` linear units. Targets are passed as
    given; on targets far from unit scale, wrap the regressor in
    `sklearn.compose.TransformedTargetRegressor` with a `StandardScaler`.

    Args:
        model: callable. Builds and returns a compiled `keras.Model`; see above.
        epochs: int. Number of epochs of every fit. Defaults to `10`.
        batch_size: int. Batch size for training and prediction. Defaults to
            `32`.
        validation_split: float in `[0, 1)`. Fraction of the training data held
            out by Keras for validation (e.g. for `EarlyStopping`), after a
            shuffle seeded by `random_state`. Defaults to `0.0`.
        callbacks: list of `keras.callbacks.Callback` or `None`. Deep-copied at
            every fit, so no state carries over between fits. Defaults to
            `None`.
        fit_kwargs: dict or `None`. More arguments for `keras.Model.fit`, e.g.
            `{"shuffle": False}`; not the ones above. Never modified. Defaults
            to `None`.
        verbose: int. Verbosity of `keras.Model.fit`. Defaults to `0`.
        random_state: int, `numpy.random.RandomState` or `None`. If set, every
            fit calls `keras.utils.set_random_seed` with a seed derived from it
            (this seeds Python's, NumPy's and the backend's global generators),
            which makes results reproducible on a given machine. Defaults to
            `None`.
        **model_params: `model__<name>=value` arguments for the builder.

    Attributes:
        model_: `keras.Model`. The trained model.
        history_: dict. `History.history` of the fit: lists of metric values.
        n_outputs_: int. Number of targets.
        n_features_in_: int. `X.shape[1]` during fit.
        feature_names_in_: ndarray of str. Column names, if `X` was a
            DataFrame with string column names.

    Example:

    >>> def build(n_features_in, n_outputs, learning_rate=0.001):
    ...     model = keras.Sequential(
    ...         [keras.Input((n_features_in,)), keras.layers.Dense(n_outputs)]
    ...     )
    ...     model.compile(keras.optimizers.Adam(learning_rate), "mse")
    ...     return model
    >>> x = np.random.default_rng(0).normal(size=(200, 3))
    >>> y = x @ [1.0, -2.0, 0.5]
    >>> reg = keras_smalldata.compare.KerasRegressor(
    ...     build, epochs=5, random_state=0, model__learning_rate=0.1
    ... )
    >>> reg.fit(x, y).score(x, y) > 0.9
    True
    """

    def __init__(
        self,
        model,
        epochs=10,
        batch_size=32,
        validation_split=0.0,
        callbacks=None,
        fit_kwargs=None,
        verbose=0,
        random_state=None,
        **model_params,
    ):
        super().__init__(
            model,
            epochs=epochs,
            batch_size=batch_size,
            validation_split=validation_split,
            callbacks=callbacks,
            fit_kwargs=fit_kwargs,
            verbose=verbose,
            random_state=random_state,
            **model_params,
        )

    _validate_y_kwargs = {"multi_output": True, "y_numeric": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        # Whether a network reaches scikit-learn's R^2 bar depends on the
        # architecture and epochs the user chooses, not on the wrapper.
        tags.regressor_tags.poor_score = True
        return tags

    def _prepare_targets(self, y, sample_weight):
        targets = np.asarray(y, dtype=np.float32)
        self.n_outputs_ = 1 if targets.ndim == 1 else targets.shape[1]
        self._target_ndim = targets.ndim
        return targets, sample_weight

    def _builder_meta(self):
        return {"n_outputs": self.n_outputs_}

    def _check_output_shape(self, shape):
        n_outputs = self.n_outputs_
        if (len(shape) == 2 and shape[1] in (None, n_outputs)) or (
            len(shape) == 1 and n_outputs == 1
        ):
            return
        raise ValueError(
            f"{type(self).__name__} expects the model built by `model` to output "
            f"{n_outputs} value(s) per sample, one per target column of `y`. "
            f"Received: output shape {shape} for n_outputs={n_outputs}"
        )

    def predict(self, X):
        """Predicted targets.

        Args:
            X: array-like of shape `(n_samples, ...)`, shaped like the training
                inputs.

        Returns:
            ndarray of shape `(n_samples,)` if `y` was 1-D during fit, else
            `(n_samples, n_outputs_)`.
        """
        raw = self._predict_raw(X)
        if raw.ndim == 1:
            raw = raw[:, np.newaxis]
        if raw.ndim != 2 or raw.shape[1] != self.n_outputs_:
            raise ValueError(
                f"{type(self).__name__} expects the model to output "
                f"{self.n_outputs_} value(s) per sample, one per target. "
                f"Received: output shape {raw.shape}"
            )
        return raw[:, 0] if self._target_ndim == 1 else raw
