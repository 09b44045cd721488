"""Under a backend other than TensorFlow the layers need no TensorFlow at all.

The TensorFlow fast paths (`_grouping.py`, `_crop_and_resize.py`, the equalize
histogram in `_color_ops.py`) import TensorFlow inside their TensorFlow branch
only. Here `import tensorflow` is made to fail (`sys.modules["tensorflow"] =
None`) while every public layer runs, in training and at inference, so a stray
import on another backend's path raises `ImportError`. The CI step that runs
these tests with `KERAS_BACKEND=jax` is where this runs.
"""

import sys

import keras
import numpy as np
import pytest

from keras_smalldata import layers

pytestmark = pytest.mark.skipif(
    keras.backend.backend() == "tensorflow",
    reason="under TensorFlow the fast paths import TensorFlow by design",
)


def _cases(rng):
    images = rng.uniform(0, 255, (4, 8, 8, 3)).astype("float32")
    rows = rng.normal(size=(8, 5)).astype("float32")
    series = rng.normal(size=(4, 16, 2)).astype("float32")
    return [
        (layers.RandomResizedCrop(6, 6, seed=0), images),
        (layers.TrivialAugment(seed=0), images),
        (layers.RandomGaussianNoise(0.1, seed=0), images),
        (layers.RandomSaltPepper(0.1, seed=0), images),
        (layers.RandomApply(layers.RandomGaussianNoise(0.1), seed=0), images),
        (
            layers.RandomChoice(
                [layers.RandomSaltPepper(0.1), layers.RandomGaussianNoise(0.1)],
                seed=0,
            ),
            images,
        ),
        (layers.FeatureNoise(0.1, feature_std=[1.0] * 5, seed=0), rows),
        (layers.SwapNoise(0.2, seed=0), rows),
        (layers.FeatureDropout(0.2, seed=0), rows),
        (layers.Jitter(0.1, seed=0), series),
        (layers.RandomScaling(0.1, seed=0), series),
        (layers.MagnitudeWarp(seed=0), series),
        (layers.TimeWarp(seed=0), series),
        (layers.WindowSlice(seed=0), series),
        (layers.WindowWarp(seed=0), series),
    ]


def test_every_layer_runs_with_tensorflow_unimportable(rng, monkeypatch):
    cases = _cases(rng)
    assert {type(layer).__name__ for layer, _ in cases} == set(layers.__all__)
    monkeypatch.setitem(sys.modules, "tensorflow", None)
    with pytest.raises(ImportError):
        import tensorflow  # noqa: F401
    for layer, x in cases:
        expected_shape = tuple(layer.compute_output_shape(x.shape))
        for training in (True, False):
            out = layer(x, training=training)
            assert keras.ops.is_tensor(out), layer.name
            assert tuple(out.shape) == expected_shape, layer.name
            assert np.all(np.isfinite(np.asarray(out))), layer.name
