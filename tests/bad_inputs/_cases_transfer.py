"""Bad inputs of `keras_smalldata.transfer`."""

import keras
from bad_inputs._cases_common import (
    LABELS,
    TABLE,
    case,
    cases,
    dense_model,
    nested_model,
    received,
)

from keras_smalldata import transfer as T
from keras_smalldata.callbacks import GradualUnfreezing


def _unfreeze(**kwargs):
    return T.unfreeze(dense_model(), **kwargs)


def _classifier(**kwargs):
    arguments = {"backbone": nested_model().layers[0], "num_classes": 3}
    return T.build_classifier(**{**arguments, **kwargs})


def _optimizer(ratios):
    default = keras.optimizers.Adam()
    return T.DiscriminativeOptimizer(
        keras.optimizers.OptimizerMap(default_optimizer=default), ratios
    )


_SCHEDULE = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)


def _discriminative(**kwargs):
    return T.discriminative_optimizer(**{"model": nested_model(), **kwargs})


def _fine_tune(**kwargs):
    model = nested_model()
    model.compile("adam", "sparse_categorical_crossentropy")
    arguments = {"model": model, "train_data": (TABLE, LABELS), "epochs": 1}
    return T.fine_tune(**{**arguments, **kwargs})


def _unfreeze_gradually(optimizer):
    """`fit` with `GradualUnfreezing` and `optimizer()`, which it must refuse
    when training starts (it rebuilds the optimizer as blocks unfreeze)."""
    model = nested_model()
    T.freeze(model.layers[0])
    model.compile(optimizer(), "mse", run_eagerly=True)
    callbacks = [GradualUnfreezing(model.layers[0])]
    model.fit(TABLE, TABLE[:, :2], epochs=2, callbacks=callbacks, verbose=0)


def _multi_optimizer():
    default = keras.optimizers.Adam()
    return keras.optimizers.MultiOptimizer(
        keras.optimizers.OptimizerMap(default_optimizer=default)
    )


_UNBUILT = keras.Sequential([keras.layers.Dense(2)])

