"""Private base of `RandomApply` and `RandomChoice`."""

import keras
from keras import ops

from keras_smalldata.layers._augmentation_layer import AugmentationLayer
from keras_smalldata.layers._grouping import apply_by_group


class LayerContainer(AugmentationLayer):
    """Sends each image through one of `self.branches`, chosen per image.

    A branch is `None` (the identity) or a layer, called with `training=True` on
    the images that drew it, and only on those. Subclasses implement
    `choose(batch_size)` returning int32 branch indices of shape `(batch,)`.
    """

    ranks = (3, 4)
    layout = "single images or batches of images"

    def __init__(self, branches, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.branches = list(branches)

    def check_layers(self, layers):
        """Raises `TypeError` unless every item of `layers` is a Keras layer."""
        for layer in layers:
            if not isinstance(layer, keras.layers.Layer):
                raise TypeError(
                    f"{self.__class__.__name__} takes Keras layers. "
                    f"Received: {layer!r} of type {type(layer).__name__}"
                )

    def check_dtype(self, dtype):
        super().check_dtype(dtype)
        # The branches get float32 images: they check the input's own dtype
        # here (an integer dtype against a branch's `value_range`).
        for layer in self.branches:
            if isinstance(layer, AugmentationLayer):
                layer.check_dtype(dtype)

    def check_values(self, x):
        # Each branch sees only the images that drew it, maybe none: the
        # branches check the whole batch here instead (once each, eagerly).
        for layer in self.branches:
            if isinstance(layer, AugmentationLayer):
                layer.check_values(x)

    def build(self, input_shape):
        self.check_rank(input_shape)
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

    def to_canonical(self, x):
        return ops.expand_dims(x, 0) if len(x.shape) == 3 else x

    def from_canonical(self, x, rank):
        return ops.squeeze(x, 0) if rank == 3 else x

    def augment(self, images):
        fns = [self._branch_fn(layer) for layer in self.branches]
        return apply_by_group(fns, self.choose(ops.shape(images)[0]), images)

    @staticmethod
    def _branch_fn(layer):
        if layer is None:
            return lambda images: images
        return lambda images: ops.cast(layer(images, training=True), "float32")
