"""What every image layer adds to the layer contract: layouts and value ranges.

Single images, channels-first data, values that stay in `value_range` (mixed
precision included), the `data_format` and `value_range` checks, and NaN or
infinity that never leave their image. The shared contract is in
`test_layer_contract.py`; masks and boxes in `test_masks_and_boxes.py`.
"""

import re

import numpy as np
import pytest
from _layer_cases import IMAGE_CASES, image_batch

parametrize_cases = pytest.mark.parametrize("case", IMAGE_CASES, ids=str)


def n_distinct(images):
    return len({np.asarray(image).tobytes() for image in np.asarray(images)})


@pytest.fixture
def images(rng):
    return image_batch(rng, batch=4)


@parametrize_cases
def test_unbatched_input(case, images):
    inferred = case.make(seed=3)(images[0])
    expected = case.expected_inference(images[:1])[0]
    np.testing.assert_allclose(inferred, expected, atol=1e-3)
    trained = case.make(seed=3)(images[0], training=True)
    batched = case.make(seed=3)(images[:1], training=True)
    assert trained.shape == case.output_shape(images[0].shape)
    np.testing.assert_array_equal(trained, batched[0])


@parametrize_cases
@pytest.mark.parametrize("training", [False, True])
def test_channels_first_matches_channels_last(case, images, training):
    last = case.make(seed=5, data_format="channels_last")(images, training=training)
    first = case.make(seed=5, data_format="channels_first")(
        np.transpose(images, (0, 3, 1, 2)), training=training
    )
    np.testing.assert_allclose(np.transpose(first, (0, 2, 3, 1)), last, atol=1e-4)


@parametrize_cases
def test_mixed_float16_policy_keeps_the_range(case, rng, mixed_float16):
    identical = case.identical(rng)
    trained = np.asarray(case.make(seed=1)(identical, training=True), "float32")
    assert np.all(np.isfinite(trained))
    assert trained.min() >= 0 and trained.max() <= 255
    assert n_distinct(trained) >= case.min_distinct
    images = case.data(rng)
    inferred = np.asarray(case.make(seed=1)(images), "float32")
    np.testing.assert_allclose(inferred, case.expected_inference(images), atol=0.5)


@parametrize_cases
def test_values_stay_in_value_range(case, rng):
    images = rng.uniform(-1, 1, (64, 8, 8, 3)).astype("float32")
    images[:, 0, 0] = -1.0
    images[:, 0, 1] = 1.0
    layer = case.make(seed=1, value_range=(-1.0, 1.0))
    outputs = np.asarray(layer(images, training=True))
    assert np.all(np.isfinite(outputs))
    assert outputs.min() >= -1.0 and outputs.max() <= 1.0
    assert not np.allclose(outputs, case.expected_inference(images), atol=1e-3)


@pytest.mark.parametrize(
    "case", [c for c in IMAGE_CASES if c.takes_data_format], ids=str
)
def test_bad_data_format_raises(case):
    with pytest.raises(ValueError, match="Received: data_format='nhwc'"):
        case.make(data_format="nhwc")


@pytest.mark.parametrize(
    "case", [c for c in IMAGE_CASES if c.takes_value_range], ids=str
)
@pytest.mark.parametrize("value_range", [(255, 0), (1, 1), (0,), "0-255"])
def test_bad_value_range_raises(case, value_range):
    match = re.escape(f"Received: value_range={value_range}")
    with pytest.raises(ValueError, match=match):
        case.make(value_range=value_range)


@parametrize_cases
def test_non_finite_values_stay_in_their_image(case, images):
    # NaN and infinity never raise (every operation of TrivialAugment is drawn
    # for some of the 16 poisoned images), and never change another image.
    images = np.tile(images, (8, 1, 1, 1))
    poisoned = images.copy()
    poisoned[::2, 1, 2] = (np.nan, np.inf, -np.inf)
    poisoned[::2, 5, 5, 1] = np.nan
    clean = np.asarray(case.make(seed=3)(images, training=True))
    output = np.asarray(case.make(seed=3)(poisoned, training=True))
    assert output.shape == clean.shape
    np.testing.assert_array_equal(output[1::2], clean[1::2])
