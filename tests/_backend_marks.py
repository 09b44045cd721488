"""Marks for tests that need something only some Keras backends have.

The layer and VAE tests also run under `KERAS_BACKEND=jax` (a CI step). A test
that is TensorFlow-only by necessity (a `tf.data` pipeline, a `tf.function`, the
TensorFlow fast path of a helper) is marked with `tensorflow_only(reason)` and
skips under any other backend, with the reason in the report (`pytest -rs`). A
test of float64 inputs is marked `needs_float64`: JAX computes in 32 bits unless
`jax_enable_x64` is set, so a float64 array becomes float32 on conversion.

Importable from every test module because `tests/conftest.py` puts `tests/` on
`sys.path` (pytest's default `prepend` import mode).
"""

import keras
import numpy as np
import pytest

TF_DATA = (
    "tf.data runs the layer on TensorFlow tensors, which needs the TensorFlow backend"
)
TF_PARTITION = "the tf.dynamic_partition path runs only under the TensorFlow backend"
TF_FUNCTION = "builds a tf.function graph"


def tensorflow_only(reason):
    """A `skipif` mark: skips the test unless the Keras backend is TensorFlow.

    Args:
        reason: str. Why the test needs TensorFlow; shown in the skip report as
            `"TensorFlow backend only: <reason>"`.

    Returns:
        A `pytest.mark.skipif` mark.

    Example:

    ```python
    @tensorflow_only(TF_DATA)
    def test_tf_data_map(): ...
    ```
    """
    if not isinstance(reason, str) or not reason:
        raise ValueError(
            f"`reason` must be a non-empty string. Received: reason={reason!r}"
        )
    return pytest.mark.skipif(
        keras.backend.backend() != "tensorflow",
        reason=f"TensorFlow backend only: {reason}",
    )


def _backend_keeps_float64():
    tensor = keras.ops.convert_to_tensor(np.zeros((1,), "float64"))
    return keras.backend.standardize_dtype(tensor.dtype) == "float64"


needs_float64 = pytest.mark.skipif(
    not _backend_keeps_float64(),
    reason=(
        f"the {keras.backend.backend()} backend turns float64 into float32 "
        "(JAX without jax_enable_x64)"
    ),
)
