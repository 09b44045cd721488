"""Checks of what feeds a VAE: arrays, tf.data datasets, PyDatasets, generators.

Keras trains on NaN, reads out-of-range labels as all-zero one-hot rows and
lets a Bernoulli likelihood fit 0-255 pixels (a loss in the thousands), all
without a word. In-memory data is checked before the first step. Data that
streams is checked batch by batch before the batch reaches a step, whatever
the backend: a `tf.data.Dataset` gets a `map` that checks in tf.data's own
graph (tf.data runs TensorFlow under every backend, and never under XLA, which
would drop the assertions), and a `PyDataset` or generator is wrapped so that
each batch is checked in Python as it is drawn. Labels leave the checks
one-hot, float32 `(n, num_classes)`: every label format reaches the traced
step with one shape, so a second `fit` with labels of another rank does not
retrace the step with labels of unknown rank.
"""

import inspect
import re
import sys

import keras
import numpy as np

from keras_smalldata._data_range import (
    RANGE_TOLERANCE,
    check_data_range,
    range_message,
)
from keras_smalldata._labels import one_hot_array
from keras_smalldata._validation import check_finite_array

# Rows of one-hot (or soft) labels must sum to 1 within this.
_ONE_HOT_TOLERANCE = 1e-5
# Tags the assertions of the tf.data checks, so that the errors they raise
# inside Keras' loop can be told apart and reported as `ValueError`.
_MARKER = "keras_smalldata.VAE.check"
_TF_ERROR = re.compile(re.escape(_MARKER) + r":(\w+):(\w+)\]((?: \[[^\]]*\])*)")


def check_x(x, data_shape, likelihood, name="x"):
    """In-memory data for a VAE, checked, as a float32 numpy array."""
    x = check_finite_array(x, name).astype("float32", copy=False)
    if x.ndim < 1 or x.shape[1:] != tuple(data_shape) or len(x) == 0:
        raise ValueError(
            f"`{name}` must have shape "
            f"(n, {', '.join(map(str, data_shape))}) with n >= 1. "
            f"Received: {name}.shape={x.shape}"
        )
    return check_data_range(x, likelihood, name)


def check_labels(labels, num_classes, n, against):
    """In-memory labels for `n` samples, checked, one-hot; `None` if unconditional.

    `against` names what `n` counts, for the error message: `"n"` for a count
    asked for, else the argument holding the samples.
    """
    if num_classes is None:
        if labels is not None:
            raise ValueError(
                "This VAE is unconditional (num_classes=None) and takes no "
                f"labels. Received: labels with shape {np.shape(labels)}"
            )
        return None
    if labels is None:
        raise ValueError(
            f"This VAE is conditional (num_classes={num_classes}) and "
            "needs `labels`. Received: labels=None"
        )
    one_hot = one_hot_array(labels, num_classes)
    if len(one_hot) != n:
        size = n if against == "n" else f"len({against})={n}"
        raise ValueError(
            f"`labels` must hold one label per sample ({size}). "
            f"Received: len(labels)={len(one_hot)}"
        )
    return one_hot


