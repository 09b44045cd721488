import sys

import keras
import numpy as np
import pytest

from keras_smalldata.plotting import augmentation_grid


class CallCounter(keras.layers.Layer):
    """Returns a constant image whose value counts the calls made with training."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = 0

    def call(self, images, training=None):
        if not training:
            return images
        self.calls += 1
        return keras.ops.zeros_like(images) + self.calls / 10


def _images(batch=3, height=4, width=5, channels=1):
    rng = np.random.default_rng(0)
    return rng.uniform(size=(batch, height, width, channels)).astype(np.float32)


def _arrays(figure):
    return [np.asarray(ax.images[0].get_array()) for ax in figure.axes]


def test_grid_has_one_original_row_plus_num_rows():
    figure = augmentation_grid(CallCounter(), _images(batch=3), num_rows=2)
    assert len(figure.axes) == 9
    geometry = figure.axes[0].get_subplotspec().get_geometry()
    assert geometry[:2] == (3, 3)


def test_first_row_shows_originals_then_one_fresh_call_per_row():
    images = _images(batch=3)
    layer = CallCounter()
    figure = augmentation_grid(layer, images, num_rows=2)
    arrays = _arrays(figure)
    for col in range(3):
        np.testing.assert_allclose(arrays[col], images[col, ..., 0])
    assert layer.calls == 2
    for row in (1, 2):
        for col in range(3):
            np.testing.assert_allclose(arrays[row * 3 + col], row / 10, rtol=1e-6)


def test_rgb_uint8_is_shown_on_0_255():
    images = (_images(batch=2, channels=3) * 255).astype(np.uint8)
    figure = augmentation_grid(keras.layers.Identity(), images, num_rows=1)
    arrays = _arrays(figure)
    assert arrays[0].shape == (4, 5, 3)
    np.testing.assert_allclose(arrays[1], images[1] / 255, rtol=1e-6)


def test_float_images_are_scaled_from_value_range():
    images = _images(batch=2) * 2 - 1
    figure = augmentation_grid(
        keras.layers.Identity(), images, num_rows=1, value_range=(-1, 1)
    )
    np.testing.assert_allclose(_arrays(figure)[0], (images[0, ..., 0] + 1) / 2)


def test_seeded_fresh_layers_give_the_same_figure():
    images = _images(batch=4, height=6, width=6)

    def grid(seed):
        layer = keras.layers.RandomTranslation(0.3, 0.3, seed=seed)
        return _arrays(augmentation_grid(layer, images, num_rows=3))

    first, second, other = grid(7), grid(7), grid(8)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(first, other, strict=True))


def test_rows_differ_and_layer_state_advances():
    images = _images(batch=4, height=6, width=6)
    layer = keras.layers.RandomTranslation(0.3, 0.3)
    state_before = layer.non_trainable_variables[0].numpy().copy()
    arrays = _arrays(augmentation_grid(layer, images, num_rows=2))
    assert not np.array_equal(np.stack(arrays[4:8]), np.stack(arrays[8:12]))
    assert not np.array_equal(layer.non_trainable_variables[0].numpy(), state_before)


def test_figure_saves_as_png(tmp_path):
    import matplotlib.image

    path = tmp_path / "grid.png"
    augmentation_grid(CallCounter(), _images(batch=2), num_rows=1).savefig(path)
    height, width, _ = matplotlib.image.imread(path).shape
    assert height > 50 and width > 50


@pytest.mark.parametrize("shape", [(4, 5, 1), (2, 4, 5, 2), (0, 4, 5, 1)])
def test_invalid_images_shape(shape):
    images = np.zeros(shape, dtype=np.float32)
    with pytest.raises(ValueError, match=r"Received: images.shape=\("):
        augmentation_grid(CallCounter(), images)


@pytest.mark.parametrize("num_rows", [0, -1, 1.5, True])
def test_invalid_num_rows(num_rows):
    with pytest.raises(ValueError, match="Received: num_rows="):
        augmentation_grid(CallCounter(), _images(), num_rows=num_rows)


@pytest.mark.parametrize("value_range", [(1, 0), (0, 0), (0, 1, 2)])
def test_invalid_value_range(value_range):
    with pytest.raises(ValueError, match="Received: value_range="):
        augmentation_grid(CallCounter(), _images(), value_range=value_range)


def test_layer_output_of_wrong_rank():
    def first_image(images, training=None):
        return images[0]

    with pytest.raises(ValueError, match=r"Received: output.shape=\(4, 5, 1\)"):
        augmentation_grid(first_image, _images(batch=3), num_rows=1)


def test_layer_output_of_wrong_batch_size():
    def drop_one(images, training=None):
        return images[1:]

    with pytest.raises(ValueError, match=r"keep the batch size 3. Received: output"):
        augmentation_grid(drop_one, _images(batch=3), num_rows=1)


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r'pip install "keras-smalldata\[plot\]"'):
        augmentation_grid(CallCounter(), _images())


def _vae(num_classes=3, shape=(8, 8, 1)):
    from keras_smalldata.models import VAE

    return VAE.for_images(shape, latent_dim=2, num_classes=num_classes, seed=0)


def test_vae_sample_grid_has_a_row_per_class_with_real_images_first():
    from keras_smalldata.plotting import vae_sample_grid

    vae = _vae()
    images = _images(batch=5, height=8, width=8)
    labels = np.array([2, 0, 2, 0, 0])  # no image of class 1
    figure = vae_sample_grid(vae, per_class=2, images=images, labels=labels, seed=1)
    assert figure.axes[0].get_subplotspec().get_geometry()[:2] == (3, 3)
    axes = np.array(figure.axes).reshape(3, 3)
    np.testing.assert_allclose(axes[0, 0].images[0].get_array(), images[1, ..., 0])
    np.testing.assert_allclose(axes[2, 0].images[0].get_array(), images[0, ..., 0])
    assert not axes[1, 0].axison and not axes[1, 0].images
    # The samples are the VAE's own, drawn for the row's class.
    expected = vae.sample(6, labels=np.repeat(np.arange(3), 2), seed=1)
    shown = np.array([ax.images[0].get_array() for ax in axes[:, 1:].ravel()])
    np.testing.assert_allclose(shown, np.clip(expected[..., 0], 0, 1), atol=1e-6)


def test_vae_sample_grid_unconditional_is_one_row():
    from keras_smalldata.plotting import vae_sample_grid

    figure = vae_sample_grid(_vae(num_classes=None, shape=(8, 8, 3)), per_class=3)
    assert len(figure.axes) == 3
    assert figure.axes[0].images[0].get_array().shape == (8, 8, 3)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"per_class": 0}, "Received: per_class=0"),
        ({"per_class": True}, "Received: per_class=True"),
        ({"images": np.zeros((2, 8, 8, 1))}, "one label per image"),
        ({"images": np.zeros((8, 8, 1)), "labels": [0]}, r"images.shape=\(8, 8, 1\)"),
    ],
)
def test_vae_sample_grid_bad_arguments(kwargs, match):
    from keras_smalldata.plotting import vae_sample_grid

    with pytest.raises(ValueError, match=match):
        vae_sample_grid(_vae(), **kwargs)


def test_image_grid_draws_each_image_in_its_cell():
    from keras_smalldata.plotting import image_grid

    images = np.random.default_rng(0).uniform(size=(2, 3, 4, 5, 1))
    images[1, 2] = np.nan  # an empty cell
    figure = image_grid(images, row_labels=["a", "bb"], column_titles=["x", "", "z"])
    axes = np.array(figure.axes).reshape(2, 3)
    np.testing.assert_allclose(axes[1, 1].images[0].get_array(), images[1, 1, ..., 0])
    assert not axes[1, 2].axison and not axes[1, 2].images
    assert [ax.get_title() for ax in axes[0]] == ["x", "", "z"]
    assert axes[1, 0].get_ylabel() == "bb"


def test_image_grid_scales_uint8_and_value_range():
    from keras_smalldata.plotting import image_grid

    rgb = np.full((1, 1, 2, 2, 3), 255, np.uint8)
    np.testing.assert_allclose(image_grid(rgb).axes[0].images[0].get_array(), 1.0)
    signed = np.full((1, 1, 2, 2, 1), 0.0)
    figure = image_grid(signed, value_range=(-1, 1))
    np.testing.assert_allclose(figure.axes[0].images[0].get_array(), 0.5)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"images": np.zeros((2, 4, 4, 1))}, r"Received: images.shape=\(2, 4, 4, 1\)"),
        ({"images": np.zeros((0, 2, 4, 4, 1))}, r"images.shape=\(0, 2, 4, 4, 1\)"),
        ({"row_labels": ["only one"]}, r"2 rows. Received: row_labels=\['only one'\]"),
        ({"column_titles": "ab"}, r"3 columns. Received: column_titles='ab'"),
    ],
)
def test_image_grid_bad_arguments(kwargs, match):
    from keras_smalldata.plotting import image_grid

    with pytest.raises(ValueError, match=match):
        image_grid(**{"images": np.zeros((2, 3, 4, 4, 1)), **kwargs})
