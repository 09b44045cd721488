import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_smalldata.transfer as kst

CONVS = ["backbone_conv1", "backbone_conv2", "backbone_conv3"]


class _Snapshots(keras.callbacks.Callback):
    """Copies of the backbone's and head's weights at the end of each epoch."""

    def __init__(self, backbone, head):
        super().__init__()
        self.backbone, self.head = backbone, head
        self.epochs = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epochs[epoch] = {
            v.path: v.numpy().copy() for v in self.backbone.weights + self.head.weights
        }


def _same(a, b, paths):
    return all(np.array_equal(a[p], b[p]) for p in paths)


def test_two_phases(make_classifier, data):
    model = make_classifier()
    backbone = model.get_layer("backbone").layer
    snapshots = _Snapshots(backbone, model.get_layer("head"))
    initial = {v.path: v.numpy().copy() for v in backbone.weights}
    x, y = data
    history = kst.fine_tune(
        model,
        (x, y),
        epochs=2,
        freeze_epochs=2,
        base_lr=1e-2,
        validation_data=(x, y),
        callbacks=[snapshots],
    )
    assert history.epoch == [0, 1, 2, 3]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert len(history.history[key]) == 4
    assert history.model is model

    kernels = [f"{c}/{w}" for c in CONVS for w in ("kernel", "bias")]
    frozen = [
        v.path
        for v in backbone.weights
        if v.path.split("/")[0].endswith(("bn1", "bn2"))
    ]
    epochs = snapshots.epochs
    # Phase 1: the backbone does not move, the head does.
    assert _same(epochs[0], initial, kernels) and _same(epochs[1], initial, kernels)
    assert not _same(epochs[0], epochs[1], ["head/kernel"])
    # Phase 2: every convolution trains.
    for path in kernels:
        assert not np.array_equal(epochs[3][path], epochs[1][path]), path
    # BatchNorm, statistics and scale alike, never moves.
    for snapshot in epochs.values():
        assert _same(snapshot, initial, frozen)

    # Phase 2 ran with discriminative rates from base_lr / 2 down.
    assert isinstance(model.optimizer, kst.DiscriminativeOptimizer)
    rates = [float(o.learning_rate) for o in model.optimizer.optimizers]
    np.testing.assert_allclose(rates, [5e-5, 5e-4, 5e-3], rtol=1e-5)
    # The loss and metrics the user compiled with are kept.
    assert model.get_compile_config()["loss"] == "sparse_categorical_crossentropy"


def test_without_a_frozen_phase_and_with_a_dataset(make_classifier, data):
    model = make_classifier()
    dataset = tf.data.Dataset.from_tensor_slices(data).batch(8)
    history = kst.fine_tune(model, dataset, epochs=2, freeze_epochs=0)
    assert history.epoch == [0, 1]
    assert len(history.history["loss"]) == 2


def test_backbone_is_found_behind_a_sequential_augmentation(make_backbone, data):
    augmentation = keras.Sequential(
        [keras.layers.RandomTranslation(0.1, 0.1, seed=0)], name="augmentation"
    )
    backbone = make_backbone()
    model = kst.build_classifier(backbone, 3, augmentation=augmentation, dropout=0)
    model.compile("adam", "sparse_categorical_crossentropy", jit_compile=False)
    kernel = backbone.get_layer("backbone_conv1").kernel.numpy().copy()
    kst.fine_tune(model, data, epochs=1, freeze_epochs=1)
    assert not np.array_equal(backbone.get_layer("backbone_conv1").kernel, kernel)
    # Three groups: two in the backbone, the head.
    assert len(model.optimizer.optimizers) == 3


def test_explicit_backbone(make_classifier, data):
    model = make_classifier()
    backbone = model.get_layer("backbone").layer
    kernel = backbone.get_layer("backbone_conv1").kernel.numpy().copy()
    kst.fine_tune(model, data, epochs=1, freeze_epochs=0, backbone=backbone)
    assert not np.array_equal(backbone.get_layer("backbone_conv1").kernel, kernel)


def test_save_and_load_a_fine_tuned_model(make_classifier, data, tmp_path):
    model = make_classifier()
    kst.fine_tune(model, data, epochs=1, freeze_epochs=1)
    path = tmp_path / "fine_tuned.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    x = data[0]
    np.testing.assert_array_equal(loaded(x), model(x))
    # With its optimizer state, each value where it was (a new process is
    # tested in tests/test_safe_loading.py).
    assert isinstance(loaded.optimizer, kst.DiscriminativeOptimizer)
    state = [v.numpy() for v in model.optimizer.variables]
    loaded_state = [v.numpy() for v in loaded.optimizer.variables]
    assert len(loaded_state) == len(state)
    for a, b in zip(loaded_state, state, strict=True):
        np.testing.assert_array_equal(a, b)


def test_fine_tune_again(make_classifier, data):
    # The second call finds the model compiled with the first one's
    # DiscriminativeOptimizer and starts from its head's optimizer.
    model = make_classifier()
    kst.fine_tune(model, data, epochs=1, freeze_epochs=0)
    history = kst.fine_tune(model, data, epochs=1, freeze_epochs=1, base_lr=1e-3)
    assert history.epoch == [0, 1]
    rates = [float(o.learning_rate) for o in model.optimizer.optimizers]
    np.testing.assert_allclose(rates, [5e-6, 5e-5, 5e-4], rtol=1e-5)
    assert isinstance(model.optimizer.optimizers[-1], keras.optimizers.Adam)


def test_uncompiled_model(make_classifier, data):
    with pytest.raises(ValueError, match="needs a compiled model"):
        kst.fine_tune(make_classifier(compile=False), data, epochs=1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"epochs": 0}, "Received: epochs=0"),
        ({"epochs": 1.0}, "Received: epochs=1.0"),
        ({"freeze_epochs": -1}, "Received: freeze_epochs=-1"),
        ({"base_lr": 0}, "Received: base_lr=0"),
    ],
)
def test_bad_arguments(make_classifier, data, kwargs, message):
    kwargs = {"epochs": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        kst.fine_tune(make_classifier(), data, **kwargs)


def test_train_data_tuple_of_three(make_classifier, data):
    x, y = data
    with pytest.raises(ValueError, match="Received: a tuple of length 3"):
        kst.fine_tune(make_classifier(), (x, y, y), epochs=1)


def test_model_without_a_backbone(data):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile("adam", "mse")
    with pytest.raises(ValueError, match="Could not find a backbone"):
        kst.fine_tune(model, (np.ones((4, 4)), np.ones((4, 2))), epochs=1)
