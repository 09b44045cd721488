"""The `RandomGaussianNoise` layer."""

import keras

from keras_smalldata._validation import check_non_negative
from keras_smalldata.layers._image_layer import ImageAugmentationLayer, images_of
from keras_smalldata.layers._noise_kernel import add_noise, noise_draw


@keras.saving.register_keras_serializable(package="keras_smalldata")
class RandomGaussianNoise(ImageAugmentationLayer):
    """Adds Gaussian noise scaled to the value range, clipped to the range.

    Unlike `keras.layers.GaussianNoise`, `stddev` is a fraction of the value range
    (so the same setting fits `(0, 1)` and `(0, 255)` images), the result stays in
    the value range, and uint8 images stay uint8.

    Under TensorFlow the normal draws come from a table of 65,536 quantiles
    (the normal to 1/65536 in probability, tails cut at 4.17 standard
    deviations) and are added in one XLA-compiled pass per image, in the
    images' own dtype; the first call on a new image shape compiles that pass.
    Other backends use `keras.random.normal`.

    The layer augments only when called with `training=True` (as `model.fit`
    does) and is the identity otherwise. In a `tf.data` pipeline (TensorFlow
    backend) call it as `layer(images, training=True)`.

    It also takes Keras' dict `{"images", "labels", "bounding_boxes",
    "segmentation_masks"}`: only the images get the noise; masks, boxes and
    labels pass through unchanged.

    Args:
        stddev: float >= 0. Standard deviation of the noise as a fraction of
            `value_range[1] - value_range[0]`. Defaults to `0.05`.
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

    >>> layer = keras_smalldata.layers.RandomGaussianNoise(0.1, value_range=(0, 1))
    >>> images = np.full((2, 8, 8, 1), 0.5, dtype="float32")
    >>> noisy = np.asarray(layer(images, training=True))
    >>> bool(noisy.min() >= 0.0 and noisy.max() <= 1.0)
    True
    """

    _keeps_dtype = True

    def __init__(
        self, stddev=0.05, value_range=(0, 255), seed=None, data_format=None, **kwargs
    ):
        super().__init__(
            value_range=value_range, seed=seed, data_format=data_format, **kwargs
        )
        self.stddev = check_non_negative(stddev, "stddev")

    def get_random_transformation(self, data, training=True, seed=None):
        """The batch's noise: `{"noise": ...}`, standard normal, images' shape.

        Under TensorFlow (outside XLA) the draw is `{"noise_bits": ...}`
        instead: the random bits `transform_images` turns into the noise in
        the same pass that adds it (see `_noise_kernel.py`).
        """
        return noise_draw(images_of(data), self._seed(seed))

    def transform_images(self, images, transformation, training=True):
        low, high = self.value_range
        return add_noise(
            images, transformation, self.stddev * (high - low), self.value_range
        )

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "value_range": self.value_range})
        return config
