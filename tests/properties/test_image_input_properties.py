"""Properties of the image layers on input that does not fit them.

Two classes of input (issue 16): images whose values do not match the layer's
`value_range` (integer images that cannot lie in it are refused; float images
far outside it, or in a sliver of it, warn on the first eager call), and images
with NaN or infinite values (never an error, never a change to another image).
"""

import re
import warnings

import keras
import numpy as np
import pytest
from _property_strategies import (
    FLOAT_RANGES,
    LayerSpec,
    check_in_range,
    images,
    seeds,
    to_numpy,
)
from hypothesis import given
from hypothesis import strategies as st

from keras_smalldata.layers import (
    RandomApply,
    RandomChoice,
    RandomGaussianNoise,
    RandomResizedCrop,
    RandomSaltPepper,
    TrivialAugment,
)

RANGE_LAYERS = (TrivialAugment, RandomGaussianNoise, RandomSaltPepper)
# The layers whose output is clipped to the value range.
CLIPPING = (TrivialAugment, RandomGaussianNoise)


def range_layer(draw, kind, value_range, data_format):
    kwargs = {"value_range": value_range, "seed": draw(seeds)}
    kwargs["data_format"] = data_format
    if kind is RandomGaussianNoise:
        kwargs["stddev"] = draw(st.floats(0.0, 1.0))
    if kind is RandomSaltPepper:
        kwargs["rate"] = draw(st.floats(0.0, 1.0))
    return LayerSpec(kind, kwargs)


@st.composite
def range_layer_specs(draw, value_range, data_format):
    """A layer taking `value_range`, alone or inside RandomApply / RandomChoice."""
    kind = draw(st.sampled_from((*RANGE_LAYERS, RandomApply, RandomChoice)))
    if kind in RANGE_LAYERS:
        return range_layer(draw, kind, value_range, data_format)
    layers = [
        range_layer(draw, draw(st.sampled_from(RANGE_LAYERS)), value_range, data_format)
        for _ in range(1 if kind is RandomApply else draw(st.integers(1, 2)))
    ]
    if kind is RandomApply:
        return LayerSpec(RandomApply, {"layer": layers[0], "seed": draw(seeds)})
    return LayerSpec(RandomChoice, {"layers": layers, "seed": draw(seeds)})


def image_shape(data_format, batch=2):
    return (batch, 4, 5, 3) if data_format == "channels_last" else (batch, 3, 4, 5)


INTEGER_DTYPES = ("uint8", "int8", "uint16", "int32")


@st.composite
def integer_range_mismatches(draw):
    """Integer images and a value range they cannot lie in."""
    dtype = draw(st.sampled_from(INTEGER_DTYPES))
    info = np.iinfo(dtype)
    if draw(st.booleans()):  # a range ending at 1 or below: [0, 1] images
        high = draw(st.sampled_from([1.0, 0.5]) | st.floats(-10.0, 1.0))
        low = high - draw(st.sampled_from([1.0]) | st.floats(0.01, 10.0))
    elif draw(st.booleans()):  # a top beyond what the dtype holds
        low = 0.0 if info.min == 0 else -1.0
        high = float(info.max) + draw(st.sampled_from([1.0, 2.0**16, 1e9]))
    else:  # a bottom below what the dtype holds
        low = float(info.min) - draw(st.sampled_from([1.0, 100.0]))
        high = 100.0
    data_format = draw(st.sampled_from(["channels_last", "channels_first"]))
    spec = draw(range_layer_specs((low, high), data_format))
    return dtype, (float(low), float(high)), data_format, spec


@given(integer_range_mismatches(), st.booleans())
def test_integer_images_outside_the_range_are_refused(count_case, case, training):
    count_case("value_range: integer images refused")
    dtype, value_range, data_format, spec = case
    match = re.escape(f"Received: value_range={value_range} for inputs.dtype={dtype}")
    x = np.zeros(image_shape(data_format), dtype)
    with pytest.raises(ValueError, match=match):
        spec.build()(x, training=training)
    # A functional model is refused when it is built, before any data.
    inputs = keras.Input(image_shape(data_format)[1:], dtype=dtype)
    with pytest.raises(ValueError, match=match):
        spec.build()(inputs)


