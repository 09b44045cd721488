"""Bad inputs of `keras_smalldata.layers`: constructors, calls and `adapt`."""

import re

import keras
import numpy as np
import pytest
from bad_inputs._cases_common import (
    IMAGES,
    SERIES,
    STRINGS,
    TABLE,
    adapt_layer,
    call_layer,
    case,
    cases,
    received,
    with_nan,
)

from keras_smalldata import layers as L

IMAGE_LAYERS = (L.RandomResizedCrop, L.TrivialAugment, L.RandomGaussianNoise)
IMAGE_LAYERS += (L.RandomSaltPepper,)
SERIES_LAYERS = (L.Jitter, L.RandomScaling, L.MagnitudeWarp, L.TimeWarp)
SERIES_LAYERS += (L.WindowSlice, L.WindowWarp)
# The arguments a layer needs besides the bad one.
REQUIRED = {L.RandomResizedCrop: {"height": 4, "width": 4}}


def _random_apply(inner, inputs):
    return L.RandomApply(inner, rate=1.0)(inputs, training=True)


def _wrong_rank(layer, shape, ranks):
    kwargs = {"layer": layer, "inputs": np.zeros(shape, "float32")}
    return case(
        f"layers.{layer.__name__}",
        f"call-rank-{len(shape)}",
        call_layer,
        {**kwargs, **REQUIRED.get(layer, {})},
        ValueError,
        rf"rank {ranks} .*Received: inputs.shape={re.escape(str(shape))}",
    )


WRONG_RANK = [
    *[_wrong_rank(layer, (2, 8), "3 or 4") for layer in IMAGE_LAYERS],
    _wrong_rank(L.RandomResizedCrop, (2, 3, 4, 5, 1), "3 or 4"),
    *[_wrong_rank(layer, (2, 6), "3") for layer in SERIES_LAYERS],
    _wrong_rank(L.Jitter, (2, 6, 1, 1), "3"),
]

SHORT_SERIES = [
    case(
        f"layers.{layer.__name__}",
        "call-one-step",
        call_layer,
        {"layer": layer, "inputs": np.zeros((2, 1, 3), "float32")},
        ValueError,
        r"at least 2 steps. Received: inputs.shape=\(2, 1, 3\)",
    )
    for layer in (L.TimeWarp, L.WindowSlice)
]

# A value range integer images cannot lie in: refused from the dtype alone, in
# an eager call and when a functional model is built (issue 16).
RANGE_LAYERS = (L.TrivialAugment, L.RandomGaussianNoise, L.RandomSaltPepper)
UINT8_IMAGES = np.round(IMAGES * 255).astype("uint8")


def _call_symbolic(layer, dtype, **init):
    """Calls `layer(**init)` on a symbolic `keras.Input` of `dtype` images."""
    return layer(**init)(keras.Input(IMAGES.shape[1:], dtype=dtype))


def _random_choice(inner, inputs):
    return L.RandomChoice(inner)(inputs, training=True)


def _refused(value_range, dtype="uint8"):
    return re.escape(f"Received: value_range={value_range} for inputs.dtype={dtype}")


# fmt: off
def _range_cases(layer):
    entry = f"layers.{layer.__name__}"
    call = {"layer": layer, "inputs": UINT8_IMAGES}
    int8 = {**call, "inputs": np.zeros(IMAGES.shape, "int8"), "training": False}
    return [
        *cases(entry, call_layer, [
            ("call-uint8-with-unit-range", {**call, "value_range": (0, 1)},
             ValueError, _refused((0.0, 1.0))),
            ("call-uint8-with-range-beyond-uint8",
             {**call, "value_range": (0, 65535)}, ValueError,
             _refused((0.0, 65535.0))),
            ("inference-int8-with-range-beyond-int8",
             {**int8, "value_range": (0, 255)}, ValueError,
             _refused((0.0, 255.0), "int8")),
        ]),
        case(entry, "symbolic-uint8-with-unit-range", _call_symbolic,
             {"layer": layer, "dtype": "uint8", "value_range": (0, 1)}, ValueError,
             _refused((0.0, 1.0))),
    ]


VALUE_RANGE_MISMATCH = [
    *[c for layer in RANGE_LAYERS for c in _range_cases(layer)],
    case("layers.RandomApply", "call-uint8-inner-unit-range", _random_apply,
         {"inner": L.TrivialAugment(value_range=(0, 1)), "inputs": UINT8_IMAGES},
         ValueError, _refused((0.0, 1.0))),
    case("layers.RandomChoice", "call-uint8-inner-unit-range", _random_choice,
         {"inner": [L.RandomSaltPepper(value_range=(-1, 1))],
          "inputs": UINT8_IMAGES}, ValueError, _refused((-1.0, 1.0))),
]
# fmt: on