class BatchCheck:
    """Checks the batches of one argument (`x` or `validation_data`).

    A plain object holding plain values, so that a PyDataset wrapped with it
    can be sent to worker processes.
    """

    def __init__(self, num_classes, likelihood, data_shape, argument):
        self.num_classes = num_classes
        self.likelihood = likelihood
        self.data_shape = tuple(data_shape)
        self.argument = argument
        self._traced_error = None

    # -- batches drawn in Python (PyDataset, generators) ------------------------

    def __call__(self, batch):
        x, labels, rebuild = self._split(batch)
        if x is None:
            return batch
        try:
            x_values = check_finite_array(x, "x")
            if x_values.ndim == 0 or x_values.shape[1:] != self.data_shape:
                raise ValueError(
                    "`x` must have shape "
                    f"(n, {', '.join(map(str, self.data_shape))}). "
                    f"Received: x.shape={x_values.shape}"
                )
            check_data_range(x_values, self.likelihood)
            if labels is not None:
                labels = one_hot_array(labels, self.num_classes)
                if len(labels) != len(x):
                    raise ValueError(
                        "Each batch needs one label per sample. Received: "
                        f"{len(x)} samples and {len(labels)} labels"
                    )
        except (TypeError, ValueError) as error:
            raise type(error)(
                f"A batch of `{self.argument}` is invalid: {error}"
            ) from None
        return rebuild(x, labels)

    # -- tf.data ----------------------------------------------------------------

    def map_dataset(self, dataset):
        """`dataset` with every element checked, labels made one-hot.

        Shapes known when the map is traced are checked then, and raise here.
        """
        self._traced_error = None
        try:
            return dataset.map(lambda *element: self._tf_element(element))
        except Exception:
            # tf.data wraps errors raised while tracing in its own message.
            if self._traced_error is not None:
                raise self._traced_error from None
            raise

    def _trace_error(self, message):
        self._traced_error = ValueError(message)
        return self._traced_error

    def _tf_element(self, element):
        import tensorflow as tf

        batch = element[0] if len(element) == 1 else element
        x, labels, rebuild = self._split(batch)
        if x is None:
            return batch
        x = tf.convert_to_tensor(x)
        if not x.shape.is_compatible_with((None, *self.data_shape)):
            raise self._trace_error(
                f"The samples in `{self.argument}` must have shape "
                f"(batch, {', '.join(map(str, self.data_shape))}). "
                f"Received: x.shape={tuple(x.shape)}"
            )
        shape = tf.shape(x)
        shape_ok = self._assert(
            tf.cond(
                tf.equal(tf.size(shape), 1 + len(self.data_shape)),
                lambda: tf.reduce_all(tf.equal(shape[1:], self.data_shape)),
                lambda: tf.constant(False),
            ),
            "x_shape",
            shape,
            tf.constant(self.data_shape),
        )
        with tf.control_dependencies([shape_ok]):
            # A static shape for the model, also from a dataset that has none.
            x = tf.ensure_shape(x, (None, *self.data_shape))
        values = tf.cast(x, "float32")
        assertions = [
            self._assert(tf.reduce_all(tf.math.is_finite(values)), "x_finite")
        ]
        if self.likelihood == "bernoulli":
            low, high = tf.reduce_min(values), tf.reduce_max(values)
            assertions.append(
                self._assert(
                    (low >= -RANGE_TOLERANCE) & (high <= 1 + RANGE_TOLERANCE),
                    "x_range",
                    low,
                    high,
                )
            )
        if labels is not None:
            labels, label_assertions = self._tf_one_hot(tf.convert_to_tensor(labels))
            assertions += label_assertions
        with tf.control_dependencies(assertions):
            x = tf.identity(x)
            if labels is not None:
                labels = tf.identity(labels)
        return rebuild(x, labels)

    def _tf_one_hot(self, labels):
        """One-hot float32 labels and the assertions that they are valid."""
        import tensorflow as tf

        num_classes = self.num_classes
        rank = labels.shape.rank
        if rank is not None and not (
            rank == 1 or (rank == 2 and labels.shape[1] in (1, num_classes, None))
        ):
            raise self._trace_error(
                f"The labels in `{self.argument}` must be integers of shape (n,) "
                f"or (n, 1), or one-hot of shape (n, {num_classes}). "
                f"Received: labels.shape={tuple(labels.shape)}"
            )
        # Unknown rank or width (e.g. `Dataset.from_generator` without shapes):
        # decided per batch.
        rows = tf.reshape(labels, [tf.shape(labels)[0], -1])
        width = tf.shape(rows)[1]
        shape_ok = self._assert(
            tf.equal(width, 1) | tf.equal(width, num_classes),
            "labels_shape",
            tf.shape(labels),
        )
        values = tf.cast(rows, "float32")
        is_one_hot = tf.equal(width, num_classes)
        indices = values[:, 0]
        row_sums = tf.reduce_sum(values, axis=1)
        integer_ok = tf.reduce_all(tf.equal(indices, tf.round(indices)))
        range_ok = tf.reduce_all((indices >= 0) & (indices < num_classes))
        rows_ok = tf.reduce_all(values >= 0) & tf.reduce_all(
            tf.abs(row_sums - 1.0) <= _ONE_HOT_TOLERANCE
        )
        assertions = [
            shape_ok,
            self._assert(
                is_one_hot | integer_ok,
                "labels_integer",
                tf.boolean_mask(indices, tf.not_equal(indices, tf.round(indices)))[:1],
            ),
            self._assert(
                is_one_hot | range_ok,
                "labels_range",
                tf.reduce_min(indices),
                tf.reduce_max(indices),
            ),
            self._assert(
                ~is_one_hot | rows_ok,
                "one_hot_rows",
                tf.reduce_min(values),
                tf.reduce_min(row_sums),
                tf.reduce_max(row_sums),
            ),
        ]
        with tf.control_dependencies([shape_ok]):
            one_hot = tf.cond(
                is_one_hot,
                lambda: tf.reshape(values, [-1, num_classes]),
                lambda: tf.one_hot(tf.cast(indices, "int32"), num_classes),
            )
        return one_hot, assertions

    def _assert(self, condition, code, *values):
        import tensorflow as tf

        return tf.debugging.Assert(
            condition, [f"{_MARKER}:{self.argument}:{code}", *values], summarize=8
        )

    # -- structure ----------------------------------------------------------------

    def _split(self, batch):
        """`(x, labels, rebuild)` of a batch; `x` is None if the batch is no VAE's.

        `rebuild(x, labels)` puts checked `x` and labels back in place.
        """
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(batch)
        pack = keras.utils.pack_x_y_sample_weight
        several = isinstance(x, (list, tuple, dict))
        if self.num_classes is None:
            if y is None and not several:
                return x, None, lambda x, labels: pack(x, None, sample_weight)
        elif y is not None and not several:
            return x, y, lambda x, labels: pack(x, labels, sample_weight)
        elif y is None and isinstance(x, (list, tuple)) and len(x) == 2:
            return x[0], x[1], lambda x, labels: pack((x, labels), None, sample_weight)
        return None, None, None  # Not a VAE's batch: the model's own error follows.


