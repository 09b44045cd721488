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
