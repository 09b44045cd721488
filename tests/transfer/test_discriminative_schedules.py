"""`DiscriminativeOptimizer` with a learning-rate schedule, on any backend.

Nothing here uses TensorFlow directly: the file runs under JAX too
(`KERAS_BACKEND=jax JAX_PLATFORMS=cpu`).
"""

import keras
import numpy as np
import pytest

import keras_smalldata.transfer as kst
from keras_smalldata.callbacks import GradualUnfreezing

X = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0], [-1.0, 1.0]], "float32")
Y = np.array([[1.0], [0.0], [2.0], [-1.0]], "float32")


def _warm_cosine():
    # From 0 to 1 in 2 steps, then down to 0 at step 12.
    return keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=10, warmup_target=1.0, warmup_steps=2
    )


def _side_by_side(num_layers=3):
    """Dense(1) layers `d0`, `d1`, ... side by side, summed.

    The output is `X @ (k0 + k1 + ...)`, so every kernel gets the same
    gradient, whatever the kernels are: the step of each over that gradient
    is its learning rate.
    """
    inputs = keras.Input((2,))
    outputs = [
        keras.layers.Dense(1, use_bias=False, kernel_initializer="ones", name=f"d{i}")(
            inputs
        )
        for i in range(num_layers)
    ]
    return keras.Model(inputs, keras.layers.Add()(outputs))


def _kernels(model):
    return [model.get_layer(f"d{i}").kernel.numpy().copy() for i in range(3)]


def _mse_gradient(kernels):
    # d/dk of mean((X @ sum(kernels) - Y) ** 2), the same for every kernel.
    error = X @ sum(kernels) - Y
    return 2 * X.T @ error / len(X)


def _compiled(schedule, **kwargs):
    model = _side_by_side()
    optimizer = kst.discriminative_optimizer(
        model, schedule, lr_mult=100, optimizer=keras.optimizers.SGD(), **kwargs
    )
    model.compile(optimizer, "mse")
    return model


def test_each_group_steps_at_its_multiple_of_the_schedule():
    schedule = _warm_cosine()
    model = _compiled(schedule)
    optimizer = model.optimizer
    np.testing.assert_allclose(optimizer.ratios, [0.01, 0.1, 1.0])
    for step in range(5):
        before = _kernels(model)
        gradient = _mse_gradient(before)
        model.train_on_batch(X, Y)
        rate = float(schedule(step))
        after = _kernels(model)
        for old, new, ratio in zip(before, after, optimizer.ratios, strict=True):
            np.testing.assert_allclose(
                old - new, ratio * rate * gradient, rtol=1e-4, atol=1e-7
            )
    assert float(schedule(0)) == 0.0 and float(schedule(2)) == 1.0  # it warmed up
    assert int(optimizer.iterations) == 5
    np.testing.assert_allclose(
        float(optimizer.learning_rate), float(schedule(5)), rtol=1e-6
    )
    # Each group holds a schedule, not a rate frozen into a float.
    for group in optimizer.optimizers:
        assert group.get_config()["learning_rate"]["class_name"] == "ScaledSchedule"


def test_setting_the_learning_rate_to_a_schedule_or_a_number():
    model = _compiled(_warm_cosine())
    optimizer = model.optimizer
    optimizer.learning_rate = keras.optimizers.schedules.ExponentialDecay(
        0.5, decay_steps=1, decay_rate=0.5
    )
    rates = [float(group.learning_rate) for group in optimizer.optimizers]
    np.testing.assert_allclose(rates, [0.005, 0.05, 0.5], rtol=1e-6)
    # As for a Keras optimizer made from a schedule: a number is refused.
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        optimizer.learning_rate = 0.1

    constant = kst.discriminative_optimizer(_side_by_side(), 1e-3)
    constant.learning_rate = keras.optimizers.schedules.ExponentialDecay(
        1.0, decay_steps=1, decay_rate=0.5
    )
    rates = [float(group.learning_rate) for group in constant.optimizers]
    np.testing.assert_allclose(rates, [0.01, 0.1, 1.0], rtol=1e-6)


def test_config_round_trip_keeps_the_schedule():
    model = _compiled(_warm_cosine())
    config = model.optimizer.get_config()
    restored = kst.DiscriminativeOptimizer.from_config(config)
    assert restored.get_config() == config
    assert restored.ratios == model.optimizer.ratios
    restored.build(model.trainable_variables)
    for _ in range(3):  # iterations 0, 1, 2 for both
        model.train_on_batch(X, Y)
        restored.apply([np.zeros((2, 1), "float32")] * 3, model.trainable_variables)
    np.testing.assert_allclose(
        [float(g.learning_rate) for g in restored.optimizers],
        [float(g.learning_rate) for g in model.optimizer.optimizers],
        rtol=1e-6,
    )


def test_save_and_load_in_safe_mode(tmp_path):
    model = _compiled(_warm_cosine())
    for _ in range(3):
        model.train_on_batch(X, Y)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded.optimizer, kst.DiscriminativeOptimizer)
    assert int(loaded.optimizer.iterations) == 3
    rates = [float(g.learning_rate) for g in loaded.optimizer.optimizers]
    assert rates == [float(g.learning_rate) for g in model.optimizer.optimizers]
    assert rates[-1] > 0.5
    model.train_on_batch(X, Y)
    loaded.train_on_batch(X, Y)
    np.testing.assert_allclose(_kernels(loaded), _kernels(model), rtol=1e-6)


def test_a_group_unfrozen_later_starts_the_schedule_then():
    backbone = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(2, name="b1"),
            keras.layers.Dense(2, name="b2"),
        ],
        name="backbone",
    )
    model = keras.Sequential([keras.Input((2,)), backbone, keras.layers.Dense(1)])
    kst.freeze(backbone)
    schedule = _warm_cosine()
    optimizer = kst.discriminative_optimizer(
        model, schedule, num_groups=3, optimizer=keras.optimizers.SGD()
    )
    model.compile(optimizer, "mse", run_eagerly=True)
    # One step an epoch: the head from epoch 0, b2 from 1, b1 from 2.
    callback = GradualUnfreezing(backbone, start_epoch=1)  # b2, then b1
    model.fit(X, Y, epochs=3, batch_size=4, callbacks=[callback], verbose=0)
    rebuilt = model.optimizer
    assert rebuilt is not optimizer and int(rebuilt.iterations) == 3
    # Each group has taken its own steps, and runs the schedule from its own.
    groups = rebuilt.optimizers
    assert [int(g.iterations) for g in groups] == [1, 2, 3]
    for group, ratio in zip(groups, rebuilt.ratios, strict=True):
        expected = ratio * float(schedule(int(group.iterations)))
        np.testing.assert_allclose(float(group.learning_rate), expected, rtol=1e-6)
    for group in rebuilt.optimizers:
        assert group.get_config()["learning_rate"]["class_name"] == "ScaledSchedule"
