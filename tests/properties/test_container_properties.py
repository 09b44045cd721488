"""Properties of RandomApply and RandomChoice wrapping drawn image layers."""

import keras
import numpy as np
from _property_strategies import (
    LayerSpec,
    check_in_range,
    check_layer,
    fractions,
    images,
    non_negative,
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


@st.composite
def inner_specs(draw, imgs, nested=True):
    """A shape-keeping image layer for `imgs`: one of ours or a Keras core one.

    With `nested`, it may also be a `RandomApply` of such a layer.
    """
    kinds = ["noise", "salt_pepper", "crop", "flip", "trivial_augment"]
    kind = draw(st.sampled_from(kinds + ["nested"] if nested else kinds))
    if kind == "nested":
        kwargs = {"layer": draw(inner_specs(imgs, nested=False))}
        return LayerSpec(RandomApply, {**kwargs, "seed": draw(seeds)})
    common = {"seed": draw(seeds), "data_format": imgs.data_format}
    if kind == "noise":
        kwargs = {"stddev": draw(non_negative(1.0)), "value_range": imgs.value_range}
        return LayerSpec(RandomGaussianNoise, {**kwargs, **common})
    if kind == "salt_pepper":
        kwargs = {"rate": draw(fractions()), "value_range": imgs.value_range}
        return LayerSpec(RandomSaltPepper, {**kwargs, **common})
    if kind == "crop":
        kwargs = {"height": imgs.height, "width": imgs.width}
        return LayerSpec(RandomResizedCrop, {**kwargs, **common})
    if kind == "flip":
        return LayerSpec(keras.layers.RandomFlip, common)
    return LayerSpec(TrivialAugment, {"value_range": imgs.value_range, **common})


@st.composite
def random_apply_cases(draw):
    imgs = draw(images())
    spec = LayerSpec(
        RandomApply,
        {
            "layer": draw(inner_specs(imgs)),
            "rate": draw(fractions()),
            "seed": draw(seeds),
        },
    )
    return imgs, spec


@given(random_apply_cases())
def test_random_apply(count_case, case):
    count_case("RandomApply")
    imgs, spec = case
    x = imgs.x
    output = check_layer(spec, x)
    # The inner layers keep values in the value range (a crop or a flip keeps
    # them within the input's).
    check_in_range(output, *imgs.value_range)
    rate = spec.kwargs["rate"]
    if rate == 0:
        np.testing.assert_array_equal(output, x)
    if rate == 1:
        alone = spec.kwargs["layer"].build()(x, training=True)
        np.testing.assert_array_equal(output, to_numpy(alone).astype(x.dtype))


@st.composite
def random_choice_cases(draw):
    imgs = draw(images())
    inner = draw(st.lists(inner_specs(imgs), min_size=1, max_size=3))
    spec = LayerSpec(RandomChoice, {"layers": inner, "seed": draw(seeds)})
    return imgs, spec


@given(random_choice_cases())
def test_random_choice(count_case, case):
    count_case("RandomChoice")
    imgs, spec = case
    x = imgs.x
    output = check_layer(spec, x)
    check_in_range(output, *imgs.value_range)
    inner = spec.kwargs["layers"]
    if len(inner) == 1:
        alone = inner[0].build()(x, training=True)
        np.testing.assert_array_equal(output, to_numpy(alone).astype(x.dtype))
