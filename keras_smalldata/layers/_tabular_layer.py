"""Private base class of the tabular augmentation layers."""

import numpy as np
from keras import ops

from keras_smalldata.layers._augmentation_layer import AugmentationLayer


class TabularAugmentationLayer(AugmentationLayer):
    """Base of the layers for `(batch, features)` rows.

    Holds the optional `columns` selection (indices or a boolean mask) and the
    checks shared by `adapt`. Subclasses draw in `get_random_transformation` and
    apply the draw to a float32 batch in
    `transform_features(features, transformation, training)`.
    """

    _ranks = (2,)
    _layout = "(batch, features)"

    def __init__(self, columns=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.columns = _check_columns(columns)

    def transform_features(self, features, transformation, training=True):
        raise NotImplementedError

    def _transform(self, x, transformation, training):
        return self.transform_features(x, transformation, training=training)

    def _column_mask(self, num_features):
        """float32 `(num_features,)` mask: 1 where the layer may change values."""
        if self.columns is None:
            return ops.ones((num_features,), "float32")
        if isinstance(self.columns[0], bool):
            if len(self.columns) != num_features:
                raise ValueError(
                    f"`columns` is a boolean mask of length {len(self.columns)}, "
                    f"but the data has {num_features} features. "
                    f"Received: columns={self.columns}"
                )
            return ops.convert_to_tensor(np.asarray(self.columns, "float32"))
        bad = [c for c in self.columns if not -num_features <= c < num_features]
        if bad:
            raise ValueError(
                f"`columns` holds indices outside the {num_features} features. "
                f"Received: columns={self.columns}"
            )
        mask = np.zeros(num_features, "float32")
        mask[list(self.columns)] = 1.0
        return ops.convert_to_tensor(mask)

    def _statistic(self, name, num_features):
        """The adapted per-column statistic `name` as a float32 tensor."""
        values = getattr(self, name)
        if values is None:
            raise ValueError(
                f"{type(self).__name__} needs `{name}`: call `layer.adapt(x_train)` "
                f"before using it (or pass `{name}`). Received: {name}=None"
            )
        if num_features != len(values):
            raise ValueError(
                f"{type(self).__name__} was adapted to {len(values)} features. "
                f"Received: inputs with {num_features} features"
            )
        return ops.convert_to_tensor(np.asarray(values, "float32"))

    def build(self, input_shape):
        self._check_rank(input_shape)
        if input_shape[-1] is not None:
            self._column_mask(input_shape[-1])  # validates `columns`
        self.built = True

    def get_config(self):
        config = super().get_config()
        config.update({"columns": self.columns})
        return config


def _check_columns(columns):
    """Returns `columns` as a list of ints or of bools, or None."""
    if columns is None:
        return None
    array = np.asarray(columns)
    if array.ndim != 1 or array.size == 0 or array.dtype.kind not in "biu":
        raise ValueError(
            "`columns` must be a non-empty list of column indices or a boolean "
            f"mask. Received: columns={columns!r}"
        )
    return array.tolist()


def adapt_statistics(data, layer_name):
    """Column means and standard deviations of `data` as float64 numpy arrays.

    `data` may be an array, a tensor, or a `tf.data.Dataset` of batches (or of
    `(x, y)` batches, whose `x` is used).
    """
    array = _to_numpy_rows(data)
    if array.ndim != 2:
        raise ValueError(
            f"{layer_name}.adapt expects data of rank 2 (samples, features). "
            f"Received: data.shape={array.shape}"
        )
    if array.shape[0] == 0:
        raise ValueError(
            f"{layer_name}.adapt needs at least one sample. "
            f"Received: data.shape={array.shape}"
        )
    if not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))[0].tolist()
        raise ValueError(
            f"{layer_name}.adapt expects finite data; impute NaN first. "
            f"Received: data[{bad[0]}, {bad[1]}]={array[bad[0], bad[1]]}"
        )
    return array.mean(axis=0), array.std(axis=0)


def _to_numpy_rows(data):
    if hasattr(data, "as_numpy_iterator"):  # tf.data.Dataset
        batches = [
            b[0] if isinstance(b, tuple) else b for b in data.as_numpy_iterator()
        ]
        data = np.concatenate(batches) if batches else np.zeros((0, 0))
    try:
        array = np.asarray(
            data if isinstance(data, np.ndarray) else ops.convert_to_numpy(data)
        )
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"adapt expects numeric data. Received: data of type {type(data).__name__}"
        ) from error
    if array.dtype.kind not in "iufb":
        raise TypeError(
            f"adapt expects numeric data. Received: data.dtype={array.dtype}"
        )
    return array.astype("float64")
