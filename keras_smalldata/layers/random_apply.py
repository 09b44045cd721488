"""The `RandomApply` layer."""

import keras
from keras import ops

from keras_smalldata._config import check_config
from keras_smalldata._validation import check_fraction
from keras_smalldata.layers._container import LayerContainer


@keras.saving.register_keras_serializable(package="keras_smalldata")
class RandomApply(LayerContainer):
    """Applies a layer to each image with probability `rate`, decided per image.

    `keras.Sequential` applies a layer to the whole batch; `RandomApply` draws for
    every image whether it goes through `layer` (called with `training=True`) or
    is passed through unchanged. Under the TensorFlow backend only the chosen
    images are computed; other backends run `layer` on the whole batch and keep
    its output for the chosen images. `layer` may be one of ours, a Keras core
    layer (e.g. `keras.layers.RandomRotation`) or a keras-cv layer, and must keep
    the image shape.

    The container augments only when called with `training=True` (as
    `model.fit` does) and is the identity otherwise. In a `tf.data` pipeline
    (TensorFlow backend) call it as `layer(images, training=True)`.

    On Keras' dict `{"images", "labels", "bounding_boxes",
    "segmentation_masks"}` the draw (whether an image goes through `layer`)
    holds for every entry of the image: `layer` gets the dict of its images and
    moves masks and boxes as it moves them (give it a `bounding_box_format` for
    boxes).

    Args:
        layer: a `keras.layers.Layer` that keeps the image shape.
        rate: float in [0, 1]. Probability that an image goes through `layer`.
            Defaults to `0.5`.
        seed: int or None. Random seed. Defaults to `None`.

    Input shape:
        3D `(height, width, channels)` or 4D `(batch, height, width, channels)`
        (channels first if `layer` expects it), any dtype.

    Output shape:
        Same shape and dtype as the input.

    Example:

    >>> layer = keras_smalldata.layers.RandomApply(
    ...     keras.layers.RandomRotation(0.1), rate=0.5, seed=0
    ... )
    >>> images = np.random.uniform(0, 255, (4, 16, 16, 3)).astype("float32")
    >>> tuple(layer(images, training=True).shape)
    (4, 16, 16, 3)
    """

    def __init__(self, layer, rate=0.5, seed=None, **kwargs):
        super().__init__([None, layer], seed=seed, **kwargs)
        self._check_layers([layer])
        self.layer = layer
        self.rate = check_fraction(rate, "rate")

    def _choose(self, batch_size, seed):
        draw = keras.random.uniform((batch_size,), seed=seed)
        return ops.cast(draw < self.rate, "int32")

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "layer": keras.saving.serialize_keras_object(self.layer),
                "rate": self.rate,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        check_config(cls, config)
        config = dict(config)
        config["layer"] = keras.saving.deserialize_keras_object(config["layer"])
        return cls(**config)