# Tables of cases, one row each: kept as written.
# fmt: off
CASES = [
    case("transfer.freeze", "not-a-model", T.freeze, {"model_or_layer": "resnet"},
         TypeError, r"Received: model_or_layer of type str"),
    case("transfer.unfreeze", "not-a-model", T.unfreeze, {"model": [1]},
         TypeError, r"Received: model of type list"),
    case("transfer.trainable_summary", "not-a-model", T.trainable_summary,
         {"model": "resnet"}, TypeError, r"Received: model of type str"),
    case("transfer.InferenceMode", "not-a-layer", T.InferenceMode,
         {"layer": "backbone"}, TypeError, r"Received: layer of type str"),
    case("transfer.DiscriminativeOptimizer", "map-is-a-dict",
         T.DiscriminativeOptimizer, {"optimizer_map": {"head": "adam"}},
         TypeError, r"Received: optimizer_map of type dict"),
] + cases("transfer.unfreeze", _unfreeze, [
    ("negative-last-n", {"last_n": -1}, ValueError, received("last_n", -1)),
    ("fraction-above-1", {"fraction": 1.5}, ValueError, received("fraction", 1.5)),
    ("unknown-layer", {"from_layer": "conv9"}, ValueError,
     received("from_layer", "'conv9'")),
    ("two-selectors", {"last_n": 1, "fraction": 0.5}, ValueError,
     r"at most one of .*Received: last_n=..., fraction=..."),
]) + cases("transfer.ApplicationPreprocessing", T.ApplicationPreprocessing, [
    ("unknown-module", {"module": "resnet9000"}, ValueError,
     received("module", "'resnet9000'")),
    ("module-is-a-number", {"module": 50}, ValueError, received("module", 50)),
]) + cases("transfer.build_classifier", _classifier, [
    ("one-class", {"num_classes": 1}, ValueError, received("num_classes", 1)),
    ("dropout-of-1", {"dropout": 1.0}, ValueError, received("dropout", 1.0)),
    ("unknown-pooling", {"pooling": "median"}, ValueError,
     received("pooling", "'median'")),
    ("unknown-application", {"backbone": "ResNet9000"}, ValueError,
     received("backbone", "'ResNet9000'")),
    ("backbone-is-a-number", {"backbone": 50}, TypeError,
     r"Received: backbone of type int"),
    ("missing-weights-file", {"weights": "/nonexistent/b.weights.h5"}, ValueError,
     received("weights", "'/nonexistent/b.weights.h5'")),
    ("augmentation-is-a-string", {"augmentation": "flip"}, TypeError,
     r"Received: augmentation='flip' of type str"),
]) + cases("transfer.DiscriminativeOptimizer", _optimizer, [
    ("ratios-of-other-length", {"ratios": [1.0, 0.1]}, ValueError,
     received("ratios", [1.0, 0.1])),
    ("negative-ratio", {"ratios": [-1.0]}, ValueError, received("ratios", [-1.0])),
]) + cases("transfer.discriminative_optimizer", _discriminative, [
    ("zero-base-lr", {"base_lr": 0}, ValueError, received("base_lr", 0)),
    ("lr-mult-below-1", {"base_lr": 1e-3, "lr_mult": 0.5}, ValueError,
     received("lr_mult", 0.5)),
    ("zero-groups", {"base_lr": 1e-3, "num_groups": 0}, ValueError,
     received("num_groups", 0)),
    ("unbuilt-model", {"model": _UNBUILT, "base_lr": 1e-3}, ValueError,
     r"built keras.Model. Received: model=<Sequential"),
    ("unknown-optimizer", {"base_lr": 1e-3, "optimizer": "adamw9000"},
     ValueError, r"Could not interpret optimizer identifier: adamw9000"),
    ("base-lr-is-a-function", {"base_lr": abs}, ValueError,
     received("base_lr", "<built-in function abs>")),
    ("optimizer-with-its-own-schedule",
     {"base_lr": 1e-3, "optimizer": keras.optimizers.SGD(_SCHEDULE)}, ValueError,
     r"Received: optimizer=SGD with a learning-rate schedule"),
]) + [
    case("transfer.DiscriminativeOptimizer", "group-with-its-own-schedule",
         T.DiscriminativeOptimizer,
         {"optimizer_map": keras.optimizers.OptimizerMap(
             default_optimizer=keras.optimizers.SGD(_SCHEDULE))},
         ValueError, r"pass `ratios`.*Received: an optimizer with "
         r"learning_rate=ExponentialDecay"),
] + cases("transfer.fine_tune", _fine_tune, [
    ("uncompiled-model", {"model": nested_model()}, ValueError,
     r"compiled model.*Received: an uncompiled model"),
    ("zero-epochs", {"epochs": 0}, ValueError, received("epochs", 0)),
    ("negative-freeze-epochs", {"freeze_epochs": -1}, ValueError,
     received("freeze_epochs", -1)),
    ("negative-base-lr", {"base_lr": -1e-3}, ValueError,
     received("base_lr", -0.001)),
    ("lr-mult-below-1", {"lr_mult": 0.5}, ValueError, received("lr_mult", 0.5)),
    ("train-data-without-y", {"train_data": (TABLE,)}, ValueError,
     r"\(x, y\). Received: a tuple of length 1"),
    ("x-and-y-lengths-differ",
     {"train_data": (TABLE, LABELS[:3]), "freeze_epochs": 0}, ValueError,
     r"'x' sizes: 8\s+'y' sizes: 3"),
]) + cases("callbacks.GradualUnfreezing", _unfreeze_gradually, [
    # Issue 16: optimizers whose state cannot be carried over by variable.
    ("plain-multi-optimizer", {"optimizer": _multi_optimizer}, ValueError,
     r"does not support a plain `keras.optimizers.MultiOptimizer`.*"
     r"Received: optimizer=MultiOptimizer\(name="),
    ("callable-learning-rate",
     {"optimizer": lambda: keras.optimizers.Adam(learning_rate=lambda: 0.01)},
     ValueError, r"rebuilds the optimizer from its config, which failed .*"
     r"Received: optimizer=Adam\(name="),
])
# fmt: on