@st.composite
def far_outside_cases(draw):
    """Float images reaching far beyond the layer's range, or in its bottom 1%."""
    value_range = draw(st.sampled_from(FLOAT_RANGES))
    low, high = value_range
    width = high - low
    data_format = draw(st.sampled_from(["channels_last", "channels_first"]))
    rng = np.random.default_rng(draw(seeds))
    x = rng.uniform(low, high, image_shape(data_format)).astype("float32")
    how = draw(st.sampled_from(["above", "below", "sliver"]))
    if how == "above":  # e.g. 0-255 data under (0, 1)
        x.flat[draw(st.integers(0, x.size - 1))] = high + width * draw(
            st.floats(0.11, 1000.0)
        )
    elif how == "below":
        x.flat[draw(st.integers(0, x.size - 1))] = low - width * draw(
            st.floats(0.11, 1000.0)
        )
    else:  # e.g. 0-1 data under (0, 255)
        x = low + (x - low) * draw(st.floats(0.0001, 0.0099))
        x.flat[0] = low + 0.0099 * width
    spec = draw(range_layer_specs(value_range, data_format))
    return x.astype("float32"), spec


def range_layers(spec):
    if spec.cls is RandomApply:
        return [spec.kwargs["layer"]]
    if spec.cls is RandomChoice:
        return spec.kwargs["layers"]
    return [spec]


def _range_warnings(caught):
    return [w for w in caught if "match its `value_range`" in str(w.message)]


@given(far_outside_cases())
def test_float_images_that_miss_the_range_warn_once(count_case, case):
    count_case("value_range: float images warned")
    x, spec = case
    layer = spec.build()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = layer(x, training=True)
        layer(x, training=True)
        layer(x, training=False)
    # One warning per layer that takes the range (a container holds several).
    found = _range_warnings(caught)
    assert len(found) == len(range_layers(spec)), [str(w.message) for w in caught]
    assert all("value_range=" in str(w.message) for w in found)
    # A warning only: the output is still computed.
    assert to_numpy(first).shape == x.shape


@given(images())
def test_images_that_fill_their_range_never_warn(count_case, imgs):
    count_case("value_range: matching images")
    x = imgs.x.copy()
    x.flat[0] = imgs.value_range[1]  # the top of the range is reached
    spec = LayerSpec(
        TrivialAugment,
        {"value_range": imgs.value_range, "data_format": imgs.data_format},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        spec.build()(x, training=True)


ALL_IMAGE_LAYERS = (*RANGE_LAYERS, RandomResizedCrop, RandomApply, RandomChoice)


@st.composite
def non_finite_cases(draw):
    """A float batch of >= 2 images, a copy with NaN / inf in its first image."""
    imgs = draw(images())
    x = imgs.x.astype("float32") if imgs.dtype == "uint8" else imgs.x
    if x.ndim == 3:
        x = x[None]
    if x.shape[0] == 1:
        x = np.concatenate([x, x[:, ::-1]])
    values = draw(
        st.lists(st.sampled_from([np.nan, np.inf, -np.inf]), min_size=1, max_size=6)
    )
    rng = np.random.default_rng(draw(seeds))
    poisoned = x.copy()
    first = poisoned[0].reshape(-1)
    first[rng.integers(0, first.size, len(values))] = values
    poisoned[0] = first.reshape(x.shape[1:])
    kind = draw(st.sampled_from(ALL_IMAGE_LAYERS))
    if kind is RandomResizedCrop:  # output size = input size
        channels_last = imgs.data_format == "channels_last"
        height, width = x.shape[1:3] if channels_last else x.shape[2:4]
        kwargs = {"height": int(height), "width": int(width), "seed": draw(seeds)}
        spec = LayerSpec(kind, {**kwargs, "data_format": imgs.data_format})
    elif kind in RANGE_LAYERS:
        spec = range_layer(draw, kind, imgs.value_range, imgs.data_format)
    else:
        spec = draw(range_layer_specs(imgs.value_range, imgs.data_format))
    return x, poisoned, imgs.value_range, spec


@given(non_finite_cases())
def test_non_finite_values_stay_in_their_image(count_case, case):
    count_case("NaN / inf inputs")
    x, poisoned, value_range, spec = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a range check may warn
        clean = to_numpy(spec.build()(x, training=True))
        output = spec.build()(poisoned, training=True)
    assert keras.backend.standardize_dtype(output.dtype) == x.dtype.name
    output = to_numpy(output)
    assert output.shape == clean.shape
    # The other images get exactly what they get without the NaN / inf.
    np.testing.assert_array_equal(output[1:], clean[1:])
    if spec.cls in CLIPPING:
        # Infinities are clipped to the range like any value outside it; NaN
        # stays NaN (and may spread within its image).
        finite = output[0][np.isfinite(output[0])]
        if finite.size:
            check_in_range(finite, *value_range)
        if not np.isnan(poisoned[0]).any():
            assert np.all(np.isfinite(output[0]))
