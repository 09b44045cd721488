"""Estimators that record what they see, to prove what each fit was given.

Column 0 of `X` holds each sample's id. Every `fit`, `transform` and `predict`
writes the ids it saw (and its process id) to a new file in `log_dir`, so that
the records survive cloning and worker processes.
"""

import os
import uuid
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin


def _write(log_dir, kind, ids, fit_id):
    name = f"{kind}-{fit_id}-{uuid.uuid4().hex}.npz"
    np.savez(Path(log_dir) / name, ids=np.asarray(ids), pid=os.getpid())


def read(log_dir, kind):
    """[(fit id, ids, pid)] of every record of `kind` in `log_dir`."""
    records = []
    for path in sorted(Path(log_dir).glob(f"{kind}-*.npz")):
        data = np.load(path)
        records.append(
            (
                path.name.split("-")[1],
                set(data["ids"].astype(int).tolist()),
                int(data["pid"]),
            )
        )
    return records


class RecordingClassifier(ClassifierMixin, BaseEstimator):
    """Predicts the majority class of its training data; records everything."""

    def __init__(self, log_dir=None, role="classifier"):
        self.log_dir = log_dir
        self.role = role

    def fit(self, X, y):
        self.fit_id_ = uuid.uuid4().hex
        _write(self.log_dir, f"fit_{self.role}", np.asarray(X)[:, 0], self.fit_id_)
        self.classes_, counts = np.unique(y, return_counts=True)
        self.majority_ = self.classes_[np.argmax(counts)]
        return self

    def predict(self, X):
        _write(self.log_dir, f"predict_{self.role}", np.asarray(X)[:, 0], self.fit_id_)
        return np.full(len(X), self.majority_)


class RecordingScaler(TransformerMixin, BaseEstimator):
    """Standardises columns 1+ (column 0, the id, passes); records its fit."""

    def __init__(self, log_dir=None):
        self.log_dir = log_dir

    def fit(self, X, y=None):
        X = np.asarray(X)
        _write(self.log_dir, "fit_scaler", X[:, 0], uuid.uuid4().hex)
        self.mean_, self.scale_ = X[:, 1:].mean(0), X[:, 1:].std(0) + 1e-9
        return self

    def transform(self, X):
        X = np.asarray(X, dtype=float)
        return np.column_stack([X[:, 0], (X[:, 1:] - self.mean_) / self.scale_])


def adapting_classifier(X, input_shape, n_classes, log_dir):
    """A Keras builder that adapts a Normalization layer to the data it gets."""
    # Imported here: workers that only run the recorders skip TensorFlow.
    import keras
    from _compare_builders import mlp_classifier

    _write(log_dir, "fit_adapt", X[:, 0], uuid.uuid4().hex)
    model = mlp_classifier(input_shape, n_classes)
    normalization = keras.layers.Normalization()
    normalization.adapt(X)
    model = keras.Sequential([keras.Input(input_shape), normalization, model])
    model.compile("adam", "sparse_categorical_crossentropy", run_eagerly=True)
    return model
