"""Shared machinery of `KerasClassifier` and `KerasRegressor`.

Keras is imported inside the methods, not at module level, so that importing
`keras_smalldata.compare` (in the main process or in a joblib worker that only
runs scikit-learn models) does not pay for TensorFlow.
"""

import copy
import inspect

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from keras_smalldata._validation import check_int, check_number

_PREFIX = "model__"
# Passed to `model.fit` by the estimator itself; `fit_kwargs` may not hold them.
_RESERVED_FIT_KWARGS = (
    "x",
    "y",
    "epochs",
    "batch_size",
    "validation_split",
    "callbacks",
    "class_weight",
    "sample_weight",
    "verbose",
)


class _KerasEstimator(BaseEstimator):
    """Base of the scikit-learn estimators that wrap a Keras model builder.

    Subclasses define `__init__` (so that scikit-learn sees their parameters),
    `_validate_y_kwargs` (for `validate_data`), `_prepare_targets(y,
    sample_weight)` (validated `y` -> Keras targets and sample weights, setting
    the target-related fitted attributes), `_builder_meta()` (the task-specific
    arguments the builder may ask for), `_check_output_shape(shape)` (raises
    unless the built model's output shape, batch included, fits the targets)
    and `predict`.
    """

    def __init__(
        self,
        model,
        *,
        epochs=10,
        batch_size=32,
        validation_split=0.0,
        callbacks=None,
        fit_kwargs=None,
        verbose=0,
        random_state=None,
        **model_params,
    ):
        self.model = model
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_split = validation_split
        self.callbacks = callbacks
        self.fit_kwargs = fit_kwargs
        self.verbose = verbose
        self.random_state = random_state
        for name, value in model_params.items():
            # Checked in `fit`: only `model__*` names are meaningful.
            setattr(self, name, value)

    # -- scikit-learn parameter protocol, extended with `model__*` ----------

    def get_params(self, deep=True):
        params = super().get_params(deep=deep)
        params.update(self._extra_params())
        return params

    def set_params(self, **params):
        known = self._get_param_names()
        for name in [name for name in params if name not in known]:
            # Extra parameters are stored as given and checked in `fit`.
            setattr(self, name, params.pop(name))
        return super().set_params(**params)

    def _extra_params(self):
        """The `**model_params` given to `__init__` or `set_params`.

        Every public attribute that is neither a named parameter nor a fitted
        attribute (ending in `_`).
        """
        known = self._get_param_names()
        return {
            name: value
            for name, value in vars(self).items()
            if name not in known and not name.startswith("_") and not name.endswith("_")
        }

    def _model_params(self):
        """Arguments for the builder: `model__<name>` -> `<name>`."""
        return {
            name[len(_PREFIX) :]: value for name, value in self._extra_params().items()
        }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        tags.input_tags.three_d_array = True
        return tags

    def __sklearn_is_fitted__(self):
        return hasattr(self, "model_")

    # -- fit -----------------------------------------------------------------

    def fit(self, X, y, sample_weight=None):
        """Builds a fresh model with `model(...)` and trains it on `(X, y)`.

        Args:
            X: array-like of shape `(n_samples, ...)`. The inputs: a table of
                shape `(n_samples, n_features)` or higher-rank samples such as
                images `(n_samples, height, width, channels)`.
            y: array-like of shape `(n_samples,)` (or `(n_samples, n_outputs)`
                for a multi-output regressor). The targets.
            sample_weight: array-like of shape `(n_samples,)` or `None`. Weights
                of the samples in the loss. Defaults to `None` (all 1).

        Returns:
            `self`, fitted.
        """
        from keras_smalldata._seeding import seed_from, seeded

        self._check_params()
        X, y = validate_data(
            self, X, y, allow_nd=True, dtype=np.float32, **self._validate_y_kwargs
        )
        if sample_weight is not None:
            sample_weight = self._check_sample_weight(sample_weight, len(X))
        targets, sample_weight = self._prepare_targets(y, sample_weight)

        seed = seed_from(self.random_state, type(self).__name__)
        # Seeds Python, NumPy and the backend (weights, shuffling, dropout),
        # with Keras' seed draws kept to this thread (see `_seeding`).
        with seeded(seed):
            model = self._build_model(X)
            # A model of another output width fails deep in Keras' graph (or,
            # with a sparse loss and more units, trains and fails in predict).
            shape = _output_shape(model, X)
            if shape is not None:
                self._check_output_shape(shape)

            if self.validation_split > 0:
                # Keras holds out the *last* samples; shuffle so that the held-out
                # part is not, e.g., one class of a sorted dataset.
                order = np.random.default_rng(seed).permutation(len(X))
                X, targets = X[order], targets[order]
                if sample_weight is not None:
                    sample_weight = sample_weight[order]
            # Copies: Keras attaches the model to its callbacks and they keep
            # state; the constructor's objects stay as they were given.
            callbacks = copy.deepcopy(self.callbacks)
            fit_kwargs = dict(self.fit_kwargs or {})
            history = model.fit(
                X,
                targets,
                sample_weight=sample_weight,
                epochs=self.epochs,
                batch_size=self.batch_size,
                validation_split=self.validation_split,
                callbacks=callbacks,
                verbose=self.verbose,
                **fit_kwargs,
            )
        self.model_ = model
        self.history_ = dict(history.history)
        return self

    def _check_params(self):
        name = type(self).__name__
        for param, value in self._extra_params().items():
            if not param.startswith(_PREFIX) or param == _PREFIX:
                raise ValueError(
                    f"{name} got an unexpected parameter {param!r}. Parameters "
                    f"for the model builder need the `{_PREFIX}` prefix, e.g. "
                    f"`{_PREFIX}units=32`. Received: {param}={value!r}"
                )
        check_int(self.epochs, "epochs", low=1)
        check_int(self.batch_size, "batch_size", low=1)
        check_number(self.validation_split, "validation_split", 0, 1, closed="low")
        if self.callbacks is not None and not isinstance(self.callbacks, list | tuple):
            raise ValueError(
                f"{name} expects `callbacks` to be a list of Keras callbacks or "
                f"None. Received: callbacks={self.callbacks!r}"
            )
        if self.fit_kwargs is not None:
            if not isinstance(self.fit_kwargs, dict):
                raise ValueError(
                    f"{name} expects `fit_kwargs` to be a dict or None. "
                    f"Received: fit_kwargs={self.fit_kwargs!r}"
                )
            reserved = sorted(set(self.fit_kwargs) & set(_RESERVED_FIT_KWARGS))
            if reserved:
                raise ValueError(
                    f"{name} sets {reserved} itself; pass them as constructor "
                    "parameters (or to `fit`), not in `fit_kwargs`, so that "
                    "`sklearn.clone` keeps them. "
                    f"Received: fit_kwargs={self.fit_kwargs!r}"
                )

    def _check_sample_weight(self, sample_weight, n_samples):
        sample_weight = np.asarray(sample_weight, dtype=np.float32)
        if sample_weight.shape != (n_samples,):
            raise ValueError(
                f"{type(self).__name__} expects `sample_weight` of shape "
                f"({n_samples},), one weight per sample. "
                f"Received: sample_weight.shape={sample_weight.shape}"
            )
        if not np.any(sample_weight):
            raise ValueError(
                "Sample weights must contain at least one non-zero number. "
                f"Received: sample_weight with {n_samples} zeros"
            )
        if not np.all(np.isfinite(sample_weight)) or np.any(sample_weight < 0):
            raise ValueError(
                f"{type(self).__name__} expects finite, non-negative "
                "`sample_weight`. "
                f"Received: sample_weight with min={sample_weight.min()!r}"
            )
        return sample_weight

    def _build_model(self, X):
        import keras

        builder = self.model
        name = type(self).__name__
        if isinstance(builder, keras.Model) or not callable(builder):
            raise TypeError(
                f"{name} expects `model` to be a function that builds and "
                "compiles a fresh Keras model, so that every fit (every fold) "
                "starts from the same initial or pretrained weights; load "
                "pretrained weights inside that function. "
                f"Received: model={builder!r}"
            )
        meta = {
            "X": X,
            "input_shape": X.shape[1:],
            "n_features_in": self.n_features_in_,
            **self._builder_meta(),
        }
        params = self._model_params()
        clash = sorted(set(params) & set(meta))
        if clash:
            raise ValueError(
                f"{name} passes {clash} to the model builder itself. Received: "
                + ", ".join(f"{_PREFIX}{key}={params[key]!r}" for key in clash)
            )
        signature = inspect.signature(builder).parameters
        takes_any = any(p.kind is p.VAR_KEYWORD for p in signature.values())
        unknown = sorted(key for key in params if key not in signature)
        if unknown and not takes_any:
            raise ValueError(
                f"The model builder {getattr(builder, '__name__', builder)!r} "
                f"takes no argument {unknown}. Its arguments: "
                f"{list(signature)}. Received: "
                + ", ".join(f"{_PREFIX}{key}={params[key]!r}" for key in unknown)
            )
        meta = {k: v for k, v in meta.items() if takes_any or k in signature}
        model = builder(**meta, **params)
        if not isinstance(model, keras.Model):
            raise TypeError(
                f"{name} expects the model builder to return a keras.Model. "
                f"Received: {type(model).__name__} from model={builder!r}"
            )
        if not model.compiled:
            raise ValueError(
                f"{name} expects the model builder to compile the model it "
                "returns (`model.compile(optimizer=..., loss=...)`). "
                f"Received: an uncompiled model from model={builder!r}"
            )
        return model

    # -- predict -------------------------------------------------------------

    def _predict_raw(self, X):
        import keras

        check_is_fitted(self)
        X = validate_data(self, X, reset=False, allow_nd=True, dtype=np.float32)
        # Eager calls in batches: no `predict_function` to trace per model,
        # which costs more than the whole prediction on small datasets.
        outputs = [
            keras.ops.convert_to_numpy(
                self.model_(X[start : start + self.batch_size], training=False)
            )
            for start in range(0, len(X), self.batch_size)
        ]
        return np.concatenate(outputs).astype(np.float64)


def _output_shape(model, X):
    """The shape of the model's single output, or None if it has several.

    Read from `model.outputs` where the model has them (functional and
    Sequential models built from `keras.Input`); otherwise from a call on one
    sample in inference mode, which builds a subclassed model as `fit` would.
    None also when that call fails: `fit` then reports the problem itself.
    """
    import keras

    try:
        outputs = model.outputs
    except (AttributeError, ValueError):
        outputs = None
    if outputs is None:
        try:
            outputs = model(X[:1], training=False)
        except Exception:
            return None
    outputs = keras.tree.flatten(outputs)
    if len(outputs) != 1 or len(outputs[0].shape) == 0:
        return None
    return (None, *outputs[0].shape[1:])
