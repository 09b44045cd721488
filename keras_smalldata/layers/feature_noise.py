"""The `FeatureNoise` layer."""

import keras
from keras import ops

from keras_smalldata._validation import check_non_negative
from keras_smalldata.layers._tabular_layer import (
    TabularAugmentationLayer,
    adapt_statistics,
)


@keras.saving.register_keras_serializable(package="keras_smalldata")
class FeatureNoise(TabularAugmentationLayer):
    """Adds Gaussian noise scaled by each feature's own standard deviation.

    `keras.layers.GaussianNoise` adds the same noise to every feature whatever its
    scale (and rejects `stddev > 1`). `FeatureNoise` learns each feature's
    standard deviation with `adapt(x_train)`, like `keras.layers.Normalization`,
    and adds `N(0, (stddev * std_j)^2)` to feature `j`. `columns` restricts the
    noise to continuous columns so that one-hot and categorical columns stay
    intact. Features with zero variance get no noise.

    The layer augments only when called with `training=True` (as `model.fit`
    does) and is the identity otherwise.

    Args:
        stddev: float >= 0. Noise standard deviation as a multiple of each
            feature's standard deviation. Defaults to `0.1`.
        columns: list of column indices, a boolean mask, or None for all
            columns. Defaults to `None`.
        seed: int or None. Random seed. Defaults to `None`.
        feature_std: list of floats or None. Per-feature standard deviations;
            set by `adapt`, or given directly. Defaults to `None`.

    Input shape:
        2D `(batch, features)`, any numeric dtype.

    Output shape:
        Same shape and dtype as the input.

    Example:

    >>> x = np.random.default_rng(0).normal([0, 100], [1, 10], (64, 2))
    >>> layer = keras_smalldata.layers.FeatureNoise(stddev=0.1, seed=0)
    >>> layer.adapt(x)
    >>> noisy = np.asarray(layer(x.astype("float32"), training=True))
    >>> bool(np.std(noisy[:, 1] - x[:, 1]) > np.std(noisy[:, 0] - x[:, 0]))
    True
    """

    def __init__(self, stddev=0.1, columns=None, seed=None, feature_std=None, **kwargs):
        super().__init__(columns=columns, seed=seed, **kwargs)
        self.stddev = check_non_negative(stddev, "stddev")
        self.feature_std = None if feature_std is None else list(feature_std)

    def adapt(self, data):
        """Learns each feature's standard deviation from `data` (no NaN)."""
        _, std = adapt_statistics(data, type(self).__name__)
        self._column_mask(len(std))  # validates `columns` against the data
        self.feature_std = std.tolist()

    def call(self, inputs, training=None):
        self._statistic("feature_std", ops.shape(inputs)[-1])  # fail early
        return super().call(inputs, training=training)

    def get_random_transformation(self, data, training=True, seed=None):
        return {"noise": self._random_normal(ops.shape(data), seed=seed)}

    def transform_features(self, features, transformation, training=True):
        num_features = features.shape[-1]
        scale = self._statistic("feature_std", num_features) * self.stddev
        return features + transformation["noise"] * scale * self._column_mask(
            num_features
        )

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "feature_std": self.feature_std})
        return config
