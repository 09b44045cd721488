"""Bad inputs of `models.SemiSupervised` and `data.semi_supervised_dataset`."""

import keras
import numpy as np
from bad_inputs._cases_common import (
    LABELS,
    STRINGS,
    TABLE,
    call_method,
    case,
    cases,
    dense_model,
    received,
    with_nan,
)

from keras_smalldata import data, layers, models

UNLABELED = np.random.default_rng(1).normal(size=(12, 4)).astype("float32")


class _Built:
    """An argument built when the case runs, not when the tests are collected."""

    def __init__(self, make, *args, **kwargs):
        self.make = lambda: make(*args, **kwargs)


def _build(kwargs):
    return {k: v.make() if isinstance(v, _Built) else v for k, v in kwargs.items()}


def _model(**kwargs):
    return models.SemiSupervised(
        **_build({"classifier": _Built(dense_model), **kwargs})
    )


def _adapted():
    model = _model(seed=0)
    model.adapt(TABLE)
    model.compile(optimizer="adam")
    return model


def _dataset(**kwargs):
    arguments = {"x": TABLE, "y": LABELS, "x_unlabeled": UNLABELED, "batch_size": 4}
    return data.semi_supervised_dataset(**{**arguments, **kwargs})


def _fit(make=_adapted, **kwargs):
    """`fit` of a fresh model, so that a check that regresses changes no other."""
    arguments = {"x": _Built(_dataset), "epochs": 1, "verbose": 0, **kwargs}
    return make().fit(**_build(arguments))


def _unadapted():
    model = _model(seed=0)
    model.compile(optimizer="adam")
    return model


def _plain_dataset():
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices((TABLE, LABELS)).batch(4)


def _rank_5():
    return keras.Sequential(
        [keras.Input((2, 2, 2, 1)), keras.layers.Flatten(), keras.layers.Dense(2)]
    )


def _without_input():
    return keras.Sequential([keras.layers.Dense(2)])


# Tables of cases, one row each: kept as written.
# fmt: off
MODEL = cases("models.SemiSupervised", _model, [
    ("classifier-is-a-string", {"classifier": "classifier"}, ValueError,
     received("classifier", "'classifier'")),
    ("classifier-without-input",
     {"classifier": _Built(_without_input)}, ValueError,
     r"functional or Sequential model .*Received: classifier=<Sequential"),
    ("one-output-unit", {"classifier": _Built(dense_model, units=1)}, ValueError,
     r"num_classes >= 2. Received: output shape \(None, 1\)"),
    ("zero-threshold", {"threshold": 0}, ValueError, received("threshold", 0)),
    ("threshold-above-one", {"threshold": 1.5}, ValueError,
     received("threshold", 1.5)),
    ("negative-unlabeled-weight", {"unlabeled_loss_weight": -1}, ValueError,
     received("unlabeled_loss_weight", -1)),
    ("unknown-data-kind", {"data_kind": "text"}, ValueError,
     received("data_kind", "'text'")),
    ("data-kind-of-rank-5", {"classifier": _Built(_rank_5)}, ValueError,
     received("data_kind", None)),
    ("policy-is-a-list", {"weak_augmentation": [layers.FeatureNoise()]},
     ValueError, r"Received: weak_augmentation=\[<FeatureNoise"),
    ("policy-changes-the-shape", {"strong_augmentation": _Built(keras.layers.Dense, 3)},
     ValueError, r"Received: strong_augmentation mapping it to \(None, 3\)"),
    ("reversed-value-range", {"value_range": (1, 0)}, ValueError,
     received("value_range", (1, 0))),
    ("from-logits-is-a-string", {"from_logits": "yes"}, ValueError,
     received("from_logits", "'yes'")),
    ("negative-seed", {"seed": -1}, ValueError, received("seed", -1)),
]) + [
    case("models.SemiSupervised.compile", "with-a-loss", call_method,
         {"make": _model, "method": "compile", "loss": "mse"}, ValueError,
         received("loss", "'mse'")),
    case("models.SemiSupervised.adapt", "string-data", call_method,
         {"make": _model, "method": "adapt", "data": STRINGS}, TypeError,
         r"Received: data.dtype=<U1"),
] + cases("models.SemiSupervised.fit", _fit, [
    ("arrays", {"x": TABLE, "y": LABELS}, ValueError,
     r"semi_supervised_dataset.*Received: x of type ndarray"),
    ("dataset-of-x-and-y", {"x": _Built(_plain_dataset)}, ValueError,
     r"Received: x of type TensorSpec"),
    ("unadapted-feature-noise", {"make": _unadapted}, ValueError,
     r"call `model.adapt\(x\)`.*Received: FeatureNoise not adapted"),
])

DATASET = cases("data.semi_supervised_dataset", _dataset, [
    ("zero-ratio", {"ratio": 0}, ValueError, received("ratio", 0)),
    ("fractional-ratio", {"ratio": 0.5}, ValueError, received("ratio", 0.5)),
    ("zero-batch-size", {"batch_size": 0}, ValueError, received("batch_size", 0)),
    ("zero-steps-per-epoch", {"steps_per_epoch": 0}, ValueError,
     received("steps_per_epoch", 0)),
    ("x-and-y-lengths-differ", {"y": LABELS[:5]}, ValueError,
     r"\(len\(x\)=8\). Received: len\(y\)=5"),
    ("empty-unlabeled", {"x_unlabeled": UNLABELED[:0]}, ValueError,
     r"Received: x_unlabeled.shape=\(0, 4\)"),
    ("unlabeled-of-other-shape", {"x_unlabeled": np.zeros((6, 5))}, ValueError,
     r"Received: x_unlabeled.shape=\(6, 5\)"),
    ("y-unlabeled-lengths-differ", {"y_unlabeled": LABELS[:3]}, ValueError,
     r"\(len\(x_unlabeled\)=12\). Received: len\(y_unlabeled\)=3"),
    ("nan-x", {"x": with_nan(TABLE, (1, 2))}, ValueError,
     r"Received: x\[1, 2\]=nan"),
    ("string-x", {"x": STRINGS}, TypeError, r"Received: x.dtype=<U1"),
    ("negative-label", {"y": LABELS - 1}, ValueError, r"Received: y\[0\]=-1"),
    ("fractional-label", {"y": LABELS + 0.5}, ValueError,
     r"Received: y\[0\]=0.5"),
    ("labels-of-rank-3", {"y": LABELS.reshape(8, 1, 1)}, ValueError,
     r"Received: y.shape=\(8, 1, 1\)"),
    ("negative-seed", {"seed": -1}, ValueError, received("seed", -1)),
])
# fmt: on

CASES = [*MODEL, *DATASET]
