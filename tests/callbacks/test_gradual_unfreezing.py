import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import keras_smalldata.transfer as kst  # noqa: E402
from keras_smalldata.callbacks import GradualUnfreezing  # noqa: E402

CONVS = ["conv1", "conv2", "conv3"]


def _backbone():
    """conv1, bn1, conv2, bn2, conv3: three blocks to unfreeze by default."""
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(4, 3, padding="same", name="conv1")(inputs)
    x = keras.layers.BatchNormalization(name="bn1")(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.Conv2D(4, 3, padding="same", name="conv2")(x)
    x = keras.layers.BatchNormalization(name="bn2")(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.Conv2D(6, 3, padding="same", name="conv3")(x)
    backbone = keras.Model(inputs, x, name="backbone")
    for name in ("bn1", "bn2"):  # as after pretraining
        backbone.get_layer(name).moving_mean.assign(np.full(4, -0.1, "float32"))
        backbone.get_layer(name).moving_variance.assign(np.full(4, 0.5, "float32"))
    return backbone


def _classifier(optimizer="adam", jit_compile=False):
    backbone = _backbone()
    model = kst.build_classifier(backbone, 3, dropout=0.0)  # backbone frozen
    if optimizer == "adam":
        optimizer = keras.optimizers.Adam(1e-2)
    else:
        optimizer = kst.discriminative_optimizer(model, 1e-2)
    model.compile(optimizer, "sparse_categorical_crossentropy", jit_compile=jit_compile)
    return model, backbone


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = rng.random((32, 8, 8, 1)).astype("float32")
    return x, np.arange(32) % 3


class _Record(keras.callbacks.Callback):
    """The trainable convolutions at each epoch's start, weights at its end."""

    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone
        self.trainable = []
        self.weights = []

    def on_train_begin(self, logs=None):
        self.initial = self._weights()

    def on_epoch_begin(self, epoch, logs=None):
        layers = [self.backbone.get_layer(name) for name in CONVS]
        self.trainable.append([x.name for x in layers if x.trainable])

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self._weights())

    def _weights(self):
        return {v.path: v.numpy().copy() for v in self.backbone.weights}


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        (
            {},
            [[], ["conv3"], ["conv2", "conv3"], CONVS, CONVS],
        ),
        (
            {"every": 2, "start_epoch": 0},
            [["conv3"], ["conv3"], ["conv2", "conv3"], ["conv2", "conv3"], CONVS],
        ),
        (
            {"blocks": 2},  # [conv1, conv2], [conv3]
            [[], ["conv3"], CONVS, CONVS, CONVS],
        ),
        (
            {"blocks": [["conv1"], ["conv2", "conv3"]], "start_epoch": 3},
            [[], [], [], ["conv2", "conv3"], CONVS],
        ),
    ],
)
def test_unfreezes_on_schedule(data, kwargs, expected):
    model, backbone = _classifier()
    record = _Record(backbone)
    callback = GradualUnfreezing(backbone, **kwargs)
    history = model.fit(
        *data, epochs=5, batch_size=16, callbacks=[callback, record], verbose=0
    )
    assert record.trainable == expected
    assert history.history["unfrozen_layers"] == [len(e) for e in expected]
    # BatchNorm stays frozen throughout.
    assert not backbone.get_layer("bn1").trainable


@pytest.mark.parametrize(
    "optimizer, jit_compile", [("adam", "auto"), ("discriminative", False)]
)
def test_blocks_train_from_their_epoch_on_and_not_before(data, optimizer, jit_compile):
    model, backbone = _classifier(optimizer, jit_compile)
    record = _Record(backbone)
    callbacks = [GradualUnfreezing(backbone), record]
    model.fit(*data, epochs=4, batch_size=16, callbacks=callbacks, verbose=0)
    # Epoch of unfreezing: conv3 at 1, conv2 at 2, conv1 at 3.
    weights = [record.initial, *record.weights]  # weights[e + 1]: end of epoch e
    for name, epoch in (("conv3", 1), ("conv2", 2), ("conv1", 3)):
        for path in (f"{name}/kernel", f"{name}/bias"):
            for before in range(epoch):
                np.testing.assert_array_equal(
                    weights[before + 1][path], record.initial[path], err_msg=path
                )
            for after in range(epoch, 4):
                moved = weights[after + 1][path] - weights[after][path]
                assert np.abs(moved).max() > 0, (path, after)
    # BatchNorm, statistics and scale alike, never moves.
    for path, value in record.initial.items():
        if path.startswith("bn"):
            np.testing.assert_array_equal(weights[-1][path], value, err_msg=path)


