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
from _layer_cases import CASES

pytestmark = pytest.mark.skipif(
    keras.backend.backend() == "tensorflow",
    reason="under TensorFlow the fast paths import TensorFlow by design",
)


def test_every_layer_runs_with_tensorflow_unimportable(rng, monkeypatch):
    cases = [(case.make(seed=0), case.per_sample_input(rng)) for case in CASES]
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
