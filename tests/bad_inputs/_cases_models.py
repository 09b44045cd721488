"""Bad inputs of `keras_smalldata.models` and `keras_smalldata.callbacks`."""

import functools

import keras
import numpy as np
from bad_inputs._cases_common import (
    IMAGES,
    LABELS,
    STRINGS,
    TABLE,
    cached_vae,
    call_method,
    case,
    cases,
    dense_model,
    nested_model,
    received,
    tabular_vae,
    unconditional_vae,
    with_inf,
    with_nan,
)

from keras_smalldata import callbacks, evaluation, layers, models


def _vae(**kwargs):
    vae = cached_vae()
    networks = {"encoder": vae.encoder, "decoder": vae.decoder, "latent_dim": 2}
    return models.VAE(**{**networks, "num_classes": 2, **kwargs})


def _fit(x=TABLE, y=LABELS, make=tabular_vae):
    """`fit` of a fresh VAE, so that a check that regresses changes no other case."""
    return make().fit(x, y, epochs=1, batch_size=4, verbose=0)


def _unconditional():
    return tabular_vae(num_classes=None)


def _image_vae():
    """A Bernoulli VAE: its data must lie in [0, 1]."""
    vae = models.VAE.for_images(
        (8, 8, 1), latent_dim=2, num_classes=2, filters=(2,), hidden_units=2
    )
    vae.compile(optimizer="adam")
    return vae


_cached_image_vae = functools.cache(_image_vae)


def _batches(x, labels=None):
    """A tf.data dataset of batches of 4: what NumPy checks cannot see."""
    import tensorflow as tf

    data = x if labels is None else (x, labels)
    return tf.data.Dataset.from_tensor_slices(data).batch(4)


class _Batches(keras.utils.PyDataset):
    def __init__(self, x, labels):
        super().__init__()
        self.x, self.labels = x, labels

    def __len__(self):
        return 1

    def __getitem__(self, index):
        return self.x, self.labels


def _stream(method, data, make=tabular_vae):
    """`method` of a fresh VAE on a dataset, PyDataset or generator."""
    return getattr(make(), method)(data(), verbose=0)


def _sample_tensor_labels(labels):
    return cached_vae().sample(2, labels=keras.ops.convert_to_tensor(labels))


def _tstr(**kwargs):
    def build_classifier():
        model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(2)])
        model.compile("adam", "sparse_categorical_crossentropy")
        return model

    arguments = {"x_train": IMAGES, "y_train": LABELS[:2], "x_test": IMAGES}
    arguments.update(y_test=LABELS[:2], build_classifier=build_classifier, epochs=1)
    vae = _cached_image_vae()
    return evaluation.train_synthetic_test_real(vae, **{**arguments, **kwargs})


def _method(method, make=cached_vae, **kwargs):
    return call_method(make, method, **kwargs)


def _tta(**kwargs):
    arguments = {"model": dense_model(), "augmentation": layers.FeatureNoise()}
    return models.TestTimeAugmentation(**{**arguments, **kwargs})


def _tta_call(inputs):
    augmentation = layers.FeatureNoise(feature_std=[1.0] * 4)
    tta = models.TestTimeAugmentation(dense_model(), augmentation, num_views=2)
    return tta(inputs)


def _set_model(callback, model):
    return callback.set_model(model)


def _unfreezing(**kwargs):
    return callbacks.GradualUnfreezing(**{"backbone": nested_model(), **kwargs})


_TWO = {"labels": [0, 1]}

# Tables of cases, one row each: kept as written.
# fmt: off
VAE = cases("models.VAE", _vae, [
    ("zero-latent-dim", {"latent_dim": 0}, ValueError, received("latent_dim", 0)),
    ("negative-beta", {"beta": -1.0}, ValueError, received("beta", -1.0)),
    ("unknown-likelihood", {"likelihood": "poisson"}, ValueError,
     received("likelihood", "'poisson'")),
    ("one-class", {"num_classes": 1}, ValueError, received("num_classes", 1)),
    ("encoder-is-a-string", {"encoder": "encoder"}, ValueError,
     received("encoder", "'encoder'")),
    ("latent-dim-of-other-networks", {"latent_dim": 3}, ValueError,
     r"`decoder` must map .*Received: ValueError"),
]) + cases("models.VAE.for_images", models.VAE.for_images, [
    ("too-small-images", {"input_shape": (4, 4, 1)}, ValueError,
     received("input_shape", (4, 4, 1))),
    ("two-channels", {"input_shape": (8, 8, 2)}, ValueError,
     received("input_shape", (8, 8, 2))),
    ("empty-filters", {"input_shape": (8, 8, 1), "filters": []}, ValueError,
     received("filters", [])),
    ("negative-filters", {"input_shape": (8, 8, 1), "filters": (-8,)}, ValueError,
     received("filters", -8)),
]) + cases("models.VAE.for_tabular", models.VAE.for_tabular, [
    ("negative-features", {"num_features": -3}, ValueError,
     received("num_features", -3)),
    ("int-hidden-units", {"num_features": 4, "hidden_units": 5}, ValueError,
     received("hidden_units", 5)),
]) + cases("models.VAE.compile", _method, [
    ("with-a-loss", {"method": "compile", "make": tabular_vae, "loss": "mse"},
     ValueError, received("loss", "'mse'")),
])

