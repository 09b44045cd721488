import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_smalldata.transfer as kst


def _dense_stack(num_layers=3):
    """Dense layers `d0`, `d1`, ...: their variable paths are `d0/kernel`, ..."""
    inputs = x = keras.Input((4,))
    for i in range(num_layers):
        x = keras.layers.Dense(4, name=f"d{i}")(x)
    return keras.Model(inputs, x)


def _rates(optimizer):
    return [float(o.learning_rate) for o in optimizer.optimizers]


def _effective_rates(model, x, y, loss):
    """Each trainable variable's step over its gradient after one SGD step."""
    with tf.GradientTape() as tape:
        value = loss(y, model(x, training=True))
    variables = model.trainable_variables
    grads = [np.asarray(g) for g in tape.gradient(value, variables)]
    before = [v.numpy().copy() for v in variables]
    model.train_on_batch(x, y)
    rates = {}
    for variable, grad, old in zip(variables, grads, before, strict=True):
        step = old - variable.numpy()
        large = np.abs(grad) >= np.quantile(np.abs(grad), 0.75)
        if np.abs(grad[large]).max() < 1e-6:
            continue  # no signal to measure
        rates[variable.path] = float(np.sum(step[large] * grad[large])) / float(
            np.sum(grad[large] ** 2)
        )
    return rates


def test_rates_are_log_spaced_from_the_head_down():
    model = _dense_stack(3)
    optimizer = kst.discriminative_optimizer(model, 1e-3, lr_mult=100)
    assert isinstance(optimizer, keras.optimizers.MultiOptimizer)
    np.testing.assert_allclose(_rates(optimizer), [1e-5, 1e-4, 1e-3], rtol=1e-6)
    np.testing.assert_allclose(float(optimizer.learning_rate), 1e-3, rtol=1e-6)
    np.testing.assert_allclose(optimizer.ratios, [0.01, 0.1, 1], rtol=1e-6)

    optimizer = kst.discriminative_optimizer(model, 1e-3, lr_mult=8, num_groups=4)
    # At most one group per layer.
    expected = [1e-3 / 8, 1e-3 / 8**0.5, 1e-3]
    np.testing.assert_allclose(_rates(optimizer), expected, rtol=1e-6)
    optimizer = kst.discriminative_optimizer(model, 1e-3, num_groups=1)
    np.testing.assert_allclose(_rates(optimizer), [1e-3], rtol=1e-6)


def test_each_layer_steps_at_its_group_rate():
    model = _dense_stack(5)  # groups of 2, 2 and 1 layers
    optimizer = kst.discriminative_optimizer(
        model, 1.0, lr_mult=100, optimizer=keras.optimizers.SGD()
    )
    model.compile(optimizer, "mse", jit_compile=False)
    x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    y = np.ones((8, 4), "float32")
    rates = _effective_rates(model, x, y, keras.losses.MeanSquaredError())
    group = {"d0": 0.01, "d1": 0.01, "d2": 0.1, "d3": 0.1, "d4": 1.0}
    assert {p.split("/")[0] for p in rates} == set(group)
    for path, rate in rates.items():
        np.testing.assert_allclose(rate, group[path.split("/")[0]], rtol=1e-2)


def test_nested_backbone_groups(make_classifier, data):
    model = make_classifier(compile=False)
    kst.unfreeze(model)
    optimizer = kst.discriminative_optimizer(
        model, 1.0, lr_mult=100, optimizer=keras.optimizers.SGD()
    )
    model.compile(optimizer, "sparse_categorical_crossentropy", jit_compile=False)
    x, y = data
    loss = keras.losses.SparseCategoricalCrossentropy()
    rates = _effective_rates(model, x[:8], y[:8], loss)
    # The backbone's five layers (BatchNorm included) split 3 + 2, then the head.
    expected = {
        "backbone_conv1": 0.01,
        "backbone_conv2": 0.01,
        "backbone_conv3": 0.1,
        "head": 1.0,
    }
    assert {p.split("/")[0] for p in rates} == set(expected)
    for path, rate in rates.items():
        np.testing.assert_allclose(rate, expected[path.split("/")[0]], rtol=1e-2)