@pytest.mark.parametrize("optimizer", ["adam", "discriminative"])
def test_optimizer_state_is_kept_when_rebuilt(data, optimizer):
    x, y = data

    def fresh():
        model, backbone = _classifier(optimizer)
        model.set_weights(reference.get_weights())
        return model, backbone

    reference, _ = _classifier(optimizer)
    fit = {"batch_size": 16, "shuffle": False, "verbose": 0}

    # Two epochs straight, without the callback.
    straight, _ = fresh()
    straight.fit(x, y, epochs=2, **fit)
    # One epoch, then one with the callback, which rebuilds the optimizer when
    # training starts (no block is due yet).
    resumed, backbone = fresh()
    resumed.fit(x, y, epochs=1, **fit)
    old_optimizer = resumed.optimizer
    callback = GradualUnfreezing(backbone, start_epoch=2)
    resumed.fit(x, y, initial_epoch=1, epochs=2, callbacks=[callback], **fit)
    assert resumed.optimizer is not old_optimizer
    assert int(resumed.optimizer.iterations) == int(straight.optimizer.iterations) == 4
    head = resumed.get_layer("head").kernel.numpy()
    np.testing.assert_allclose(
        head, straight.get_layer("head").kernel, rtol=1e-6, atol=1e-7
    )
    if optimizer != "adam":
        return
    # A fresh optimizer would have moved the head differently.
    restarted, _ = fresh()
    restarted.fit(x, y, epochs=1, **fit)
    restarted.compile(
        type(restarted.optimizer).from_config(restarted.optimizer.get_config()),
        "sparse_categorical_crossentropy",
        jit_compile=False,
    )
    restarted.fit(x, y, initial_epoch=1, epochs=2, **fit)
    assert not np.allclose(restarted.get_layer("head").kernel, head, atol=1e-5)


