"""`_crop_and_resize.crop_and_resize`: per-image whole-pixel boxes, resized as TF."""

import types

import numpy as np
import pytest
import tensorflow as tf
from _backend_marks import tensorflow_only

from keras_smalldata.layers import _crop_and_resize
from keras_smalldata.layers._crop_and_resize import crop_and_resize

TF_KERNEL = "the tf.image.resize path runs only under the TensorFlow backend"


@pytest.fixture(
    params=[pytest.param("tensorflow", marks=tensorflow_only(TF_KERNEL)), "generic"]
)
def path(request, monkeypatch):
    """Runs each test on the TF kernel and on the `keras.ops` version."""
    if request.param == "generic":
        generic_path(monkeypatch)
    return request.param


def generic_path(patch):
    """Makes `crop_and_resize` take its `keras.ops` form, as off TensorFlow."""
    fake_keras = types.SimpleNamespace(
        backend=types.SimpleNamespace(backend=lambda: "jax")
    )
    patch.setattr(_crop_and_resize, "keras", fake_keras)


def whole_image_boxes(batch, height, width):
    return np.tile(np.array([[0, 0, height, width]], "float32"), (batch, 1))


@pytest.mark.parametrize("size", [(4, 4), (8, 8), (13, 7), (16, 16), (32, 24)])
def test_whole_image_box_matches_tf_image_resize(path, rng, size):
    images = rng.uniform(0, 1, (2, 16, 16, 3)).astype("float32")
    out = crop_and_resize(images, whole_image_boxes(2, 16, 16), size)
    expected = tf.image.resize(images, size, method="bilinear")
    np.testing.assert_allclose(out, expected, atol=1e-5)


def test_box_of_output_size_is_the_crop(path, rng):
    images = rng.uniform(0, 255, (2, 16, 16, 3)).astype("float32")
    boxes = np.array([[2, 3, 4, 5], [9, 0, 4, 5]], "float32")
    out = np.asarray(crop_and_resize(images, boxes, (4, 5)))
    # Up to float32 rounding (the TF kernel normalizes the box coordinates).
    np.testing.assert_allclose(out[0], images[0, 2:6, 3:8], atol=1e-3)
    np.testing.assert_allclose(out[1], images[1, 9:13, 0:5], atol=1e-3)


def test_each_image_gets_its_own_box(path, rng):
    images = rng.uniform(0, 1, (2, 16, 16, 1)).astype("float32")
    boxes = np.array([[0, 0, 8, 8], [8, 8, 8, 8]], "float32")
    out = crop_and_resize(images, boxes, (4, 4))
    expected = [
        tf.image.resize(images[:1, :8, :8], (4, 4)),
        tf.image.resize(images[1:, 8:, 8:], (4, 4)),
    ]
    np.testing.assert_allclose(out, np.concatenate(expected), atol=1e-5)


def test_nearest_whole_image_upscale_repeats_pixels(path, rng):
    images = rng.uniform(0, 1, (1, 4, 4, 2)).astype("float32")
    out = crop_and_resize(images, whole_image_boxes(1, 4, 4), (8, 8), "nearest")
    expected = np.repeat(np.repeat(images, 2, axis=1), 2, axis=2)
    np.testing.assert_array_equal(out, expected)


def random_boxes(rng, batch, height, width):
    heights = rng.integers(1, height + 1, batch)
    widths = rng.integers(1, width + 1, batch)
    tops = rng.integers(0, height - heights + 1)
    lefts = rng.integers(0, width - widths + 1)
    return np.stack([tops, lefts, heights, widths], axis=1).astype("float32")


@tensorflow_only(TF_KERNEL)
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_paths_agree_on_random_boxes(rng, monkeypatch, interpolation):
    images = rng.uniform(0, 1, (16, 12, 16, 2)).astype("float32")
    boxes = random_boxes(rng, 16, 12, 16)
    flips = rng.uniform(size=16) < 0.5
    for size in [(5, 7), (24, 20)]:  # down- and upsampling
        tf_out = np.asarray(crop_and_resize(images, boxes, size, interpolation, flips))
        with monkeypatch.context() as patch:
            generic_path(patch)
            ops_out = crop_and_resize(images, boxes, size, interpolation, flips)
        np.testing.assert_allclose(tf_out, ops_out, atol=1e-5)


def test_pixels_outside_the_box_never_reach_the_output(path, rng):
    # Upsampling a box samples past its edges: they take the edge's value, as
    # when the box is cut out first (torchvision, albumentations).
    images = rng.uniform(0, 1, (1, 10, 10, 1)).astype("float32")
    boxes = np.array([[3, 4, 2, 3]], "float32")
    out = np.asarray(crop_and_resize(images, boxes, (8, 12)))
    expected = tf.image.resize(images[:, 3:5, 4:7], (8, 12))
    np.testing.assert_allclose(out, expected, atol=1e-5)
    marked = images.copy()
    marked[:, :3], marked[:, 5:], marked[:, :, :4], marked[:, :, 7:] = 9, 9, 9, 9
    np.testing.assert_allclose(crop_and_resize(marked, boxes, (8, 12)), out, atol=1e-5)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_integer_images_come_back_rounded_in_their_dtype(path, rng, interpolation):
    images = rng.integers(0, 256, (4, 12, 16, 3)).astype("uint8")
    boxes = random_boxes(rng, 4, 12, 16)
    out = crop_and_resize(images, boxes, (9, 7), interpolation)
    as_float = crop_and_resize(images.astype("float32"), boxes, (9, 7), interpolation)
    assert np.asarray(out).dtype == np.uint8
    np.testing.assert_array_equal(out, np.round(np.asarray(as_float)))


def test_flips_mirror_the_chosen_crops(path, rng):
    images = rng.uniform(0, 1, (3, 12, 16, 2)).astype("float32")
    boxes = np.array([[1, 2, 9, 11], [0, 0, 12, 16], [3, 4, 5, 6]], "float32")
    flips = np.array([True, False, True])
    out = np.asarray(crop_and_resize(images, boxes, (7, 5), flips=flips))
    plain = np.asarray(crop_and_resize(images, boxes, (7, 5)))
    np.testing.assert_allclose(out[0], plain[0, :, ::-1], atol=1e-5)
    np.testing.assert_allclose(out[1], plain[1], atol=1e-5)
    np.testing.assert_allclose(out[2], plain[2, :, ::-1], atol=1e-5)


@tensorflow_only("compiles with tf.function(jit_compile=True)")
def test_runs_under_xla_and_matches_the_tf_kernels(rng):
    # Slices of drawn sizes do not compile: under jit_compile the keras.ops
    # form runs.
    images = rng.uniform(0, 1, (2, 16, 16, 3)).astype("float32")
    boxes = np.array([[0, 0, 4, 5], [3, 2, 10, 12]], "float32")
    flips = np.array([False, True])
    compiled = tf.function(
        lambda x, b, f: crop_and_resize(x, b, (8, 6), flips=f), jit_compile=True
    )
    expected = crop_and_resize(images, boxes, (8, 6), flips=flips)
    np.testing.assert_allclose(compiled(images, boxes, flips), expected, atol=1e-5)
