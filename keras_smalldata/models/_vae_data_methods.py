"""`VAE.fit`, `evaluate`, `predict`, ...: every path into a step, checked.

Keras trains on NaN without complaint, reads out-of-range labels as all-zero
one-hot rows and lets a Bernoulli likelihood fit 0-255 pixels. In-memory data
is checked before the first step, so that a bad call raises a clear error and
leaves the weights as they were; datasets, PyDatasets and generators are
checked batch by batch before each step (`_vae_data`). Labels reach the steps
one-hot, whatever their format.
"""

import contextlib
import inspect

import keras
import numpy as np

from keras_smalldata.models import _jax_state, _vae_data


class DataMethods:
    """Mixin of `VAE` (before `keras.Model`); reads its `num_classes`,
    `likelihood` and `data_shape`."""

    def fit(self, x=None, y=None, *args, **kwargs):
        arguments = _bind(super().fit, x, y, *args, **kwargs)
        arguments["x"], arguments["y"] = self._checked_data(
            arguments.get("x"), arguments.get("y"), "x"
        )
        validation_data = arguments.get("validation_data")
        if validation_data is not None:
            arguments["validation_data"] = self._checked_validation_data(
                validation_data
            )
        with self._data_errors():
            return super().fit(**arguments)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        arguments = _bind(super().evaluate, x, y, *args, **kwargs)
        arguments["x"], arguments["y"] = self._checked_data(
            arguments.get("x"), arguments.get("y"), "x"
        )
        with self._data_errors():
            return super().evaluate(**arguments)

    def predict(self, x, *args, **kwargs):
        x, _ = self._checked_data(x, None, "x")
        with self._data_errors():
            return super().predict(x, *args, **kwargs)

    def train_on_batch(self, x, y=None, *args, **kwargs):
        x, y = self._checked_data(x, y, "x")
        with self._data_errors():
            return super().train_on_batch(x, y, *args, **kwargs)

    def test_on_batch(self, x, y=None, *args, **kwargs):
        x, y = self._checked_data(x, y, "x")
        with self._data_errors():
            return super().test_on_batch(x, y, *args, **kwargs)

    def predict_on_batch(self, x):
        x, _ = self._checked_data(x, None, "x")
        with self._data_errors():
            return super().predict_on_batch(x)

    def _checked_data(self, x, y, argument):
        """`(x, y)` for Keras, checked, labels one-hot; see `_vae_data`."""
        if _is_array(x):
            n = len(_vae_data.check_x(x, self.data_shape, self.likelihood))
            return x, _vae_data.check_labels(y, self.num_classes, n, argument)
        if (
            self.num_classes is not None
            and y is None
            and isinstance(x, (list, tuple))
            and len(x) == 2
            and _is_array(x[0])
        ):
            data = _vae_data.check_x(x[0], self.data_shape, self.likelihood, argument)
            labels = _vae_data.check_labels(x[1], self.num_classes, len(data), argument)
            return (x[0], labels), None
        check = _vae_data.BatchCheck(
            self.num_classes, self.likelihood, self.data_shape, argument
        )
        return _vae_data.checked_stream(x, check), y

    def _checked_validation_data(self, data):
        if isinstance(data, (list, tuple)) and 1 <= len(data) <= 3:
            x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(tuple(data))
            if _is_array(x):
                return keras.utils.pack_x_y_sample_weight(
                    *self._checked_data(x, y, "validation_data"), sample_weight
                )
            return data
        return self._checked_data(data, None, "validation_data")[0]

    @contextlib.contextmanager
    def _data_errors(self):
        """Reports the failed checks of a tf.data dataset as `ValueError`.

        The model keeps its variables after any error (see `_jax_state`).
        """
        try:
            with _jax_state.restored_on_error(self):
                yield
        except Exception as error:
            converted = _vae_data.error_from_tf(error, self.num_classes)
            if converted is None:
                raise
            raise converted from None


def _bind(method, *args, **kwargs):
    """The arguments of a call of `method`, by name."""
    signature = inspect.signature(method)
    arguments = dict(signature.bind(*args, **kwargs).arguments)
    for name, parameter in signature.parameters.items():
        if parameter.kind is parameter.VAR_KEYWORD:
            arguments.update(arguments.pop(name, {}))
    return arguments


def _is_array(data):
    """Whether `data` is in memory: a numpy array, a tensor or a pandas object."""
    return (
        isinstance(data, np.ndarray)
        or keras.ops.is_tensor(data)
        or type(data).__module__.startswith("pandas.")
    )
