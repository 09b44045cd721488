"""Images that do not fit an image layer (issue 16).

A `value_range` that misses the images: integer images that cannot lie in it are
refused (eagerly, in a graph, and when a functional model is built); float
images far outside it, or in its bottom 1%, warn once, on the first eager
training call, and nothing is added to the per-batch graph. NaN and infinite
values never raise: infinities are clipped to the range like any value outside
it (in the layers that clip), NaN stays NaN, and neither reaches another image.
"""

import re
import warnings

import keras
import numpy as np
import pytest
from _backend_marks import TF_FUNCTION, tensorflow_only

from keras_smalldata import layers
from keras_smalldata.layers import _color_ops


def _trivial_augment(value_range, seed=0):
    return layers.TrivialAugment(value_range=value_range, seed=seed)


def _gaussian_noise(value_range, seed=0):
    return layers.RandomGaussianNoise(0.1, value_range=value_range, seed=seed)


def _salt_pepper(value_range, seed=0):
    return layers.RandomSaltPepper(0.1, value_range=value_range, seed=seed)


def _random_apply(value_range, seed=0):
    return layers.RandomApply(_gaussian_noise(value_range, seed + 1), seed=seed)


def _random_choice(value_range, seed=0):
    inner = [_salt_pepper(value_range, seed + 1), _trivial_augment(value_range)]
    return layers.RandomChoice(inner, seed=seed)


MAKERS = {
    "TrivialAugment": _trivial_augment,
    "RandomGaussianNoise": _gaussian_noise,
    "RandomSaltPepper": _salt_pepper,
    "RandomApply": _random_apply,
    "RandomChoice": _random_choice,
}
parametrize_makers = pytest.mark.parametrize("make", MAKERS.values(), ids=MAKERS.keys())
RANGE_WARNING = "match its `value_range`"


@pytest.fixture
def images(rng):
    """Four 8x8 RGB images with values in [0, 255], both ends reached."""
    x = rng.uniform(0, 255, (4, 8, 8, 3)).astype("float32")
    x[:, 0, 0] = (0, 255, 0)
    return x


def refused(value_range, dtype):
    return re.escape(f"Received: value_range={value_range} for inputs.dtype={dtype}")


# -- integer images: refused from the dtype alone -----------------------------


@parametrize_makers
@pytest.mark.parametrize("training", [True, False])
def test_uint8_images_with_a_unit_range_are_refused(make, images, training):
    # Before: uint8 images in [0, 255] came out clipped to 0 and 1.
    with pytest.raises(ValueError, match=refused((0.0, 1.0), "uint8")):
        make((0, 1))(images.astype("uint8"), training=training)


@parametrize_makers
def test_functional_model_with_uint8_input_and_unit_range_is_refused(make):
    inputs = keras.Input((8, 8, 3), dtype="uint8")
    with pytest.raises(ValueError, match=refused((0.0, 1.0), "uint8")):
        make((0, 1))(inputs)


@pytest.mark.parametrize(
    "dtype, value_range",
    [("uint8", (0, 65535)), ("int8", (0, 255)), ("uint16", (-1, 255))],
)
def test_integer_range_beyond_the_dtype_is_refused(dtype, value_range):
    x = np.zeros((2, 4, 4, 3), dtype)
    match = refused(tuple(float(v) for v in value_range), dtype)
    with pytest.raises(ValueError, match=match):
        _gaussian_noise(value_range)(x, training=True)


@pytest.mark.parametrize(
    "dtype, value_range",
    [("uint16", (0, 4095)), ("int32", (0, 255)), ("uint8", (0, 2))],
)
def test_integer_images_within_their_range_pass(dtype, value_range):
    x = np.full((2, 4, 4, 3), value_range[1], dtype)
    out = _salt_pepper(value_range)(x, training=True)
    assert keras.backend.standardize_dtype(out.dtype) == dtype
    assert set(np.unique(np.asarray(out)).tolist()) <= {0, value_range[1]}


# -- float images: a warning, once, on the first eager training call ----------


@parametrize_makers
def test_0_255_images_under_a_unit_range_warn_once(make, images):
    # Before: TrivialAugment(value_range=(0, 1)) saturated 0-255 images to 1.
    layer = make((0, 1))
    with pytest.warns(UserWarning, match=RANGE_WARNING) as caught:
        layer(images, training=True)
    message = str(caught[0].message)
    assert "its values reach [0, 255], far outside value_range=(0.0, 1.0)" in message
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer(images, training=True)