def test_save_and_load_after_gradual_unfreezing(data, tmp_path):
    model, backbone = _classifier("discriminative")
    callback = GradualUnfreezing(backbone, blocks=2, start_epoch=0)
    model.fit(*data, epochs=2, batch_size=16, callbacks=[callback], verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    x = data[0]
    np.testing.assert_array_equal(loaded(x), model(x))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"every": 0}, "Received: every=0"),
        ({"every": 1.5}, "Received: every=1.5"),
        ({"every": True}, "Received: every=True"),
        ({"start_epoch": -1}, "Received: start_epoch=-1"),
        ({"blocks": 0}, r"\[1, 3\] .* Received: blocks=0"),
        ({"blocks": 4}, r"\[1, 3\] .* Received: blocks=4"),
        ({"blocks": [["conv9"]]}, r"e.g. \['conv1', 'bn1'"),
        ({"blocks": [[]]}, r"Received: blocks=\[\[\]\]"),
        ({"blocks": []}, r"Received: blocks=\[\]"),
        ({"blocks": "conv1"}, "Received: blocks='conv1'"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GradualUnfreezing(_backbone(), **kwargs)


def test_backbone_must_be_a_layer():
    with pytest.raises(TypeError, match="Received: backbone of type str"):
        GradualUnfreezing("backbone")


# ------------------------------------------- optimizer state across rebuilds


def _adamw_without_bias_decay():
    optimizer = keras.optimizers.AdamW(1e-2, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    return optimizer


# Every kind of per-variable and global state a Keras optimizer keeps.
OPTIMIZERS = {
    "adam": lambda: keras.optimizers.Adam(1e-2),
    "sgd-momentum": lambda: keras.optimizers.SGD(1e-2, momentum=0.9, nesterov=True),
    "nadam": lambda: keras.optimizers.Nadam(1e-2),
    "adafactor": lambda: keras.optimizers.Adafactor(1e-2),  # names collide
    "ema": lambda: keras.optimizers.Adam(1e-2, use_ema=True),
    "ema-overwrite": lambda: keras.optimizers.Adam(
        1e-2, use_ema=True, ema_overwrite_frequency=2
    ),
    "accumulation": lambda: keras.optimizers.Adam(1e-2, gradient_accumulation_steps=2),
    "weight-decay-exclusion": _adamw_without_bias_decay,
    "loss-scale": lambda: keras.optimizers.LossScaleOptimizer(
        keras.optimizers.Adam(1e-2), initial_scale=8.0, dynamic_growth_steps=2
    ),
    "discriminative": "discriminative",
    "discriminative-ema": "discriminative-ema",
    "discriminative-schedule": "discriminative-schedule",
}


def _dense_model(optimizer, widths=(4, 4, 4)):
    """Blocks b1, b2, b3 (Dense) in a frozen backbone, and a head.

    Equal widths give equal shapes, so a value written to the wrong variable
    goes unnoticed by Keras and must be caught by the test.
    """
    backbone = keras.Sequential(
        [keras.Input((4,))]
        + [
            keras.layers.Dense(w, bias_initializer="random_normal", name=f"b{i + 1}")
            for i, w in enumerate(widths)
        ],
        name="bb",
    )
    head = keras.layers.Dense(4, bias_initializer="random_normal", name="head")
    model = keras.Sequential([keras.Input((4,)), backbone, head])
    if isinstance(optimizer, str):
        template = keras.optimizers.Adam(1e-2, use_ema=optimizer.endswith("ema"))
        base_lr = 1e-2
        if optimizer.endswith("schedule"):
            # Each group runs it from its own first step: a group unfrozen
            # later warms up then.
            base_lr = keras.optimizers.schedules.CosineDecay(
                1e-3, decay_steps=50, warmup_target=1e-2, warmup_steps=2
            )
        optimizer = kst.discriminative_optimizer(
            model, base_lr, lr_mult=10, num_groups=4, optimizer=template
        )
    else:
        optimizer = optimizer()
    kst.freeze(backbone)
    # Eagerly: state is what these tests are about, and tracing the train
    # function at each unfreezing would take most of their time (graph mode
    # is tested above).
    model.compile(optimizer, "mse", run_eagerly=True)
    return model, backbone


def _dense_data():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(16, 4)).astype("float32")
    return x, rng.normal(size=(16, 4)).astype("float32")


@pytest.mark.parametrize(
    "option, widths",
    [(name, (4, 4, 4)) for name in OPTIMIZERS] + [("ema", (3, 5, 4))],
)
def test_frozen_weights_stay_and_no_weight_takes_anothers(option, widths):
    model, backbone = _dense_model(OPTIMIZERS[option], widths)
    initial = {v.path: v.numpy().copy() for v in model.weights}
    # Epoch 0 unfreezes b3, epoch 1 b2; b1 is still frozen when fit ends.
    model.fit(
        *_dense_data(),
        epochs=2,
        batch_size=8,
        callbacks=[GradualUnfreezing(backbone, start_epoch=0)],
        verbose=0,
    )
    final = {v.path: v.numpy() for v in model.weights}
    for path in ("bb/b1/kernel", "bb/b1/bias"):
        np.testing.assert_array_equal(final[path], initial[path], err_msg=path)
    for path, value in final.items():
        if not path.startswith("bb/b1/"):
            assert not np.array_equal(value, initial[path]), f"{path} did not train"
        for other, other_value in [*initial.items(), *final.items()]:
            if other != path and other_value.shape == value.shape:
                assert not np.allclose(value, other_value), f"{path} holds {other}"


@pytest.mark.parametrize("option", list(OPTIMIZERS))
def test_rebuilding_keeps_every_piece_of_state(option):
    x, y = _dense_data()
    fit = {"batch_size": 8, "shuffle": False, "verbose": 0}

    def trained(callbacks):
        keras.utils.set_random_seed(0)
        model, backbone = _dense_model(OPTIMIZERS[option])
        kst.unfreeze(backbone)
        for start in (0, 8):  # state to keep
            model.train_on_batch(x[start : start + 8], y[start : start + 8])
        model.fit(x, y, epochs=1, callbacks=callbacks(backbone), **fit)
        return model

    # The callback rebuilds the optimizer when training starts (no block is
    # due): training goes on exactly as without it.
    plain = trained(lambda backbone: [])
    rebuilt = trained(lambda backbone: [GradualUnfreezing(backbone, start_epoch=9)])
    assert type(rebuilt.optimizer) is type(plain.optimizer)
    for a, b in zip(rebuilt.weights, plain.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)
    state = [v.numpy() for v in rebuilt.optimizer.variables]
    expected = [v.numpy() for v in plain.optimizer.variables]
    assert len(state) == len(expected)
    for a, b in zip(state, expected, strict=True):
        np.testing.assert_array_equal(a, b)


def test_plain_multi_optimizer_is_refused():
    model, backbone = _dense_model(OPTIMIZERS["adam"])
    optimizer = keras.optimizers.MultiOptimizer(
        keras.optimizers.OptimizerMap(default_optimizer=keras.optimizers.Adam())
    )
    model.compile(optimizer, "mse", run_eagerly=True)
    callbacks = [GradualUnfreezing(backbone)]
    with pytest.raises(ValueError, match=r"does not support a plain .*MultiOptimizer"):
        model.fit(*_dense_data(), epochs=2, callbacks=callbacks, verbose=0)


class _DictStateSGD(keras.optimizers.SGD):
    """Keeps per-variable state in a dict, which cannot be matched safely."""

    def build(self, variables):
        super().build(variables)
        self._extra = {
            v.path: self.add_variable_from_reference(v, "extra") for v in variables
        }


def test_optimizer_with_unmatchable_state_is_refused():
    model, backbone = _dense_model(lambda: _DictStateSGD(1e-2))
    head = model.get_layer("head").kernel.numpy().copy()
    callbacks = [GradualUnfreezing(backbone)]
    with pytest.raises(ValueError, match=r"cannot carry the state of _DictStateSGD"):
        model.fit(*_dense_data(), epochs=2, callbacks=callbacks, verbose=0)
    # Refused before training.
    np.testing.assert_array_equal(model.get_layer("head").kernel, head)
