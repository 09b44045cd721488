"""The `RandomSaltPepper` layer."""

import keras
from keras import ops

from keras_smalldata._validation import check_fraction
from keras_smalldata.layers._augmentation_layer import restore_dtype
from keras_smalldata.layers._fast_random import uniform
from keras_smalldata.layers._image_layer import ImageAugmentationLayer, images_of


@keras.saving.register_keras_serializable(package="keras_smalldata")
class RandomSaltPepper(ImageAugmentationLayer):
    """Sets random pixels to the lowest or highest value of the range.

    Each pixel (all its channels together) becomes "pepper" (`value_range[0]`)
    with probability `rate / 2` and "salt" (`value_range[1]`) with probability
    `rate / 2`, independently per image and pixel.

    The layer augments only when called with `training=True` (as `model.fit`
    does) and is the identity otherwise. In a `tf.data` pipeline (TensorFlow
    backend) call it as `layer(images, training=True)`.

    It also takes Keras' dict `{"images", "labels", "bounding_boxes",
    "segmentation_masks"}`: only the images get the salt and pepper; masks, boxes and
    labels pass through unchanged.

    Args:
        rate: float in [0, 1]. Fraction of pixels replaced. Defaults to `0.02`.
        value_range: tuple of two numbers. The range of the input values.
            Integer images that cannot lie in it (a range ending at 1 or below,
            or beyond the dtype) raise `ValueError`; values far outside it warn
            on the first eager training call. Defaults to `(0, 255)`.
        seed: int or None. Random seed. Defaults to `None`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.

    Input shape:
        3D or 4D images, any dtype.

    Output shape:
        Same shape and dtype as the input.

    Example:

    >>> layer = keras_smalldata.layers.RandomSaltPepper(0.5, value_range=(0, 1))
    >>> images = np.full((1, 16, 16, 1), 0.5, dtype="float32")
    >>> values = set(np.unique(np.asarray(layer(images, training=True))).tolist())
    >>> values <= {0.0, 0.5, 1.0}
    True
    """

    _keeps_dtype = True

    def __init__(
        self, rate=0.02, value_range=(0, 255), seed=None, data_format=None, **kwargs
    ):
        super().__init__(
            value_range=value_range, seed=seed, data_format=data_format, **kwargs
        )
        self.rate = check_fraction(rate, "rate")

    def get_random_transformation(self, data, training=True, seed=None):
        shape = ops.shape(images_of(data))
        return {"draw": uniform((shape[0], shape[1], shape[2], 1), self._seed(seed))}

    def transform_images(self, images, transformation, training=True):
        draw = transformation["draw"]
        low, high = self.value_range
        # The salt-or-pepper choice on the one-channel draw, then a single
        # full-size select (two selects cost about twice as much).
        values = ops.where(draw < self.rate / 2, float(low), float(high))
        # In the images' own dtype (`_keeps_dtype`): no full-size casts.
        values = restore_dtype(values, images.dtype)
        return ops.where(draw < self.rate, values, images)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "value_range": self.value_range})
        return config
