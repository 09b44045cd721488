"""Private base class of every augmentation layer."""

import keras
import numpy as np
from keras import ops

from keras_smalldata._config import check_config
from keras_smalldata._random import ReplicaSeedGenerator


class AugmentationLayer(keras.layers.Layer):
    """Input checks, dtype handling and the training switch, for any data kind.

    Subclasses set `ranks` (accepted input ranks) and `layout` (how to describe
    them in errors), and implement `augment(x)` on float32 data. The base class
    returns the input unchanged unless `training` is truthy (like
    `keras.layers.Dropout`), computes in float32 whatever the input dtype, and
    returns the input's dtype (integers rounded and clipped). Subclasses that do
    something at inference too (a center crop) set `transforms_at_inference` and
    implement `infer(x)`. `to_canonical` / `from_canonical` may reshape the input
    for `augment` (add a batch axis, move channels) and undo it given the input
    rank. Subclasses may check the dtype further in `check_dtype` (also run on
    symbolic inputs) and the values of a training call in `check_values` (kept
    off the per-batch graph: see `_range_checks.py`).
    """

    ranks = ()
    layout = ""
    transforms_at_inference = False

    def __init__(self, seed=None, **kwargs):
        # Keep the input's dtype (float16 stays float16, uint8 stays uint8)
        # rather than casting floats to the policy's compute dtype.
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        self.seed = seed
        # Draws differ per replica under a multi-device tf.distribute strategy.
        self.seed_generator = ReplicaSeedGenerator(seed)
        self.supports_masking = False

    def augment(self, x):
        raise NotImplementedError

    def infer(self, x):
        return x

    def to_canonical(self, x):
        return x

    def from_canonical(self, x, rank):
        return x

    def call(self, inputs, training=None):
        inputs = ops.convert_to_tensor(inputs)
        self.check_rank(inputs.shape)
        self.check_dtype(inputs.dtype)
        if not training and not self.transforms_at_inference:
            return inputs
        x = ops.cast(inputs, "float32")
        if training:
            self.check_values(x)
        x = self.to_canonical(x)
        x = self.augment(x) if training else self.infer(x)
        x = self.from_canonical(x, len(inputs.shape))
        return restore_dtype(x, inputs.dtype)

    def check_dtype(self, dtype):
        dtype = keras.backend.standardize_dtype(dtype)
        if not ("int" in dtype or "float" in dtype):
            raise TypeError(
                f"{self.__class__.__name__} expects integer or float inputs. "
                f"Received: inputs.dtype={dtype}"
            )

    def check_values(self, x):
        pass

    def check_rank(self, shape):
        if len(shape) not in self.ranks:
            ranks = " or ".join(str(r) for r in self.ranks)
            raise ValueError(
                f"{self.__class__.__name__} expects inputs of rank {ranks} "
                f"({self.layout}). Received: inputs.shape={tuple(shape)}"
            )

    def compute_output_shape(self, input_shape):
        self.check_rank(input_shape)
        return tuple(input_shape)

    def compute_output_spec(self, inputs, training=None):
        shape = self.compute_output_shape(inputs.shape)
        self.check_dtype(inputs.dtype)
        return keras.KerasTensor(shape, dtype=inputs.dtype)

    def random_uniform(self, shape, minval=0.0, maxval=1.0):
        return keras.random.uniform(
            shape, minval=minval, maxval=maxval, seed=self.seed_generator
        )

    def random_normal(self, shape, mean=0.0, stddev=1.0):
        return keras.random.normal(
            shape, mean=mean, stddev=stddev, seed=self.seed_generator
        )

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed})
        return config

    @classmethod
    def from_config(cls, config):
        # A clear error for arguments written by a newer keras-smalldata.
        check_config(cls, config)
        return super().from_config(config)


def restore_dtype(x, dtype):
    """Casts float32 `x` to `dtype`, rounding and clipping for integers."""
    dtype = keras.backend.standardize_dtype(dtype)
    if "int" in dtype:
        info = np.iinfo(dtype)
        x = ops.clip(ops.round(x), float(info.min), float(info.max))
    return ops.cast(x, dtype)
