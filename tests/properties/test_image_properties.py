"""Properties of the image augmentation layers on drawn images and arguments."""

import numpy as np
from _property_strategies import (
    Images,
    LayerSpec,
    check_in_range,
    check_layer,
    fractions,
    images,
    non_negative,
    seeds,
)
from hypothesis import example, given
from hypothesis import strategies as st

from keras_smalldata.layers import (
    RandomGaussianNoise,
    RandomResizedCrop,
    RandomSaltPepper,
    TrivialAugment,
)


def image_kwargs(imgs, seed):
    return {"seed": seed, "data_format": imgs.data_format}


@st.composite
def crop_cases(draw):
    imgs = draw(images())
    # Output sizes equal to the input's are drawn often: inference is then the
    # identity.
    height = draw(st.just(imgs.height) | st.integers(1, 8))
    width = draw(st.just(imgs.width) | st.integers(1, 12))
    scale = sorted(draw(st.lists(fractions(exclude_min=True), min_size=2, max_size=2)))
    # Mostly ratios one would use; sometimes any positive float the layer accepts.
    any_positive = st.floats(0.0, exclude_min=True, allow_infinity=False)
    ratio = sorted(
        draw(st.lists(st.floats(0.01, 100.0) | any_positive, min_size=2, max_size=2))
    )
    spec = LayerSpec(
        RandomResizedCrop,
        {
            "height": height,
            "width": width,
            "scale": tuple(scale),
            "ratio": tuple(ratio),
            "interpolation": draw(st.sampled_from(["bilinear", "nearest"])),
            **image_kwargs(imgs, draw(seeds)),
        },
    )
    return imgs, spec


@given(crop_cases())
# A ratio below float32's range gave 0 / 0 boxes (a crash in crop_and_resize).
@example(
    case=(
        Images(
            np.ones((2, 3, 4, 1), "float32"),
            "float32",
            (0.0, 1.0),
            "channels_last",
            "constant",
        ),
        LayerSpec(
            RandomResizedCrop,
            {
                "height": 2,
                "width": 2,
                "ratio": (1e-50, 1e-50),
                "seed": 0,
                "data_format": "channels_last",
            },
        ),
    )
)
def test_random_resized_crop(count_case, case):
    count_case("RandomResizedCrop")
    imgs, spec = case
    x = imgs.x
    height, width = spec.kwargs["height"], spec.kwargs["width"]
    shape = list(x.shape)
    row = len(shape) - (3 if imgs.data_format == "channels_last" else 2)
    shape[row : row + 2] = [height, width]
    # Interpolation mixes input values, so the output stays within their range.
    low, high = float(x.min()), float(x.max())
    tolerance = 1e-5 * max(abs(low), abs(high), 1.0)

    def check_inference(inferred):
        check_in_range(inferred, low - tolerance, high + tolerance)
        if (height, width) == (imgs.height, imgs.width):
            np.testing.assert_allclose(
                inferred.astype("float32"), x, rtol=1e-3, atol=1e-3
            )

    output = check_layer(spec, x, check_inference, shape=tuple(shape))
    check_in_range(output, low - tolerance, high + tolerance)


@st.composite
def trivial_augment_cases(draw):
    imgs = draw(images())
    spec = LayerSpec(
        TrivialAugment,
        {
            "value_range": imgs.value_range,
            "num_magnitude_bins": draw(st.integers(2, 40)),
            **image_kwargs(imgs, draw(seeds)),
        },
    )
    return imgs, spec


@given(trivial_augment_cases())
def test_trivial_augment(count_case, case):
    count_case("TrivialAugment")
    imgs, spec = case
    output = check_layer(spec, imgs.x)
    check_in_range(output, *imgs.value_range)


@st.composite
def gaussian_noise_cases(draw):
    imgs = draw(images())
    spec = LayerSpec(
        RandomGaussianNoise,
        {
            "stddev": draw(non_negative(2.0)),
            "value_range": imgs.value_range,
            **image_kwargs(imgs, draw(seeds)),
        },
    )
    return imgs, spec


@given(gaussian_noise_cases())
def test_random_gaussian_noise(count_case, case):
    count_case("RandomGaussianNoise")
    imgs, spec = case
    output = check_layer(spec, imgs.x)
    check_in_range(output, *imgs.value_range)
    if spec.kwargs["stddev"] == 0:
        np.testing.assert_array_equal(output, imgs.x)


@st.composite
def salt_pepper_cases(draw):
    imgs = draw(images())
    spec = LayerSpec(
        RandomSaltPepper,
        {
            "rate": draw(fractions()),
            "value_range": imgs.value_range,
            **image_kwargs(imgs, draw(seeds)),
        },
    )
    return imgs, spec


@given(salt_pepper_cases())
def test_random_salt_pepper(count_case, case):
    count_case("RandomSaltPepper")
    imgs, spec = case
    x = imgs.x
    output = check_layer(spec, x)
    low, high = imgs.value_range
    check_in_range(output, low, high)
    # Each pixel, all channels together, is unchanged, pepper or salt.
    axis = -1 if imgs.data_format == "channels_last" else -3
    kept = np.all(output == x, axis=axis)
    pepper = np.all(output == low, axis=axis)
    salt = np.all(output == high, axis=axis)
    assert np.all(kept | pepper | salt)
    rate = spec.kwargs["rate"]
    if rate == 0:
        assert np.all(kept)
    if rate == 1:
        assert np.all(pepper | salt)
