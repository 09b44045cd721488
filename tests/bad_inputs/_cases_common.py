"""The `case` helper and the tiny objects the bad-input cases call methods on.

A case is `pytest.param(call, kwargs, error, match, id="<entry>:<what>")`:
`call(**kwargs)` must raise `error` with a message matching `match`. `<entry>`
is the public name under test, `subpackage.Name` (`layers.Jitter`,
`models.VAE.fit`), which `test_every_public_entry_point_has_a_case` checks
against each subpackage's exports.

Objects are built on first use and cached, so that collecting the tests builds
nothing; cases that could change an object (a `fit` that should fail) build
their own.
"""

import atexit
import functools
import re
import shutil
import tempfile

import keras
import numpy as np
import pytest


def case(entry, what, call, kwargs, error, match):
    """One bad input: `call(**kwargs)` raises `error` matching `match`."""
    return pytest.param(call, kwargs, error, match, id=f"{entry}:{what}")


def cases(entry, call, rows):
    """The cases of one entry point: `rows` of `(what, kwargs, error, match)`."""
    return [case(entry, what, call, *row) for what, *row in rows]


def received(name, value):
    """`match` for our error convention, `Received: name=value`."""
    return re.escape(f"Received: {name}={value}")


# -- arrays -------------------------------------------------------------------

RNG = np.random.default_rng(0)
TABLE = RNG.normal(size=(8, 4)).astype("float32")
LABELS = np.arange(8) % 2
ONE_HOT = np.eye(2, dtype="float32")[LABELS]
IMAGES = RNG.uniform(0, 1, (2, 8, 8, 1)).astype("float32")
SERIES = RNG.normal(size=(2, 6, 2)).astype("float32")
STRINGS = np.full((8, 4), "a")


def with_nan(array, index=(0,) * 2):
    array = np.array(array, dtype="float32")
    array[index] = np.nan
    return array


def with_inf(array, index=(0,) * 2):
    array = np.array(array, dtype="float32")
    array[index] = np.inf
    return array


# -- callables ----------------------------------------------------------------


def call_layer(layer, inputs, training=True, **init):
    """Builds `layer(**init)` and calls it on `inputs`."""
    return layer(**init)(inputs, training=training)


def adapt_layer(layer, data, **init):
    return layer(**init).adapt(data)


def call_method(make, method, **kwargs):
    """`make().<method>(**kwargs)`: a method of a (cached) object."""
    return getattr(make(), method)(**kwargs)


# -- tiny objects -------------------------------------------------------------


def dense_model(features=4, units=2, compiled=False):
    model = keras.Sequential(
        [keras.Input((features,), name="x"), keras.layers.Dense(units, name="head")]
    )
    if compiled:
        model.compile("adam", "mse")
    return model


def nested_model():
    """A model holding a nested backbone, as `build_classifier` makes them."""
    backbone = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3, name="b1")], name="backbone"
    )
    return keras.Sequential([keras.Input((4,)), backbone, keras.layers.Dense(2)])


def tabular_vae(num_classes=2):
    from keras_smalldata.models import VAE

    vae = VAE.for_tabular(4, latent_dim=2, num_classes=num_classes, hidden_units=(4,))
    vae.compile(optimizer="adam")
    return vae


# Shared by the cases that must not change it: its methods only read.
cached_vae = functools.cache(tabular_vae)


@functools.cache
def unconditional_vae():
    return tabular_vae(num_classes=None)


@functools.cache
def fitted_comparison():
    from sklearn.tree import DecisionTreeClassifier

    from keras_smalldata.compare import ModelComparison

    x = np.random.default_rng(0).normal(size=(20, 3))
    y = np.arange(20) % 2
    estimators = {
        "tree": DecisionTreeClassifier(random_state=0),
        "stump": DecisionTreeClassifier(max_depth=1, random_state=0),
    }
    return ModelComparison(estimators, cv=2).fit(x, y)


def temporary_dir():
    path = tempfile.mkdtemp(prefix="keras_smalldata-bad-inputs-")
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


@functools.cache
def exported():
    """`(export_dir, version_path)` of the dense model, exported once."""
    from keras_smalldata.export import export_for_serving

    export_dir = temporary_dir()
    return export_dir, export_for_serving(dense_model(), export_dir)


def study_results(**columns):
    import pandas as pd

    frame = {
        "arm": ["svc", "scratch"],
        "kind": ["traditional", "deep"],
        "size": [5, 5],
        "repeat": [0, 0],
        "metric": ["accuracy", "accuracy"],
        "value": [0.5, 0.6],
        "fit_seconds": [0.1, 0.2],
        "n_train": [10, 10],
        "n_test": [20, 20],
    }
    frame.update(columns)
    return pd.DataFrame({k: v for k, v in frame.items() if v is not None})