class _CheckedPyDataset(keras.utils.PyDataset):
    """A PyDataset whose batches pass `check` as they are drawn."""

    def __init__(self, dataset, check):
        super().__init__(
            workers=dataset.workers,
            use_multiprocessing=dataset.use_multiprocessing,
            max_queue_size=dataset.max_queue_size,
        )
        self.dataset = dataset
        self.check = check

    def __getitem__(self, index):
        return self.check(self.dataset[index])

    def __len__(self):
        return len(self.dataset)

    @property
    def num_batches(self):
        return self.dataset.num_batches

    def on_epoch_begin(self):
        self.dataset.on_epoch_begin()

    def on_epoch_end(self):
        self.dataset.on_epoch_end()


def _checked_generator(generator, check):
    for batch in generator:
        yield check(batch)


def is_tf_dataset(data):
    # TensorFlow is imported by whoever built a dataset; never import it here.
    tf = sys.modules.get("tensorflow")
    return tf is not None and isinstance(data, tf.data.Dataset)


def checked_stream(data, check):
    """`data` (a dataset, PyDataset or generator) checked batch by batch.

    Anything else is returned unchanged.
    """
    if is_tf_dataset(data):
        return check.map_dataset(data)
    if isinstance(data, keras.utils.PyDataset):
        return _CheckedPyDataset(data, check)
    if inspect.isgenerator(data):
        return _checked_generator(data, check)
    return data


def error_from_tf(error, num_classes):
    """The `ValueError` for an assertion of `BatchCheck`, or None.

    Keras raises the assertions of a tf.data map as TensorFlow's
    `InvalidArgumentError`, with the assertion's data in the message.
    """
    match = _TF_ERROR.search(str(error))
    if match is None:
        return None
    argument, code, values = match.groups()
    values = re.findall(r"\[([^\]]*)\]", values)
    message = _tf_message(code, values, num_classes)
    return ValueError(f"A batch of `{argument}` is invalid: {message}")


def _tf_message(code, values, num_classes):
    if code == "x_shape":
        shape, data_shape = (", ".join(v.split()) for v in values)
        return f"`x` must have shape (n, {data_shape}). Received: x.shape=({shape})"
    if code == "x_finite":
        return (
            "`x` must hold finite numbers; impute or drop NaN and infinite values "
            "first. Received: x with a NaN or infinite value"
        )
    if code == "x_range":
        return range_message("bernoulli", "x", *(float(v) for v in values))
    if code == "labels_shape":
        return (
            "`labels` must be integers of shape (n,) or (n, 1), or one-hot of "
            f"shape (n, {num_classes}). "
            f"Received: labels.shape=({', '.join(values[0].split())})"
        )
    if code == "labels_integer":
        return (
            "`labels` must hold integer class labels. "
            f"Received: labels with the value {values[0]}"
        )
    if code == "labels_range":
        return (
            f"`labels` must be class indices in [0, {num_classes}). "
            f"Received: labels with values from {values[0]} to {values[1]}"
        )
    return (
        "One-hot `labels` must have non-negative rows summing to 1. Received: "
        f"labels with a smallest value of {values[0]} and rows summing to "
        f"{values[1]} to {values[2]}"
    )