def test_keras_applications_backbone_variables_are_not_left_to_the_head():
    model = kst.build_classifier(
        "MobileNetV3Small", 3, input_shape=(32, 32, 3), weights=None, dropout=0
    )
    backbone = model.get_layer("backbone").layer
    # The trap: a nested backbone's variable paths have no backbone prefix.
    assert not any(v.path.startswith(backbone.name) for v in backbone.weights)
    kst.unfreeze(model)
    optimizer = kst.discriminative_optimizer(model, 1e-3, lr_mult=100)
    variables = model.trainable_variables
    optimizer.build(variables)
    # Which group holds each variable: Adam keeps its moments per variable.
    group = {}
    for index, inner in enumerate(optimizer.optimizers):
        for name in _momenta(inner):
            assert name not in group
            group[name] = index
    groups = [group[v.path.replace("/", "_")] for v in variables]
    np.testing.assert_allclose(_rates(optimizer), [1e-5, 1e-4, 1e-3], rtol=1e-6)
    assert [v.path for v in variables][-2:] == ["head/kernel", "head/bias"]
    assert groups[-2:] == [2, 2]
    # Every backbone variable is in one of the two backbone groups, in order:
    # none fell to the head's rate.
    assert groups[0] == 0 and groups[-3] == 1
    assert groups[:-2] == sorted(groups[:-2])
    assert set(groups[:-2]) == {0, 1}


def _rates_after_scheduler(schedule):
    """Each group's rate at the end of each of 2 epochs under the callback."""
    model = _dense_stack(3)
    model.compile(kst.discriminative_optimizer(model, 1e-3), "mse", jit_compile=False)
    seen = []

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(_rates(self.model.optimizer))

    x, y = np.ones((8, 4), "float32"), np.zeros((8, 4), "float32")
    callbacks = [keras.callbacks.LearningRateScheduler(schedule), Record()]
    model.fit(x, y, epochs=2, batch_size=4, callbacks=callbacks, verbose=0)
    return np.array(seen)


def test_learning_rate_scheduler_of_a_multiple_keeps_the_ratios():
    seen = _rates_after_scheduler(lambda epoch, lr: lr * 0.5)
    np.testing.assert_allclose(seen / seen[:, -1:], [[0.01, 0.1, 1]] * 2, rtol=1e-5)
    np.testing.assert_allclose(seen[-1, -1], 1e-3 * 0.25, rtol=1e-5)  # twice halved


@pytest.mark.parametrize(
    "schedule",
    [lambda epoch, lr: 1e-4 if epoch >= 1 else lr, lambda epoch: 1e-4],
    ids=["fixed-value", "one-argument-api"],
)
def test_learning_rate_scheduler_of_a_fixed_value_sets_every_group(schedule):
    # As for any MultiOptimizer (keras 3.15): the callback sets each group's
    # rate, and nothing resets it behind its back; the documented way to a
    # schedule that keeps the ratios is a LearningRateSchedule as `base_lr`.
    seen = _rates_after_scheduler(schedule)
    np.testing.assert_allclose(seen[-1], [1e-4] * 3, rtol=1e-5)


def test_reduce_lr_on_plateau_keeps_the_ratios():
    model = _dense_stack(3)
    model.compile(kst.discriminative_optimizer(model, 1e-3), "mse", jit_compile=False)
    # No epoch improves by 1e9, so the rate halves after every epoch but the first.
    plateau = keras.callbacks.ReduceLROnPlateau(
        monitor="loss", factor=0.5, patience=0, min_delta=1e9
    )
    x, y = np.ones((8, 4), "float32"), np.zeros((8, 4), "float32")
    model.fit(x, y, epochs=3, callbacks=[plateau], verbose=0)
    np.testing.assert_allclose(
        _rates(model.optimizer), [2.5e-6, 2.5e-5, 2.5e-4], rtol=1e-5
    )


def test_setting_the_learning_rate_rescales_every_group():
    optimizer = kst.discriminative_optimizer(_dense_stack(3), 1e-3)
    optimizer.learning_rate = 0.5
    np.testing.assert_allclose(_rates(optimizer), [0.005, 0.05, 0.5], rtol=1e-5)


def test_config_round_trip_keeps_the_groups():
    model = _dense_stack(4)
    optimizer = kst.discriminative_optimizer(model, 1e-3, lr_mult=10, num_groups=2)
    config = optimizer.get_config()
    restored = kst.DiscriminativeOptimizer.from_config(config)
    assert len(restored.optimizers) == 2
    assert restored.get_config() == config
    restored.build(model.trainable_variables)
    # d0, d1 in the first group, d2, d3 with the head.
    first, head = restored.optimizers
    assert _momenta(first) == ["d0_bias", "d0_kernel", "d1_bias", "d1_kernel"]
    assert _momenta(head) == ["d2_bias", "d2_kernel", "d3_bias", "d3_kernel"]