# `fit` checks in-memory data before the first step.
VAE_FIT = cases("models.VAE.fit", _fit, [
    ("nan-x", {"x": with_nan(TABLE, (1, 2))}, ValueError, r"Received: x\[1, 2\]=nan"),
    ("inf-x", {"x": with_inf(TABLE)}, ValueError, r"Received: x\[0, 0\]=inf"),
    ("string-x", {"x": STRINGS}, TypeError, r"Received: x.dtype=<U1"),
    ("x-of-other-shape", {"x": np.zeros((8, 5), "float32")}, ValueError,
     r"shape \(n, 4\) with n >= 1. Received: x.shape=\(8, 5\)"),
    ("empty-x", {"x": TABLE[:0], "y": LABELS[:0]}, ValueError,
     r"Received: x.shape=\(0, 4\)"),
    ("x-and-labels-lengths-differ", {"y": LABELS[:5]}, ValueError,
     r"\(len\(x\)=8\). Received: len\(labels\)=5"),
    ("labels-out-of-range", {"y": LABELS + 1}, ValueError,
     r"\[0, 2\). Received: labels with values from 1 to 2"),
    ("no-labels-for-conditional", {"y": None}, ValueError,
     received("labels", None)),
    ("labels-for-unconditional", {"make": _unconditional}, ValueError,
     r"takes no labels. Received: labels with shape \(8,\)"),
    ("bernoulli-x-of-0-to-255",
     {"x": IMAGES * 255, "y": LABELS[:2], "make": _image_vae}, ValueError,
     r"likelihood='bernoulli' models data in \[0, 1\].*Received: x with values "
     r"from [\d.]+ to [\d.]+"),
])

# Data that streams is checked batch by batch, before each step (issue 16).
_OUT_OF_RANGE = r"A batch of `x` is invalid: `labels` must be class indices in \[0, 2\)"
VAE_STREAMS = [
    case(f"models.VAE.{method}", what, _stream, {"method": method, **kwargs}, *row)
    for method in ("fit", "evaluate", "predict")
    for what, kwargs, *row in (
        ("tf-data-labels-out-of-range",
         {"data": lambda: _batches(TABLE, LABELS + 1)}, ValueError,
         _OUT_OF_RANGE + r". Received: labels with values from 1 to 2"),
        ("tf-data-fractional-labels",
         {"data": lambda: _batches(TABLE, LABELS + 0.5)}, ValueError,
         r"integer class labels. Received: labels with the value 0.5"),
        ("tf-data-labels-of-other-width",
         {"data": lambda: _batches(TABLE, np.zeros((8, 3)))}, ValueError,
         r"Received: labels.shape=\(None, 3\)"),
        ("tf-data-nan-x", {"data": lambda: _batches(with_nan(TABLE), LABELS)},
         ValueError, r"finite numbers.*Received: x with a NaN or infinite value"),
        ("tf-data-bernoulli-x-of-0-to-255",
         {"data": lambda: _batches(IMAGES * 255, LABELS[:2]), "make": _image_vae},
         ValueError, r"models data in \[0, 1\].*Received: x with values from "),
        ("pydataset-labels-out-of-range",
         {"data": lambda: _Batches(TABLE, LABELS - 1)}, ValueError,
         _OUT_OF_RANGE + r". Received: labels with values from -1 to 0"),
        ("generator-labels-out-of-range",
         {"data": lambda: (batch for batch in [(TABLE, LABELS + 2)])}, ValueError,
         r"Received: labels with values from 2 to 3"),
    )
]

