"""Private base of `RandomApply` and `RandomChoice`."""

import keras
from keras import ops

from keras_smalldata.layers._grouping import apply_by_group
from keras_smalldata.layers._image_layer import restore_dtype


class LayerContainer(keras.layers.Layer):
    """Sends each image through one of `self.branches`, chosen per image.

    A branch is `None` (the identity) or a layer, called with `training=True` on
    the images that drew it, and only on those. Subclasses implement
    `choose(batch_size)` returning int32 branch indices of shape `(batch,)`.
    """

    def __init__(self, branches, seed=None, **kwargs):
        super().__init__(**kwargs)
        for layer in branches:
            if layer is not None and not isinstance(layer, keras.layers.Layer):
                raise TypeError(
                    f"{self.__class__.__name__} takes Keras layers. "
                    f"Received: {layer!r} of type {type(layer).__name__}"
                )
        self.branches = list(branches)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        self._check_rank(input_shape)
        for layer in self.branches:
            if layer is None:
                continue
            if not layer.built:
                layer.build(input_shape)
            try:
                output_shape = layer.compute_output_shape(input_shape)
            except NotImplementedError:
                continue
            if tuple(output_shape) != tuple(input_shape):
                raise ValueError(
                    f"{self.__class__.__name__} needs layers that keep the image "
                    f"shape. Received: layer {layer.name!r} maps {tuple(input_shape)} "
                    f"to {tuple(output_shape)}"
                )
        self.built = True

    def choose(self, batch_size):
        raise NotImplementedError

    def call(self, images, training=None):
        images = ops.convert_to_tensor(images)
        self._check_rank(images.shape)
        if not training:
            return images
        dtype = images.dtype
        x = ops.cast(images, "float32")
        unbatched = len(images.shape) == 3
        if unbatched:
            x = ops.expand_dims(x, 0)
        fns = [self._branch_fn(layer) for layer in self.branches]
        x = apply_by_group(fns, self.choose(ops.shape(x)[0]), x)
        if unbatched:
            x = ops.squeeze(x, 0)
        return restore_dtype(x, dtype)

    @staticmethod
    def _branch_fn(layer):
        if layer is None:
            return lambda images: images
        return lambda images: ops.cast(layer(images, training=True), "float32")

    def _check_rank(self, shape):
        if len(shape) not in (3, 4):
            raise ValueError(
                f"{self.__class__.__name__} expects images of rank 3 or 4. "
                f"Received: images.shape={tuple(shape)}"
            )

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        return tuple(input_shape)

    def compute_output_spec(self, images, training=None):
        dtype = images.dtype
        if "float" in keras.backend.standardize_dtype(dtype):
            dtype = self.compute_dtype
        return keras.KerasTensor(self.compute_output_shape(images.shape), dtype=dtype)
