"""Bad inputs of `keras_smalldata.export`."""

import os
import shutil

import keras
import numpy as np
from bad_inputs._cases_common import (
    STRINGS,
    TABLE,
    cases,
    dense_model,
    exported,
    received,
    temporary_dir,
)

from keras_smalldata import export


def _export(model=None, export_dir=None, **kwargs):
    model = dense_model() if model is None else model
    export_dir = exported()[0] if export_dir is None else export_dir
    return export.export_for_serving(model, export_dir, **kwargs)


def _export_into_a_file():
    path = os.path.join(temporary_dir(), "not_a_dir")
    with open(path, "w") as file:
        file.write("x")
    return _export(export_dir=path)


def _verify(**kwargs):
    return export.verify_export(**{"path": exported()[1], "inputs": TABLE, **kwargs})


def _verify_the_export_dir():
    return _verify(path=exported()[0])


def _export_beside(folder):
    """Export version 10 into a directory that holds the folder `folder`."""
    export_dir = temporary_dir()
    os.mkdir(os.path.join(export_dir, folder))
    return _export(export_dir=export_dir, version=10)


def _verify_damaged(damage):
    """`verify_export` on a copy of the export whose saved_model.pb is damaged."""
    path = os.path.join(temporary_dir(), "1")
    shutil.copytree(exported()[1], path)
    name = os.path.join(path, "saved_model.pb")
    with open(name, "rb") as file:
        data = file.read()
    with open(name, "wb") as file:
        file.write({"truncated": data[: len(data) // 2], "empty": b""}[damage])
    return export.verify_export(path, TABLE)


# Tables of cases, one row each: kept as written.
# fmt: off
CASES = cases("export.export_for_serving", _export, [
    ("model-is-a-string", {"model": "model"}, TypeError,
     r"Received: model='model' of type"),
    ("unbuilt-model", {"model": keras.Sequential([keras.layers.Dense(2)])},
     ValueError, r"must be built.*with model.built=False"),
    ("export-dir-is-a-number", {"export_dir": 5}, TypeError,
     r"Received: export_dir=5 of type"),
    ("zero-version", {"version": 0}, ValueError, received("version", 0)),
    ("string-version", {"version": "2"}, ValueError, received("version", "'2'")),
    ("bool-version", {"version": True}, ValueError, received("version", True)),
    ("existing-version", {"version": 1}, ValueError,
     r"never overwrites.*Received: version=1"),
    ("signature-is-a-string", {"input_signature": "x"}, TypeError,
     r"Received: 'x' of type"),
    ("warmup-of-other-shape", {"warmup_inputs": np.zeros((2, 5))}, ValueError,
     r"Received: warmup_inputs\['x'\].shape=\(2, 5\)"),
    ("string-warmup", {"warmup_inputs": STRINGS}, ValueError,
     r"Received: dtype=<U1"),
    ("empty-warmup", {"warmup_inputs": np.zeros((0, 4))}, ValueError,
     r"Received batch sizes: \{'x': 0\}"),
]) + cases("export.export_for_serving", _export_into_a_file, [
    ("export-dir-is-a-file", {}, ValueError,
     r"not a directory.*Received: export_dir='.*not_a_dir'"),
]) + cases("export.verify_export", _verify, [
    ("path-is-a-number", {"path": 5}, TypeError, r"Received: path=5 of type"),
    ("negative-atol", {"atol": -1}, ValueError, received("atol", -1)),
    ("inputs-of-other-shape", {"inputs": np.zeros((1, 5))}, ValueError,
     r"Received: inputs\['x'\].shape=\(1, 5\)"),
    ("string-inputs", {"inputs": STRINGS}, ValueError, r"Received: dtype=<U1"),
    ("empty-inputs", {"inputs": np.zeros((0, 4))}, ValueError,
     r"Received batch sizes"),
    ("inputs-with-unknown-key", {"inputs": {"y": TABLE}}, ValueError,
     r"Received: inputs keys \['y'\]"),
    ("expected-with-unknown-key", {"expected": {"scores": np.zeros((8, 2))}},
     ValueError, r"Received: expected keys \['scores'\]"),
]) + cases("export.verify_export", _verify_the_export_dir, [
    ("path-is-the-export-dir", {}, ValueError,
     r"not its parent `export_dir`. Received: path="),
]) + cases("export.export_for_serving", _export_beside, [
    ("version-exists-with-leading-zeros", {"folder": "0010"}, ValueError,
     r"Version 10 already exists .*\(as 0010\).*Received: version=10"),
]) + cases("export.verify_export", _verify_damaged, [
    # The documented error for a SavedModel that does not load, naming it.
    ("truncated-saved-model-pb", {"damage": "truncated"}, RuntimeError,
     r"SavedModel at '.*1' cannot be read: saved_model.pb is corrupt, truncated"),
    ("empty-saved-model-pb", {"damage": "empty"}, RuntimeError,
     r"SavedModel at '.*1' cannot be read: saved_model.pb holds no meta graph"),
])
# fmt: on
