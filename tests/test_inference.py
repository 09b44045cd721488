"""`_inference.BatchedInference`: chunked runs give what one run gives."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_smalldata._inference import BatchedInference  # noqa: E402


def _affine(x, shift):
    doubled = keras.ops.multiply(x, 2.0)
    return doubled, doubled if shift is None else keras.ops.add(doubled, shift)


def test_chunks_are_concatenated_in_order():
    x = np.arange(14, dtype="float32").reshape(7, 2)
    shift = np.full((7, 2), 0.5, "float32")
    run = BatchedInference(_affine, batch_size=3)  # Chunks of 3, 3 and 1 rows.
    doubled, shifted = run(x, shift)
    np.testing.assert_array_equal(doubled, 2 * x)
    np.testing.assert_array_equal(shifted, 2 * x + 0.5)
    # `None` stands for an absent input, passed to every chunk as `None`.
    doubled, same = run(x, None)
    np.testing.assert_array_equal(same, 2 * x)
