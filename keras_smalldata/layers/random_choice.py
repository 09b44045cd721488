"""The `RandomChoice` layer."""

import keras
from keras import ops

from keras_smalldata._config import check_config
from keras_smalldata.layers._container import LayerContainer


@keras.saving.register_keras_serializable(package="keras_smalldata")
class RandomChoice(LayerContainer):
    """Sends each image through one layer chosen uniformly from `layers`.

    The choice is made per image. Under the TensorFlow backend each layer runs
    only on the images that chose it; other backends run every layer on the whole
    batch and select per image. Layers may be ours, Keras core layers or keras-cv
    layers, and must keep the image shape; each is called with `training=True`.

    The container augments only when called with `training=True` (as
    `model.fit` does) and is the identity otherwise. In a `tf.data` pipeline
    (TensorFlow backend) call it as `layer(images, training=True)`.

    On Keras' dict `{"images", "labels", "bounding_boxes",
    "segmentation_masks"}` the draw (which layer an image goes through) holds
    for every entry of the image: each layer gets the dict of its images and
    moves masks and boxes as it moves them (give the layers a
    `bounding_box_format` for boxes).

    Args:
        layers: non-empty list of `keras.layers.Layer` that keep the image shape.
        seed: int or None. Random seed. Defaults to `None`.

    Input shape:
        3D `(height, width, channels)` or 4D `(batch, height, width, channels)`
        (channels first if the layers expect it), any dtype.

    Output shape:
        Same shape and dtype as the input.

    Example:

    >>> layer = keras_smalldata.layers.RandomChoice(
    ...     [
    ...         keras.layers.RandomRotation(0.1),
    ...         keras_smalldata.layers.RandomGaussianNoise(0.05),
    ...     ],
    ...     seed=0,
    ... )
    >>> images = np.random.uniform(0, 255, (4, 16, 16, 3)).astype("float32")
    >>> tuple(layer(images, training=True).shape)
    (4, 16, 16, 3)
    """

    def __init__(self, layers, seed=None, **kwargs):
        if not isinstance(layers, (list, tuple)) or len(layers) == 0:
            raise ValueError(
                "`layers` must be a non-empty list of Keras layers. "
                f"Received: layers={layers!r}"
            )
        super().__init__(list(layers), seed=seed, **kwargs)
        self._check_layers(self._branches)
        self.layers = list(layers)

    def _choose(self, batch_size, seed):
        draw = keras.random.randint((batch_size,), 0, len(self.layers), seed=seed)
        return ops.cast(draw, "int32")

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "layers": [keras.saving.serialize_keras_object(x) for x in self.layers],
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        check_config(cls, config)
        config = dict(config)
        config["layers"] = [
            keras.saving.deserialize_keras_object(x) for x in config["layers"]
        ]
        return cls(**config)
