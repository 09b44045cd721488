"""The `FeatureDropout` layer."""

import keras
from keras import ops

from keras_smalldata._validation import check_choice, check_fraction
from keras_smalldata.layers._tabular_layer import (
    TabularAugmentationLayer,
    adapt_statistics,
)


@keras.saving.register_keras_serializable(package="keras_smalldata")
class FeatureDropout(TabularAugmentationLayer):
    """Masks random entries, filling zeros or each column's mean.

    Unlike `keras.layers.Dropout`, the kept values are not rescaled: a masked
    entry looks like a missing value filled in, which is what the model meets in
    real tabular data. With `fill="mean"`, `adapt(x_train)` learns the column
    means first.

    The layer augments only when called with `training=True` (as `model.fit`
    does) and is the identity otherwise.

    Args:
        rate: float in [0, 1]. Probability that an entry is masked. Defaults to
            `0.1`.
        fill: `"zero"` or `"mean"`. The value a masked entry takes. Defaults to
            `"zero"`.
        columns: list of column indices, a boolean mask, or None for all
            columns. Defaults to `None`.
        seed: int or None. Random seed. Defaults to `None`.
        feature_mean: list of floats or None. Column means for `fill="mean"`;
            set by `adapt`, or given directly. Defaults to `None`.

    Input shape:
        2D `(batch, features)`, any numeric dtype.

    Output shape:
        Same shape and dtype as the input.

    Example:

    >>> x = np.ones((8, 5), dtype="float32")
    >>> out = keras_smalldata.layers.FeatureDropout(0.5, seed=0)(x, training=True)
    >>> set(np.unique(np.asarray(out)).tolist()) <= {0.0, 1.0}
    True
    """

    def __init__(
        self,
        rate=0.1,
        fill="zero",
        columns=None,
        seed=None,
        feature_mean=None,
        **kwargs,
    ):
        super().__init__(columns=columns, seed=seed, **kwargs)
        self.rate = check_fraction(rate, "rate")
        self.fill = check_choice(fill, "fill", {"zero", "mean"})
        self.feature_mean = None if feature_mean is None else list(feature_mean)

    def adapt(self, data):
        """Learns each column's mean from `data` (no NaN)."""
        mean, _ = adapt_statistics(data, type(self).__name__)
        self._column_mask(len(mean))  # validates `columns` against the data
        self.feature_mean = mean.tolist()

    def call(self, inputs, training=None):
        if self.fill == "mean":
            self._statistic("feature_mean", ops.shape(inputs)[-1])  # fail early
        return super().call(inputs, training=training)

    def get_random_transformation(self, data, training=True, seed=None):
        return {"draw": self._random_uniform(ops.shape(data), seed=seed)}

    def transform_features(self, features, transformation, training=True):
        num_features = features.shape[-1]
        if self.fill == "mean":
            fill = self._statistic("feature_mean", num_features)
        else:
            fill = ops.zeros((num_features,), "float32")
        mask = ops.logical_and(
            transformation["draw"] < self.rate,
            self._column_mask(num_features) > 0,
        )
        return ops.where(mask, ops.broadcast_to(fill, ops.shape(features)), features)

    def get_config(self):
        config = super().get_config()
        config.update(
            {"rate": self.rate, "fill": self.fill, "feature_mean": self.feature_mean}
        )
        return config
