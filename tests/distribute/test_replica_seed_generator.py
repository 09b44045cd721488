"""`ReplicaSeedGenerator` draws exactly as `keras.random.SeedGenerator` does
wherever there is at most one replica (so seeded results never change)."""

import importlib.util
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_smalldata._random import ReplicaSeedGenerator, fold_in_replica_id


def _draws(seed_generator):
    return [
        np.asarray(keras.random.normal((3,), seed=seed_generator)),
        np.asarray(keras.random.uniform((2, 2), seed=seed_generator)),
        np.asarray(keras.random.randint((4,), 0, 10, seed=seed_generator)),
        np.asarray(keras.random.beta((2,), 0.5, 0.5, seed=seed_generator)),
    ]


def _assert_same(first, second):
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


def test_same_draws_as_plain_generator_eagerly():
    _assert_same(_draws(ReplicaSeedGenerator(7)), _draws(keras.random.SeedGenerator(7)))


def test_is_a_seed_generator_with_the_same_state():
    generator = ReplicaSeedGenerator(7)
    assert isinstance(generator, keras.random.SeedGenerator)
    keras.random.normal((2,), seed=generator)
    np.testing.assert_array_equal(np.asarray(generator.state.value), [7, 1])


def test_same_draws_inside_tf_data():
    ours, plain = ReplicaSeedGenerator(3), keras.random.SeedGenerator(3)

    def draw(_):
        return (
            keras.random.normal((2,), seed=ours),
            keras.random.normal((2,), seed=plain),
        )

    for a, b in tf.data.Dataset.range(3).map(draw):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_same_draws_under_a_one_replica_strategy():
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    with strategy.scope():  # cross-replica context: no fold
        ours, plain = ReplicaSeedGenerator(5), keras.random.SeedGenerator(5)
        _assert_same(_draws(ours), _draws(plain))

    def step():  # replica context with num_replicas_in_sync == 1: no fold
        return (
            keras.random.normal((3,), seed=ours),
            keras.random.normal((3,), seed=plain),
        )

    a, b = strategy.run(tf.function(step))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_fold_is_the_identity_without_replicas():
    seed = tf.constant([11, 4], dtype="int64")
    assert fold_in_replica_id(seed) is seed


@pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="needs the JAX backend"
)
def test_no_fold_and_no_tensorflow_under_jax():
    code = (
        "import json, sys, keras, numpy as np\n"
        "from keras_smalldata._random import ReplicaSeedGenerator\n"
        "a = keras.random.normal((3,), seed=ReplicaSeedGenerator(2))\n"
        "b = keras.random.normal((3,), seed=keras.random.SeedGenerator(2))\n"
        "print(json.dumps({'equal': bool(np.array_equal(a, b)),"
        " 'tensorflow': 'tensorflow' in sys.modules}))\n"
    )
    env = dict(os.environ, KERAS_BACKEND="jax", CUDA_VISIBLE_DEVICES="")
    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result == {"equal": True, "tensorflow": False}
