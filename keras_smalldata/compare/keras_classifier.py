"""`KerasClassifier`: a Keras model builder as a scikit-learn classifier."""

import numbers

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets

from keras_smalldata.compare._keras_estimator import _KerasEstimator


class KerasClassifier(ClassifierMixin, _KerasEstimator):
    """A Keras model, built fresh for every fit, as a scikit-learn classifier.

    `model` is a function that builds and compiles a new Keras model. It is
    called at the start of every `fit`, so each fold of a cross-validation
    starts from the same state: random initial weights drawn from
    `random_state`, or pretrained weights that the function loads itself.
    Every option of the training run is a constructor parameter, so
    `sklearn.clone` (used by `cross_validate`, `GridSearchCV`, ...) keeps them
    all; parameters prefixed with `model__` are passed to the builder and can be
    tuned like any other (`{"model__units": [16, 64]}`).

    The builder receives, among its named arguments, only those it asks for:

    - `input_shape`: tuple, the shape of one sample (`X.shape[1:]`).
    - `n_features_in`: int, `X.shape[1]`.
    - `n_classes`: int, the number of classes.
    - `X`: the training inputs of this fit, e.g. to `adapt` a `Normalization`
      layer on the training fold only.
    - every `model__<name>` parameter, as `<name>`.

    The labels reach Keras as integers `0 .. n_classes - 1` (the index of the
    class in `classes_`), so compile with `"sparse_categorical_crossentropy"`
    and end in a softmax of `n_classes` units, or, for two classes, with
    `"binary_crossentropy"` and one sigmoid unit. The model outputs
    probabilities; `predict` returns the most probable class of `classes_`, so
    labels may be strings or any integers.

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
        class_weight: dict mapping labels (as in `y`) to weights, `"balanced"`,
            or `None`. Multiplies the sample weights. Defaults to `None`.
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
        classes_: ndarray of shape `(n_classes,)`. The class labels.
        n_features_in_: int. `X.shape[1]` during fit.
        feature_names_in_: ndarray of str. Column names, if `X` was a
            DataFrame with string column names.

    Example:

    >>> def build(input_shape, n_classes, units=32):
    ...     model = keras.Sequential([
    ...         keras.Input(input_shape),
    ...         keras.layers.Flatten(),
    ...         keras.layers.Dense(units, activation="relu"),
    ...         keras.layers.Dense(n_classes, activation="softmax"),
    ...     ])
    ...     optimizer = keras.optimizers.Adam(0.01)
    ...     model.compile(optimizer, "sparse_categorical_crossentropy")
    ...     return model
    >>> x, y = keras_smalldata.datasets.load_digits()
    >>> clf = keras_smalldata.compare.KerasClassifier(
    ...     build, epochs=5, random_state=0, model__units=64
    ... )
    >>> clf.fit(x[:300], y[:300]).score(x[300:500], y[300:500]) > 0.7
    True
    """

    def __init__(
        self,
        model,
        epochs=10,
        batch_size=32,
        validation_split=0.0,
        callbacks=None,
        class_weight=None,
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
        self.class_weight = class_weight

    _validate_y_kwargs = {}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Whether a network reaches scikit-learn's accuracy bars depends on the
        # architecture and epochs the user chooses, not on the wrapper.
        tags.classifier_tags.poor_score = True
        return tags

    def _prepare_targets(self, y, sample_weight):
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        targets = encoder.transform(y).astype(np.int32)
        present = np.unique(
            targets if sample_weight is None else targets[sample_weight > 0]
        )
        if len(present) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes to "
                f"train (with positive sample weight); got 1 class. "
                f"Received: classes={self.classes_[present].tolist()}"
            )
        if self.class_weight is not None:
            weights = self._class_weights(y)[targets]
            sample_weight = (
                weights if sample_weight is None else sample_weight * weights
            )
        return targets, sample_weight

    def _class_weights(self, y):
        """Weight of each class, in the order of `classes_`."""
        class_weight = self.class_weight
        if isinstance(class_weight, str) and class_weight == "balanced":
            weights = compute_class_weight("balanced", classes=self.classes_, y=y)
            return weights.astype(np.float32)
        if not isinstance(class_weight, dict):
            raise ValueError(
                f"{type(self).__name__} expects `class_weight` to be a dict "
                "{label: weight}, 'balanced' or None. "
                f"Received: class_weight={class_weight!r}"
            )
        unknown = [label for label in class_weight if label not in self.classes_]
        bad = [
            w for w in class_weight.values() if not isinstance(w, numbers.Real) or w < 0
        ]
        if unknown or bad:
            raise ValueError(
                f"{type(self).__name__} expects `class_weight` keys among the "
                f"labels {self.classes_.tolist()} and non-negative weights. "
                f"Received: class_weight={class_weight!r}"
            )
        return np.array(
            [class_weight.get(label, 1.0) for label in self.classes_], dtype=np.float32
        )

    def _builder_meta(self):
        return {"n_classes": len(self.classes_)}

    def _check_output_shape(self, shape):
        n_classes = len(self.classes_)
        widths = (n_classes, 1) if n_classes == 2 else (n_classes,)
        if len(shape) == 2 and (shape[1] is None or shape[1] in widths):
            return
        raise ValueError(
            f"{type(self).__name__} expects the model built by `model` to output "
            f"one probability per class ({n_classes} units, or 1 sigmoid unit for "
            f"2 classes). Received: output shape {shape} for n_classes={n_classes}"
        )

    def predict_proba(self, X):
        """Class probabilities, one column per class of `classes_`.

        Args:
            X: array-like of shape `(n_samples, ...)`, shaped like the training
                inputs.

        Returns:
            ndarray of shape `(n_samples, n_classes)`, rows summing to 1.
        """
        raw = self._predict_raw(X)
        n_classes = len(self.classes_)
        if raw.ndim == 2 and raw.shape[1] == 1 and n_classes == 2:
            raw = np.concatenate([1.0 - raw, raw], axis=1)
        if raw.ndim != 2 or raw.shape[1] != n_classes:
            raise ValueError(
                f"{type(self).__name__} expects the model to output one "
                f"probability per class ({n_classes} units, or 1 sigmoid unit "
                f"for 2 classes). Received: output shape {raw.shape}"
            )
        raw = np.clip(raw, 0.0, None)
        return raw / raw.sum(axis=1, keepdims=True)

    def predict(self, X):
        """The most probable class of each sample.

        Args:
            X: array-like of shape `(n_samples, ...)`, shaped like the training
                inputs.

        Returns:
            ndarray of shape `(n_samples,)` with labels from `classes_`.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]