_CROP = {"height": 4, "width": 4}
# Tables of cases, one row each: kept as written.
# fmt: off
IMAGES_ = [
    *cases("layers.RandomResizedCrop", L.RandomResizedCrop, [
        ("negative-height", {"height": -4, "width": 4}, ValueError,
         received("height", -4)),
        ("float-width", {"height": 4, "width": 4.5}, ValueError,
         received("width", 4.5)),
        ("bool-height", {"height": True, "width": 4}, ValueError,
         received("height", True)),
        ("reversed-scale", {**_CROP, "scale": (0.9, 0.1)}, ValueError,
         received("scale", (0.9, 0.1))),
        ("zero-ratio", {**_CROP, "ratio": (0, 1)}, ValueError,
         received("ratio", (0, 1))),
        ("unknown-interpolation", {**_CROP, "interpolation": "cubic"}, ValueError,
         received("interpolation", "'cubic'")),
        ("unknown-data-format", {**_CROP, "data_format": "NHWC"}, ValueError,
         received("data_format", "'NHWC'")),
        ("string-seed", {**_CROP, "seed": "abc"}, ValueError,
         received("seed", "abc")),
    ]),
    *cases("layers.TrivialAugment", L.TrivialAugment, [
        ("one-magnitude-bin", {"num_magnitude_bins": 1}, ValueError,
         received("num_magnitude_bins", 1)),
        ("reversed-value-range", {"value_range": (255, 0)}, ValueError,
         received("value_range", (255, 0))),
        ("string-value-range", {"value_range": "0-255"}, ValueError,
         received("value_range", "0-255")),
    ]),
    *cases("layers.RandomGaussianNoise", L.RandomGaussianNoise, [
        ("negative-stddev", {"stddev": -0.1}, ValueError, received("stddev", -0.1)),
        ("nan-stddev", {"stddev": float("nan")}, ValueError,
         received("stddev", "nan")),
        ("string-stddev", {"stddev": "0.1"}, ValueError, received("stddev", "'0.1'")),
    ]),
    *cases("layers.RandomSaltPepper", L.RandomSaltPepper, [
        ("rate-above-1", {"rate": 1.5}, ValueError, received("rate", 1.5)),
        ("bool-rate", {"rate": True}, ValueError, received("rate", True)),
    ]),
]

CONTAINERS = [
    *cases("layers.RandomApply", L.RandomApply, [
        ("layer-is-a-string", {"layer": "flip"}, TypeError,
         r"Keras layers. Received: 'flip' of type str"),
        ("negative-rate", {"layer": L.Jitter(), "rate": -0.1}, ValueError,
         received("rate", -0.1)),
    ]),
    *cases("layers.RandomApply", _random_apply, [
        ("layer-changes-the-shape",
         {"inner": keras.layers.Resizing(4, 4, name="crop"), "inputs": IMAGES},
         ValueError, r"keep the image shape. Received: layer 'crop' maps"),
        ("call-rank-2", {"inner": keras.layers.Identity(), "inputs": TABLE},
         ValueError, r"Received: inputs.shape=\(8, 4\)"),
    ]),
    *cases("layers.RandomChoice", L.RandomChoice, [
        ("empty-list", {"layers": []}, ValueError, received("layers", [])),
        ("single-layer-not-a-list", {"layers": keras.layers.Identity()},
         ValueError, r"Received: layers=<Identity"),
        ("item-is-a-string", {"layers": [keras.layers.Identity(), "flip"]},
         TypeError, r"Received: 'flip' of type str"),
    ]),
]

