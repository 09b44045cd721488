"""`_grouping.apply_by_group`: the TensorFlow partition path and the generic path."""

import types

import numpy as np
import pytest
import tensorflow as tf
from _backend_marks import TF_FUNCTION, TF_PARTITION, tensorflow_only
from keras import ops

from keras_smalldata.layers import _color_ops, _grouping


def use_generic_path(monkeypatch):
    """Makes `apply_by_group` take the branch every non-TensorFlow backend takes."""
    fake_keras = types.SimpleNamespace(
        backend=types.SimpleNamespace(backend=lambda: "jax")
    )
    monkeypatch.setattr(_grouping, "keras", fake_keras)


@pytest.fixture(
    params=[pytest.param("tensorflow", marks=tensorflow_only(TF_PARTITION)), "generic"]
)
def path(request, monkeypatch):
    if request.param == "generic":
        use_generic_path(monkeypatch)
    return request.param


class Recorder:
    """Three per-image functions that record the batch sizes they are given."""

    def __init__(self):
        self.sizes = {0: [], 1: [], 2: []}

    def _record(self, index, images):
        self.sizes[index].append(images.shape[0])

    def add(self, images, amount):
        self._record(0, images)
        return images + ops.reshape(amount, (-1, 1, 1, 1))

    def double(self, images, amount):
        self._record(1, images)
        return images * 2.0

    def negate(self, images, amount):
        self._record(2, images)
        return -images

    @property
    def fns(self):
        return [self.add, self.double, self.negate]


def reference(group_ids, images, amount):
    out = []
    for group, image, value in zip(group_ids, images, amount, strict=True):
        out.append([image + value, image * 2.0, -image][group])
    return np.stack(out)


def test_each_image_gets_its_groups_function(path, rng):
    images = rng.uniform(0, 1, (6, 3, 3, 2)).astype("float32")
    amount = np.arange(6, dtype="float32")
    # Group 1 is empty.
    group_ids = np.array([0, 2, 0, 2, 2, 0], "int32")
    out = _grouping.apply_by_group(Recorder().fns, group_ids, images, amount)
    np.testing.assert_allclose(out, reference(group_ids, images, amount))


@pytest.mark.parametrize("group", [0, 1, 2])
def test_batch_of_one(path, rng, group):
    images = rng.uniform(0, 1, (1, 3, 3, 2)).astype("float32")
    amount = np.array([5.0], "float32")
    group_ids = np.array([group], "int32")
    out = _grouping.apply_by_group(Recorder().fns, group_ids, images, amount)
    np.testing.assert_allclose(out, reference(group_ids, images, amount))


@tensorflow_only(TF_PARTITION)
def test_tensorflow_path_runs_each_function_on_its_group_only(rng):
    recorder = Recorder()
    images = rng.uniform(0, 1, (6, 3, 3, 2)).astype("float32")
    group_ids = np.array([0, 2, 0, 2, 2, 0], "int32")
    _grouping.apply_by_group(recorder.fns, group_ids, images, np.zeros(6, "float32"))
    assert recorder.sizes == {0: [3], 1: [], 2: [3]}


def test_generic_path_runs_every_function_on_the_batch(monkeypatch, rng):
    use_generic_path(monkeypatch)
    recorder = Recorder()
    images = rng.uniform(0, 1, (6, 3, 3, 2)).astype("float32")
    group_ids = np.array([0, 2, 0, 2, 2, 0], "int32")
    _grouping.apply_by_group(recorder.fns, group_ids, images, np.zeros(6, "float32"))
    assert recorder.sizes == {0: [6], 1: [6], 2: [6]}


@tensorflow_only(TF_FUNCTION)
def test_tensorflow_path_in_a_graph_with_unknown_batch(rng):
    fns = Recorder().fns

    @tf.function(
        input_signature=[
            tf.TensorSpec((None,), tf.int32),
            tf.TensorSpec((None, 3, 3, 2), tf.float32),
            tf.TensorSpec((None,), tf.float32),
        ]
    )
    def grouped(group_ids, images, amount):
        out = _grouping.apply_by_group(fns, group_ids, images, amount)
        assert out.shape.as_list() == [None, 3, 3, 2]
        return out

    for group_ids in ([1, 1, 0, 1], [2], [0, 1, 2, 2, 1]):
        group_ids = np.array(group_ids, "int32")
        images = rng.uniform(0, 1, (len(group_ids), 3, 3, 2)).astype("float32")
        amount = rng.uniform(0, 1, len(group_ids)).astype("float32")
        np.testing.assert_allclose(
            grouped(group_ids, images, amount),
            reference(group_ids, images, amount),
            rtol=1e-6,
        )


@tensorflow_only(TF_FUNCTION)
def test_empty_groups_skip_functions_that_reject_empty_batches(rng):
    # `autocontrast` fails on an empty batch ("Cannot compute the min of an empty
    # tensor"); the TensorFlow path must not run it on an empty group.
    @tf.function(input_signature=[tf.TensorSpec((None, 4, 4, 3), tf.float32)])
    def grouped(images):
        group_ids = tf.zeros(tf.shape(images)[:1], tf.int32)
        fns = [lambda x: x + 1.0, _color_ops.autocontrast]
        return _grouping.apply_by_group(fns, group_ids, images)

    images = rng.uniform(0, 255, (3, 4, 4, 3)).astype("float32")
    np.testing.assert_allclose(grouped(images), images + 1.0)