def test_groups_do_not_depend_on_variable_paths():
    # A loaded model's variables have other paths than when its optimizer was
    # made (issue 16); a copy of the model, auto-named anew, stands in.
    def model():
        backbone = keras.Sequential(
            [keras.Input((4,))] + [keras.layers.Dense(4) for _ in range(3)]
        )
        return keras.Sequential([keras.Input((4,)), backbone, keras.layers.Dense(2)])

    original, copy = model(), model()
    optimizer = kst.discriminative_optimizer(original, 1e-3, num_groups=3)
    optimizer.build(original.trainable_variables)
    config = optimizer.get_config()
    assert {v.path for v in copy.weights}.isdisjoint(v.path for v in original.weights)
    restored = kst.DiscriminativeOptimizer.from_config(config)
    restored.build(copy.trainable_variables)

    def groups(optimizer, model):
        return [optimizer._group_index[id(v)] for v in model.trainable_variables]

    # Backbone split 2 + 1 layers, then the head.
    assert groups(optimizer, original) == [0, 0, 0, 0, 1, 1, 2, 2]
    assert groups(restored, copy) == groups(optimizer, original)
    assert restored.get_config() == config


def _momenta(optimizer):
    suffix = "_momentum"
    names = [v.name for v in optimizer.variables if v.name.endswith(suffix)]
    return sorted(name.removesuffix(suffix) for name in names)


def test_frozen_groups_train_with_a_subset_of_gradients(make_classifier, data):
    model = make_classifier(compile=False)  # backbone frozen
    kst.unfreeze(model.get_layer("backbone"))
    optimizer = kst.discriminative_optimizer(model, 1e-2)
    kst.freeze(model.get_layer("backbone"))
    model.compile(optimizer, "sparse_categorical_crossentropy", jit_compile=False)
    kernel = model.get_layer("head").kernel.numpy().copy()
    conv = model.get_layer("backbone").layer.get_layer("backbone_conv3")
    conv_kernel = conv.kernel.numpy().copy()
    model.fit(*data, epochs=1, batch_size=8, verbose=0)
    assert not np.array_equal(model.get_layer("head").kernel, kernel)
    np.testing.assert_array_equal(conv.kernel, conv_kernel)


def test_save_and_load(make_classifier, data, tmp_path):
    model = make_classifier(compile=False)
    kst.unfreeze(model)
    optimizer = kst.discriminative_optimizer(model, 1e-2)
    model.compile(optimizer, "sparse_categorical_crossentropy", jit_compile=False)
    x, y = data
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded.optimizer, kst.DiscriminativeOptimizer)
    np.testing.assert_allclose(_rates(loaded.optimizer), _rates(optimizer))
    np.testing.assert_array_equal(loaded(x), model(x))
    # The optimizer state came back: one more step moves both models alike.
    assert int(loaded.optimizer.iterations) == int(optimizer.iterations) == 4
    model.train_on_batch(x[:8], y[:8])
    loaded.train_on_batch(x[:8], y[:8])
    np.testing.assert_allclose(loaded(x), model(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"base_lr": 0}, "Received: base_lr=0"),
        ({"base_lr": -1e-3}, "Received: base_lr=-0.001"),
        ({"base_lr": "1e-3"}, "Received: base_lr='1e-3'"),
        ({"base_lr": lambda step: 1e-3}, "LearningRateSchedule. Received: base_lr="),
        (
            {
                "optimizer": keras.optimizers.SGD(
                    keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)
                )
            },
            "pass its schedule as `base_lr`.*Received: optimizer=SGD with a "
            "learning-rate schedule",
        ),
        ({"lr_mult": 0.5}, "Received: lr_mult=0.5"),
        ({"num_groups": 0}, "Received: num_groups=0"),
        ({"num_groups": 2.0}, "Received: num_groups=2.0"),
    ],
)
def test_bad_arguments(kwargs, message):
    kwargs = {"base_lr": 1e-3, **kwargs}
    with pytest.raises(ValueError, match=message):
        kst.discriminative_optimizer(_dense_stack(2), **kwargs)


def test_unbuilt_model():
    model = keras.Sequential([keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="needs a built keras.Model"):
        kst.discriminative_optimizer(model, 1e-3)