TABULAR = [
    *cases("layers.FeatureNoise", L.FeatureNoise, [
        ("negative-stddev", {"stddev": -1}, ValueError, received("stddev", -1)),
        ("empty-columns", {"columns": []}, ValueError, received("columns", [])),
        ("string-columns", {"columns": ["age"]}, ValueError,
         received("columns", ["age"])),
    ]),
    *cases("layers.FeatureNoise", call_layer, [
        ("call-before-adapt", {"layer": L.FeatureNoise, "inputs": TABLE},
         ValueError, received("feature_std", None)),
        ("call-with-other-feature-count",
         {"layer": L.FeatureNoise, "inputs": TABLE, "feature_std": [1.0] * 3},
         ValueError, r"adapted to 3 features. Received: inputs with 4 features"),
    ]),
    *cases("layers.SwapNoise", L.SwapNoise, [
        ("rate-above-1", {"rate": 2}, ValueError, received("rate", 2)),
        ("2d-columns", {"columns": [[0, 1]]}, ValueError,
         received("columns", [[0, 1]])),
    ]),
    *cases("layers.SwapNoise", call_layer, [
        ("column-out-of-range",
         {"layer": L.SwapNoise, "inputs": TABLE, "columns": [7]}, ValueError,
         received("columns", [7])),
        ("call-rank-3", {"layer": L.SwapNoise, "inputs": SERIES}, ValueError,
         r"rank 2 .*Received: inputs.shape=\(2, 6, 2\)"),
    ]),
    *cases("layers.FeatureDropout", L.FeatureDropout, [
        ("unknown-fill", {"fill": "median"}, ValueError,
         received("fill", "'median'")),
        ("negative-rate", {"rate": -0.5}, ValueError, received("rate", -0.5)),
    ]),
    *cases("layers.FeatureDropout", call_layer, [
        ("mask-of-other-length",
         {"layer": L.FeatureDropout, "inputs": TABLE, "columns": [True, False]},
         ValueError, received("columns", [True, False])),
        ("mean-fill-before-adapt",
         {"layer": L.FeatureDropout, "inputs": TABLE, "fill": "mean"},
         ValueError, received("feature_mean", None)),
    ]),
]

SERIES_ = [
    *cases("layers.Jitter", L.Jitter, [
        ("infinite-stddev", {"stddev": float("inf")}, ValueError,
         received("stddev", "inf")),
    ]),
    *cases("layers.RandomScaling", L.RandomScaling, [
        ("negative-stddev", {"stddev": -0.1}, ValueError, received("stddev", -0.1)),
    ]),
    *cases("layers.MagnitudeWarp", L.MagnitudeWarp, [
        ("zero-knots", {"knots": 0}, ValueError, received("knots", 0)),
        ("float-knots", {"knots": 2.5}, ValueError, received("knots", 2.5)),
    ]),
    *cases("layers.TimeWarp", L.TimeWarp, [
        ("negative-knots", {"knots": -1}, ValueError, received("knots", -1)),
    ]),
    *cases("layers.WindowSlice", L.WindowSlice, [
        ("zero-ratio", {"ratio": 0}, ValueError, received("ratio", 0)),
        ("ratio-above-1", {"ratio": 1.5}, ValueError, received("ratio", 1.5)),
    ]),
    *cases("layers.WindowWarp", L.WindowWarp, [
        ("empty-scales", {"scales": ()}, ValueError, received("scales", ())),
        ("zero-scale", {"scales": (0, 2)}, ValueError, received("scales", (0, 2))),
        ("zero-window-ratio", {"window_ratio": 0}, ValueError,
         received("window_ratio", 0)),
    ]),
]

ADAPT = [
    case(f"layers.{layer.__name__}", f"adapt-{what}", adapt_layer,
         {"layer": layer, "data": data}, error, match)
    for layer in (L.FeatureNoise, L.FeatureDropout)
    for what, data, error, match in (
        ("nan", with_nan(TABLE, (2, 1)), ValueError, r"Received: data\[2, 1\]=nan"),
        ("empty", np.zeros((0, 4)), ValueError, r"Received: data.shape=\(0, 4\)"),
        ("rank-1", np.zeros(4), ValueError, r"Received: data.shape=\(4,\)"),
        ("strings", STRINGS, TypeError, r"Received: data.dtype=<U1"),
    )
]

# fmt: on

STRING_INPUTS = [
    pytest.param(
        call_layer,
        {"layer": layer, "inputs": inputs},
        TypeError,
        rf"Received: inputs.dtype={dtype}",
        id=f"layers.{layer.__name__}:call-on-{kind}",
    )
    for layer, shape in (
        (L.RandomGaussianNoise, (1, 4, 4, 1)),
        (L.SwapNoise, (4, 2)),
        (L.Jitter, (1, 4, 1)),
    )
    for kind, inputs, dtype in (
        ("strings", np.full(shape, "a"), "string"),
        ("bools", np.ones(shape, bool), "bool"),
    )
]

CASES = [
    *IMAGES_,
    *VALUE_RANGE_MISMATCH,
    *CONTAINERS,
    *TABULAR,
    *SERIES_,
    *WRONG_RANK,
    *SHORT_SERIES,
    *ADAPT,
    *STRING_INPUTS,
]
