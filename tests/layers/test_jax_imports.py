"""Under the JAX backend the layers run on `keras.ops` alone: no TensorFlow import.

The TensorFlow fast paths (`_grouping.py`, `_crop_and_resize.py`, the equalize
histogram in `_color_ops.py`) import TensorFlow inside the TensorFlow branch only.
The check runs in a fresh interpreter: in this one, other tests have imported
TensorFlow already.
"""

import importlib.util
import os
import subprocess
import sys
import textwrap

import pytest

_SCRIPT = textwrap.dedent(
    """
    import sys

    import keras
    import numpy as np

    assert keras.backend.backend() == "jax", keras.backend.backend()
    from keras_smalldata import layers

    rng = np.random.default_rng(0)
    images = rng.uniform(0, 255, (4, 8, 8, 3)).astype("float32")
    rows = rng.normal(size=(8, 5)).astype("float32")
    series = rng.normal(size=(4, 16, 2)).astype("float32")
    cases = [
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
    for layer, x in cases:
        out = layer(x, training=True)
        assert "jax" in type(out).__module__, (layer.name, type(out))
        layer(x)
    print("tensorflow imported:", "tensorflow" in sys.modules)
    """
)


@pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="jax is not installed"
)
def test_layers_run_under_jax_without_importing_tensorflow(tmp_path):
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "tensorflow imported: False" in result.stdout, result.stdout
