"""Private base of `RandomApply` and `RandomChoice`."""

import keras
from keras import ops

from keras_smalldata.layers import _boxes
from keras_smalldata.layers._augmentation_layer import (
    AugmentationLayer,
    restore_dtype,
)
from keras_smalldata.layers._grouping import apply_by_group
from keras_smalldata.layers._image_layer import check_keys


class LayerContainer(AugmentationLayer):
    """Sends each image through one of its branches, chosen per image.

    A branch is `None` (the identity) or a layer, called with `training=True` on
    the images that drew it, and only on those. The draw,
    `get_random_transformation`, is each image's branch; subclasses implement
    `_choose(batch_size, seed)` returning int32 branch indices of shape
    `(batch,)`. A dict input (Keras' `{"images", "labels", "bounding_boxes",
    "segmentation_masks"}`) is split by the same draw, so each branch gets every
    entry of its images and moves masks and boxes with them.
    """

    _ranks = (3, 4)
    _layout = "single images or batches of images"

    def __init__(self, branches, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self._branches = list(branches)

    @property
    def _keeps_dtype(self):
        # Our layers take any dtype and return it (8-bit images then stay 8-bit
        # through the split and the stitch); Keras' layers get float32.
        return all(
            layer is None or isinstance(layer, AugmentationLayer)
            for layer in self._branches
        )

    def _check_layers(self, layers):
        """Raises `TypeError` unless every item of `layers` is a Keras layer."""
        for layer in layers:
            if not isinstance(layer, keras.layers.Layer):
                raise TypeError(
                    f"{self.__class__.__name__} takes Keras layers. "
                    f"Received: {layer!r} of type {type(layer).__name__}"
                )

    def _check_dtype(self, dtype):
        super()._check_dtype(dtype)
        # The branches get float32 images: they check the input's own dtype
        # here (an integer dtype against a branch's `value_range`).
        for layer in self._branches:
            if isinstance(layer, AugmentationLayer):
                layer._check_dtype(dtype)

    def _check_values(self, x):
        # Each branch sees only the images that drew it, maybe none: the
        # branches check the whole batch here instead (once each, eagerly).
        for layer in self._branches:
            if isinstance(layer, AugmentationLayer):
                layer._check_values(x)

    def build(self, input_shape):
        if isinstance(input_shape, dict):
            input_shape = input_shape["images"]
        self._check_rank(input_shape)
        for layer in self._branches:
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

    def _choose(self, batch_size, seed):
        raise NotImplementedError

    def get_random_transformation(self, data, training=True, seed=None):
        """Each image's branch: `{"branch": int32 (batch,)}`."""
        images = data["images"] if isinstance(data, dict) else data
        return {"branch": self._choose(ops.shape(images)[0], self._seed(seed))}

    def _to_canonical(self, x):
        return ops.expand_dims(x, 0) if len(x.shape) == 3 else x

    def _from_canonical(self, x, rank):
        return ops.squeeze(x, 0) if rank == 3 else x

    def _transform(self, x, transformation, training):
        fns = [_branch_fn(layer) for layer in self._branches]
        return apply_by_group(fns, transformation["branch"], x)

    def call(self, inputs, training=None):
        if not isinstance(inputs, dict):
            return super().call(inputs, training=training)
        check_keys(type(self).__name__, inputs)
        images = ops.convert_to_tensor(inputs["images"])
        self._check_input(images)
        if not training:
            return dict(inputs)
        rank = len(images.shape)

        def batched(value):
            return ops.expand_dims(value, 0) if rank == 3 else value

        data = {"images": self._prepare(images, training)}
        dtypes = {"images": images.dtype}
        if "segmentation_masks" in inputs:
            masks = ops.convert_to_tensor(inputs["segmentation_masks"])
            dtypes["segmentation_masks"] = masks.dtype
            # Float32, as Keras' layers return them; rounded back at the end.
            data["segmentation_masks"] = batched(ops.cast(masks, "float32"))
        if "labels" in inputs:
            data["labels"] = batched(ops.convert_to_tensor(inputs["labels"]))
        if "bounding_boxes" in inputs:
            boxes = _boxes.check_bounding_boxes(
                type(self).__name__, inputs["bounding_boxes"], rank == 4
            )
            data["bounding_boxes"] = {k: batched(v) for k, v in boxes.items()}
        transformation = self.get_random_transformation(data, training=True)
        data = self._transform(data, transformation, True)
        outputs = dict(inputs)
        for key, value in data.items():
            if key == "bounding_boxes":
                value = {k: self._from_canonical(v, rank) for k, v in value.items()}
            elif key in dtypes:
                value = restore_dtype(self._from_canonical(value, rank), dtypes[key])
            else:
                value = self._from_canonical(value, rank)
            outputs[key] = value
        return outputs

    def compute_output_spec(self, inputs, training=None):
        if not isinstance(inputs, dict):
            return super().compute_output_spec(inputs, training=training)
        check_keys(type(self).__name__, inputs)
        outputs = dict(inputs)
        outputs["images"] = super().compute_output_spec(inputs["images"])
        return outputs


def _branch_fn(layer):
    """The branch as a function of (a copy of) the batch, cast as it came in."""
    if layer is None:
        return lambda data: data

    def fn(data):
        # Keras' image layers write their outputs into the dict they get.
        copy = keras.tree.map_structure(lambda x: x, data)
        outputs = layer(copy, training=True)
        return keras.tree.map_structure(
            lambda out, x: restore_dtype(out, x.dtype), outputs, data
        )

    return fn
