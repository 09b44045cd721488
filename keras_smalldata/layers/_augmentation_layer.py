"""Private base class of every augmentation layer."""

import keras
import numpy as np
from keras import ops

from keras_smalldata._config import check_config
from keras_smalldata._random import ReplicaSeedGenerator


class AugmentationLayer(keras.layers.Layer):
    """Input checks, dtype handling and the training switch, for any data kind.

    As in Keras' image preprocessing layers, a layer first draws its random
    parameters for the batch, `get_random_transformation(data, training)`, then
    applies them: each data kind's base class names the application after what
    it transforms (`transform_images`, `transform_series`, `transform_features`),
    so that one draw can move an image, its mask and its boxes alike.

    The base class returns the input unchanged unless `training` is truthy (like
    `keras.layers.Dropout`), computes in float32 whatever the input dtype, and
    returns the input's dtype (integers rounded and clipped). The draw and the
    application see a float32 batch (the input's dtype for layers that set
    `_keeps_dtype` and handle any dtype themselves) in the kind's canonical layout
    (`_to_canonical` adds a batch axis, moves channels last; `_from_canonical`
    undoes it given the input rank). Layers that transform at inference too (a
    center crop) set `_transforms_at_inference`; their draw then gets
    `training=False`.

    Subclasses set `_ranks` (accepted input ranks) and `_layout` (how to describe
    them in errors), may check the dtype further in `_check_dtype` (also run on
    symbolic inputs) and the values of a training call in `_check_values` (kept
    off the per-batch graph: see `_range_checks.py`).
    """

    _ranks = ()
    _layout = ""
    _transforms_at_inference = False
    # Layers whose draw and `_transform` take the batch in the input's own dtype
    # and return that dtype (integers rounded, as `restore_dtype` does) set this:
    # an 8-bit batch then skips the float32 copy in and the rounding passes out,
    # each about as costly as the work of a cheap layer (issue 18's profile in
    # docs/benchmarks.md).
    _keeps_dtype = False

    def __init__(self, seed=None, **kwargs):
        # Keep the input's dtype (float16 stays float16, uint8 stays uint8)
        # rather than casting floats to the policy's compute dtype.
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        self.seed = seed
        # Draws differ per replica under a multi-device tf.distribute strategy.
        self.seed_generator = ReplicaSeedGenerator(seed)
        self.supports_masking = False

    def get_random_transformation(self, data, training=True, seed=None):
        """Draws this batch's random parameters, one set per sample.

        Args:
            data: the float32 batch in the canonical layout of the data kind
                (for image layers, also a dict holding it under `"images"`).
            training: bool. `False` only for layers that also transform at
                inference; they return their deterministic transformation.
            seed: a `keras.random.SeedGenerator`, an int or None (the layer's
                own generator).

        Returns:
            A dict of tensors whose first axis is the batch, or None.
        """
        return None

    def _transform(self, x, transformation, training):
        """Applies `transformation` to the canonical batch `x` (the kind's hook)."""
        raise NotImplementedError

    def call(self, inputs, training=None):
        inputs = ops.convert_to_tensor(inputs)
        self._check_input(inputs)
        if not training and not self._transforms_at_inference:
            return inputs
        x = self._prepare(inputs, training)
        transformation = self.get_random_transformation(x, training=bool(training))
        x = self._transform(x, transformation, bool(training))
        return restore_dtype(self._from_canonical(x, len(inputs.shape)), inputs.dtype)

    def _check_input(self, inputs):
        self._check_rank(inputs.shape)
        self._check_dtype(inputs.dtype)

    def _prepare(self, inputs, training):
        """The canonical batch of checked `inputs`: float32 unless `_keeps_dtype`."""
        x = inputs if self._keeps_dtype else ops.cast(inputs, "float32")
        if training:
            self._check_values(x)
        return self._to_canonical(x)

    def _to_canonical(self, x):
        return x

    def _from_canonical(self, x, rank):
        return x

    def _check_dtype(self, dtype):
        dtype = keras.backend.standardize_dtype(dtype)
        if not ("int" in dtype or "float" in dtype):
            raise TypeError(
                f"{self.__class__.__name__} expects integer or float inputs. "
                f"Received: inputs.dtype={dtype}"
            )

    def _check_values(self, x):
        pass

    def _check_rank(self, shape):
        if len(shape) not in self._ranks:
            ranks = " or ".join(str(r) for r in self._ranks)
            raise ValueError(
                f"{self.__class__.__name__} expects inputs of rank {ranks} "
                f"({self._layout}). Received: inputs.shape={tuple(shape)}"
            )

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        return tuple(input_shape)

    def compute_output_spec(self, inputs, training=None):
        shape = self.compute_output_shape(inputs.shape)
        self._check_dtype(inputs.dtype)
        return keras.KerasTensor(shape, dtype=inputs.dtype)

    def _random_uniform(self, shape, minval=0.0, maxval=1.0, seed=None):
        return keras.random.uniform(
            shape, minval=minval, maxval=maxval, seed=self._seed(seed)
        )

    def _random_normal(self, shape, mean=0.0, stddev=1.0, seed=None):
        return keras.random.normal(
            shape, mean=mean, stddev=stddev, seed=self._seed(seed)
        )

    def _seed(self, seed):
        """The seed a draw uses: `seed` if given, else the layer's generator."""
        return self.seed_generator if seed is None else seed

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
    """Casts `x` to `dtype`, rounding and clipping for integers.

    `x` already in `dtype` comes back as it is (layers that keep the input's
    dtype return it so).
    """
    dtype = keras.backend.standardize_dtype(dtype)
    if keras.backend.standardize_dtype(x.dtype) == dtype:
        return x
    if "int" in dtype:
        info = np.iinfo(dtype)
        x = ops.clip(ops.round(x), float(info.min), float(info.max))
    return ops.cast(x, dtype)