@parametrize_makers
def test_unit_images_under_a_0_255_range_warn_once(make, images):
    # Before: RandomGaussianNoise(0.1, value_range=(0, 255)) added noise of
    # size ~25 to [0, 1] images, silently.
    layer = make((0, 255))
    with pytest.warns(
        UserWarning, match=r"the bottom 1% of value_range=\(0.0, 255.0\)"
    ):
        layer(images / 255, training=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer(images / 255, training=True)


@parametrize_makers
@pytest.mark.parametrize(
    "scale, value_range, shift",
    [
        (1.0, (0, 255), 0.0),
        (1 / 255, (0, 1), 0.0),
        (2 / 255, (-1, 1), -1.0),
        (1.09, (0, 255), 0.0),  # up to 9% of the range above it: clipped quietly
    ],
)
def test_images_that_fit_the_range_do_not_warn(make, images, scale, value_range, shift):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make(value_range)(images * scale + shift, training=True)
        make(value_range)(np.zeros_like(images), training=True)  # all black
        make(value_range)(images, training=False)  # not checked at inference


def test_the_check_ignores_nan_and_infinity(images):
    images[0, 1, 1] = (np.nan, np.inf, -np.inf)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _gaussian_noise((0, 255))(images, training=True)


def test_a_container_checks_its_whole_batch(images):
    # No image draws the inner layer, which still learns of the mismatch.
    layer = layers.RandomApply(_gaussian_noise((0, 1)), rate=0.0, seed=0)
    with pytest.warns(UserWarning, match=RANGE_WARNING):
        layer(images, training=True)


def _traced_call(layer):
    """`layer(x, training=True)` compiled as `model.fit` runs it."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.function(lambda x: layer(x, training=True))
    if keras.backend.backend() == "jax":
        import jax

        # Stateless: the seed state goes in and out, as under model.fit.
        def call(x):
            layer.build(x.shape)
            variables = [v.value for v in layer.non_trainable_variables]
            return jax.jit(
                lambda values, x: layer.stateless_call([], values, x, training=True)
            )(variables, x)[0]

        return call
    pytest.skip("tracing is tested under TensorFlow and JAX")


def test_traced_calls_are_not_checked(images):
    layer = _trivial_augment((0, 1))
    traced = _traced_call(layer)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        traced(images)
    # The check is still to come, on the first eager call.
    with pytest.warns(UserWarning, match=RANGE_WARNING):
        layer(images, training=True)


@tensorflow_only(TF_FUNCTION)
def test_the_value_check_adds_nothing_to_the_graph(images):
    import tensorflow as tf

    for make in MAKERS.values():
        layer = make((0, 255))
        graph = (
            tf.function(lambda x, layer=layer: layer(x, training=True))
            .get_concrete_function(tf.TensorSpec((None, 8, 8, 3), "float32"))
            .graph
        )
        op_types = {op.type for op in graph.get_operations()}
        assert "IsFinite" not in op_types, layer.name


# -- NaN and infinity ---------------------------------------------------------


@pytest.fixture
def poisoned(images):
    """64 copies of the first image, with a NaN, +inf and -inf pixel in each."""
    x = np.repeat(images[:1], 64, axis=0)
    x[:, 2, 3, 0] = np.nan
    x[:, 5, 1] = np.inf
    x[:, 6, 6, 2] = -np.inf
    return x


def test_trivial_augment_takes_nan_and_infinity(poisoned):
    # Before: equalize cast NaN to a negative histogram index, and the layer
    # failed with "DenseBincount ... Negative input value found".
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        out = np.asarray(_trivial_augment((0, 255))(poisoned, training=True))
    finite = out[np.isfinite(out)]
    assert finite.min() >= 0 and finite.max() <= 255
    assert not np.isinf(out).any()  # infinities were clipped to the range
    # Each image keeps its NaN (moved by a geometric operation, perhaps
    # spread by one that mixes pixels)...
    assert np.isnan(out).any(axis=(1, 2, 3)).all()
    # ...and without NaN, infinities leave no trace but clipped values.
    inf_only = np.where(np.isnan(poisoned), 100.0, poisoned)
    out = np.asarray(_trivial_augment((0, 255))(inf_only, training=True))
    assert np.isfinite(out).all()


def test_equalize_leaves_nan_out_of_the_histogram(rng):
    image = rng.integers(0, 256, (1, 6, 6, 1)).astype("float32")
    with_nan = image.copy()
    with_nan[0, 2, 2, 0] = np.nan
    out = np.asarray(_color_ops.equalize(with_nan))
    assert np.isnan(out[0, 2, 2, 0])
    # Equalization is a lookup table built from the histogram: the other
    # pixels map as those 35 pixels alone do.
    kept = np.delete(image.reshape(-1), 2 * 6 + 2).reshape(1, 1, 35, 1)
    expected = np.asarray(_color_ops.equalize(kept)).reshape(-1)
    np.testing.assert_array_equal(np.delete(out.reshape(-1), 2 * 6 + 2), expected)
    # A channel of NaN only stays NaN.
    assert np.isnan(np.asarray(_color_ops.equalize(np.full_like(image, np.nan)))).all()