VAE_METHODS = [
    case(f"models.VAE.{kwargs['method']}", what, _method, kwargs, *row)
    for what, kwargs, *row in (
        ("zero-n", {"method": "sample", "n": 0}, ValueError, received("n", 0)),
        ("string-n", {"method": "sample", "n": "3"}, ValueError, received("n", "'3'")),
        ("negative-temperature", {"method": "sample", "n": 2, "temperature": -1},
         ValueError, received("temperature", -1)),
        ("label-out-of-range", {"method": "sample", "n": 2, "labels": 5},
         ValueError, r"Received: labels with values from 5 to 5"),
        ("labels-for-unconditional",
         {"method": "sample", "make": unconditional_vae, "n": 2, "labels": 0},
         ValueError, r"takes no labels. Received: labels with shape"),
        ("x-of-other-shape", {"method": "encode", "x": np.zeros((2, 3)), **_TWO},
         ValueError, r"Received: x.shape=\(2, 3\)"),
        ("string-x", {"method": "encode", "x": STRINGS[:2], **_TWO}, TypeError,
         r"Received: x.dtype=<U1"),
        ("nan-x", {"method": "encode", "x": with_nan(TABLE[:2]), **_TWO},
         ValueError, r"Received: x\[0, 0\]=nan"),
        ("z-of-other-shape", {"method": "decode", "z": np.zeros((2, 3)), **_TWO},
         ValueError, r"Received: z.shape=\(2, 3\)"),
        ("one-label-for-two",
         {"method": "reconstruct", "x": TABLE[:2], "labels": [0]}, ValueError,
         r"Received: len\(labels\)=1"),
        ("one-step", {"method": "interpolate", "a": TABLE[0], "b": TABLE[1],
                      "steps": 1, **_TWO}, ValueError, received("steps", 1)),
        ("predict-labels-out-of-range",
         {"method": "predict", "x": (TABLE, LABELS + 3), "verbose": 0},
         ValueError, r"Received: labels with values from 3 to 4"),
        ("evaluate-labels-out-of-range",
         {"method": "evaluate", "x": TABLE, "y": LABELS - 2, "verbose": 0},
         ValueError, r"Received: labels with values from -2 to -1"),
        ("bernoulli-x-of-0-to-255", {"method": "encode", "x": IMAGES * 255,
                                     "make": _cached_image_vae, **_TWO},
         ValueError, r"models data in \[0, 1\].*Received: x with values from "),
    )
] + [
    case("models.VAE.sample", "tensor-labels-out-of-range", _sample_tensor_labels,
         {"labels": [0, 2]}, ValueError, r"Received: labels with values from 0 to 2"),
] + cases("evaluation.train_synthetic_test_real", _tstr, [
    ("bernoulli-x-train-of-0-to-255", {"x_train": IMAGES * 255}, ValueError,
     r"models data in \[0, 1\].*Received: x_train with values from "),
    ("bernoulli-x-test-of-0-to-255", {"x_test": IMAGES * 255}, ValueError,
     r"Received: x_test with values from "),
])

TTA = cases("models.TestTimeAugmentation", _tta, [
    ("model-is-a-string", {"model": "model"}, ValueError,
     received("model", "'model'")),
    ("augmentation-is-a-list", {"augmentation": [layers.Jitter()]}, ValueError,
     r"Received: augmentation=\[<Jitter"),
    ("zero-views", {"num_views": 0}, ValueError, received("num_views", 0)),
    ("unknown-aggregate", {"aggregate": "median"}, ValueError,
     received("aggregate", "'median'")),
    ("negative-seed", {"seed": -1}, ValueError, received("seed", -1)),
]) + cases("models.TestTimeAugmentation", _tta_call, [
    ("call-rank-3", {"inputs": np.zeros((2, 4, 1), "float32")}, ValueError,
     r"Received: inputs.shape=\(2, 4, 1\)"),
])

CALLBACKS = cases("callbacks.KLAnnealing", callbacks.KLAnnealing, [
    ("negative-warmup", {"warmup_epochs": -1}, ValueError,
     received("warmup_epochs", -1)),
    ("unknown-schedule", {"schedule": "exponential"}, ValueError,
     received("schedule", "'exponential'")),
    ("zero-cycles", {"cycles": 0}, ValueError, received("cycles", 0)),
    ("nan-max-beta", {"max_beta": float("nan")}, ValueError,
     received("max_beta", "nan")),
]) + [
    case("callbacks.KLAnnealing", "model-without-beta", _set_model,
         {"callback": callbacks.KLAnnealing(), "model": dense_model()},
         ValueError, r"`beta_variable`.*Received: model=<Sequential"),
    case("callbacks.KLAnnealing.beta_at", "negative-epoch", call_method,
         {"make": callbacks.KLAnnealing, "method": "beta_at", "epoch": -1},
         ValueError, received("epoch", -1)),
    case("callbacks.GradualUnfreezing", "backbone-is-a-string",
         callbacks.GradualUnfreezing, {"backbone": "backbone"}, TypeError,
         r"Received: backbone of type str"),
] + cases("callbacks.GradualUnfreezing", _unfreezing, [
    ("zero-every", {"every": 0}, ValueError, received("every", 0)),
    ("negative-start-epoch", {"start_epoch": -1}, ValueError,
     received("start_epoch", -1)),
    ("zero-blocks", {"blocks": 0}, ValueError, received("blocks", 0)),
    ("unknown-layer-name", {"blocks": [["nope"]]}, ValueError,
     received("blocks", "[['nope']]")),
    ("blocks-is-a-string", {"blocks": "dense"}, ValueError,
     received("blocks", "'dense'")),
])
# fmt: on

CASES = [*VAE, *VAE_FIT, *VAE_STREAMS, *VAE_METHODS, *TTA, *CALLBACKS]
