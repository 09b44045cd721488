import keras
import numpy as np
import pytest

import keras_smalldata.transfer as kst

# Parameters of each layer of the conftest's small backbone.
PARAMS = {"conv1": 40, "bn1": 16, "conv2": 148, "bn2": 16, "conv3": 222}
CONVS = ["backbone_conv1", "backbone_conv2", "backbone_conv3"]
TOTAL = sum(PARAMS.values())


def _trainable_names(model):
    return [
        layer.name
        for layer in _leaves(model)
        if layer.trainable and layer.trainable_weights
    ]


def _leaves(model):
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _leaves(layer)
        elif layer.weights:
            yield layer


def _batchnorm_statistics(model):
    return {
        v.path: v.numpy().copy()
        for layer in _leaves(model)
        if isinstance(layer, keras.layers.BatchNormalization)
        for v in (layer.moving_mean, layer.moving_variance)
    }


def _assert_same(before, after):
    assert before.keys() == after.keys()
    for path in before:
        np.testing.assert_array_equal(after[path], before[path], err_msg=path)


def _changed(before, after):
    return sorted(p for p in before if not np.array_equal(before[p], after[p]))


# -- freeze ------------------------------------------------------------------


@pytest.mark.parametrize("inference_mode", [True, False])
def test_frozen_backbone_and_batchnorm_statistics_unchanged_by_fit(
    make_classifier, data, take_snapshot, inference_mode
):
    model = make_classifier(inference_mode=inference_mode)
    backbone = model.get_layer("backbone")
    before = take_snapshot(backbone)
    head = take_snapshot(model.get_layer("head"))
    model.fit(*data, epochs=2, batch_size=8, verbose=0)
    _assert_same(before, take_snapshot(backbone))
    # The head did train, so the backbone stayed still for the right reason.
    assert _changed(head, take_snapshot(model.get_layer("head")))


def test_freeze_returns_the_change(backbone):
    change = kst.freeze(backbone)
    assert change.changed == tuple(f"backbone_{n}" for n in PARAMS)
    assert change.trainable_params == 0
    assert change.frozen_params == TOTAL
    assert backbone.trainable_weights == []
    # Freezing again changes nothing.
    again = kst.freeze(backbone)
    assert again.changed == ()
    assert (again.trainable_params, again.frozen_params) == (0, TOTAL)
    assert (
        str(again)
        == f"0 layers changed []; trainable params: 0, frozen params: {TOTAL:,}"
    )


def test_freeze_a_single_layer():
    layer = keras.layers.Dense(3)
    layer.build((None, 4))
    change = kst.freeze(layer)
    assert change == kst.TrainableChange(
        changed=(layer.name,), trainable_params=0, frozen_params=15
    )
    assert not layer.trainable


@pytest.mark.parametrize("function", [kst.freeze, kst.unfreeze])
def test_not_a_model(function):
    with pytest.raises(TypeError, match="Received: .* of type str"):
        function("backbone")


# -- unfreeze: BatchNorm -----------------------------------------------------


@pytest.mark.parametrize(
    "inference_mode, keep_batchnorm_frozen, statistics_move",
    [
        (True, True, False),  # the default
        (False, True, False),  # frozen BatchNorm runs in inference mode
        (True, False, False),  # InferenceMode holds even for trainable BatchNorm
        (False, False, True),  # nothing holds: the statistics move
    ],
)
def test_batchnorm_statistics_after_unfreeze_and_fit(
    make_classifier, data, inference_mode, keep_batchnorm_frozen, statistics_move
):
    model = make_classifier(inference_mode=inference_mode, compile=False)
    backbone = model.get_layer("backbone")
    kst.unfreeze(backbone, keep_batchnorm_frozen=keep_batchnorm_frozen)
    model.compile(
        keras.optimizers.Adam(1e-2),
        "sparse_categorical_crossentropy",
        jit_compile=False,
    )
    statistics = _batchnorm_statistics(model)
    inner = backbone.layer if inference_mode else backbone
    kernels = {n: inner.get_layer(n).kernel.numpy().copy() for n in CONVS}
    gamma = inner.get_layer("backbone_bn1").gamma.numpy().copy()
    model.fit(*data, epochs=1, batch_size=8, verbose=0)

    moved = _changed(statistics, _batchnorm_statistics(model))
    assert bool(moved) == statistics_move, moved
    for name, kernel in kernels.items():  # the unfrozen layers did train
        assert not np.array_equal(inner.get_layer(name).kernel.numpy(), kernel)
    gamma_moved = not np.array_equal(inner.get_layer("backbone_bn1").gamma, gamma)
    assert gamma_moved == (not keep_batchnorm_frozen)


def test_training_false_does_not_keep_batchnorm_statistics_under_fit(backbone, data):
    # The Keras transfer-learning guide's `base(x, training=False)`: inside a
    # functional model, `fit` overrides it once the BatchNorm is trainable
    # (keras issue 20285). This is why build_classifier uses InferenceMode.
    inputs = keras.Input(backbone.input_shape[1:])
    features = backbone(inputs, training=False)
    pooled = keras.layers.GlobalAveragePooling2D()(features)
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(pooled))
    kst.unfreeze(backbone, keep_batchnorm_frozen=False)
    model.compile("adam", "sparse_categorical_crossentropy", jit_compile=False)
    statistics = _batchnorm_statistics(model)
    model.fit(*data, epochs=1, batch_size=8, verbose=0)
    assert _changed(statistics, _batchnorm_statistics(model))

    # The same model around InferenceMode keeps them.
    inputs = keras.Input(backbone.input_shape[1:])
    features = kst.InferenceMode(backbone)(inputs)
    pooled = keras.layers.GlobalAveragePooling2D()(features)
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(pooled))
    model.compile("adam", "sparse_categorical_crossentropy", jit_compile=False)
    statistics = _batchnorm_statistics(model)
    model.fit(*data, epochs=1, batch_size=8, verbose=0)
    assert not _changed(statistics, _batchnorm_statistics(model))


# -- unfreeze: selectors -----------------------------------------------------


@pytest.mark.parametrize("last_n", [0, 1, 2, 3])
def test_unfreeze_last_n(backbone, last_n):
    kst.freeze(backbone)
    change = kst.unfreeze(backbone, last_n=last_n)
    expected = CONVS[len(CONVS) - last_n :]
    assert _trainable_names(backbone) == expected
    assert change.changed == tuple(expected)
    trainable = sum(PARAMS[n.removeprefix("backbone_")] for n in expected)
    assert change.trainable_params == trainable
    assert change.frozen_params == TOTAL - trainable
    assert change.trainable_params == sum(
        int(np.prod(v.shape)) for v in backbone.trainable_weights
    )


def test_unfreeze_last_n_beyond_the_layers_unfreezes_all(backbone):
    kst.freeze(backbone)
    kst.unfreeze(backbone, last_n=10)
    assert _trainable_names(backbone) == CONVS


def test_unfreeze_last_n_with_batchnorm_counted(backbone):
    kst.freeze(backbone)
    change = kst.unfreeze(backbone, last_n=2, keep_batchnorm_frozen=False)
    assert change.changed == ("backbone_bn2", "backbone_conv3")
    assert _trainable_names(backbone) == ["backbone_bn2", "backbone_conv3"]
    # gamma and beta train, the moving statistics never do.
    assert change.trainable_params == 8 + PARAMS["conv3"]


def test_unfreeze_keeps_batchnorm_frozen_even_if_it_was_trainable(backbone):
    change = kst.unfreeze(backbone)  # everything was trainable
    assert change.changed == ("backbone_bn1", "backbone_bn2")
    assert _trainable_names(backbone) == CONVS
    bn = backbone.get_layer("backbone_bn1")
    assert not bn.trainable and bn.trainable_weights == []


def test_unfreeze_without_selector_unfreezes_all(backbone):
    kst.freeze(backbone)
    change = kst.unfreeze(backbone)
    assert change.changed == tuple(CONVS)
    assert _trainable_names(backbone) == CONVS


def test_unfreeze_leaves_unselected_layers_as_they_were(backbone):
    kst.freeze(backbone)
    kst.unfreeze(backbone, last_n=1)
    change = kst.unfreeze(backbone, from_layer="backbone_conv2")
    assert change.changed == ("backbone_conv2",)
    assert _trainable_names(backbone) == CONVS[1:]


def test_unfreeze_from_layer(backbone):
    kst.freeze(backbone)
    change = kst.unfreeze(backbone, from_layer="backbone_conv2")
    assert _trainable_names(backbone) == ["backbone_conv2", "backbone_conv3"]
    assert change.trainable_params == PARAMS["conv2"] + PARAMS["conv3"]


@pytest.mark.parametrize(
    "fraction, expected", [(1, 3), (1.0, 3), (0.5, 2), (0.34, 2), (0.33, 1), (0.01, 1)]
)
def test_unfreeze_fraction_rounds_up(backbone, fraction, expected):
    kst.freeze(backbone)
    kst.unfreeze(backbone, fraction=fraction)
    assert _trainable_names(backbone) == CONVS[3 - expected :]


@pytest.mark.parametrize("last_n", [-1, 1.5, True, "2"])
def test_unfreeze_bad_last_n(backbone, last_n):
    with pytest.raises(ValueError, match=f"3 layers to unfreeze.*last_n={last_n!r}"):
        kst.unfreeze(backbone, last_n=last_n)


def test_unfreeze_unknown_layer_lists_the_choices(backbone):
    with pytest.raises(ValueError) as error:
        kst.unfreeze(backbone, from_layer="backbone_conv9")
    message = str(error.value)
    assert "valid choices: backbone_conv1, backbone_conv2, backbone_conv3" in message
    assert "Received: from_layer='backbone_conv9'" in message


def test_unfreeze_from_a_kept_frozen_batchnorm_is_rejected(backbone):
    with pytest.raises(ValueError, match="from_layer='backbone_bn2'"):
        kst.unfreeze(backbone, from_layer="backbone_bn2")
    kst.freeze(backbone)
    kst.unfreeze(backbone, from_layer="backbone_bn2", keep_batchnorm_frozen=False)
    assert _trainable_names(backbone) == ["backbone_bn2", "backbone_conv3"]


def test_unfreeze_unknown_layer_in_a_large_model_shortens_the_list():
    layers = [keras.layers.Dense(2, name=f"d{i}") for i in range(10)]
    model = keras.Sequential([keras.Input((2,)), *layers])
    with pytest.raises(ValueError, match=r"d0, .*, d7, \.\.\. \(10 in all\)"):
        kst.unfreeze(model, from_layer="d10")


@pytest.mark.parametrize("fraction", [0, 0.0, -0.5, 1.01, 2, True, "half"])
def test_unfreeze_bad_fraction(backbone, fraction):
    with pytest.raises(ValueError, match=rf"\(0, 1\]. Received: fraction={fraction!r}"):
        kst.unfreeze(backbone, fraction=fraction)


def test_unfreeze_two_selectors(backbone):
    with pytest.raises(
        ValueError, match="at most one .* Received: last_n=..., fraction=..."
    ):
        kst.unfreeze(backbone, last_n=1, fraction=0.5)


# -- model kinds -------------------------------------------------------------


def test_nested_model(backbone):
    inputs = keras.Input(backbone.input_shape[1:])
    x = keras.layers.GlobalAveragePooling2D()(backbone(inputs))
    x = keras.layers.Dense(5, name="hidden")(x)
    model = keras.Model(inputs, keras.layers.Dense(2, name="out")(x))
    change = kst.freeze(model)
    assert change.changed == tuple(f"backbone_{n}" for n in PARAMS) + ("hidden", "out")
    assert change.trainable_params == 0
    assert model.trainable_weights == []

    # Counted across the nesting, in layer order: conv3, hidden, out.
    change = kst.unfreeze(model, last_n=3)
    assert change.changed == ("backbone_conv3", "hidden", "out")
    assert _trainable_names(model) == ["backbone_conv3", "hidden", "out"]
    assert change.trainable_params == PARAMS["conv3"] + (6 * 5 + 5) + (5 * 2 + 2)
    assert change.trainable_params == sum(
        int(np.prod(v.shape)) for v in model.trainable_weights
    )


def test_plain_functional_model():
    inputs = keras.Input((4,))
    x = keras.layers.Dense(3, name="a")(inputs)
    x = keras.layers.Dropout(0.1)(x)  # no weights: not counted
    x = keras.layers.Dense(3, name="b")(x)
    model = keras.Model(inputs, keras.layers.Dense(2, name="c")(x))
    kst.freeze(model)
    change = kst.unfreeze(model, last_n=2)
    assert change.changed == ("b", "c")
    assert (change.trainable_params, change.frozen_params) == (12 + 8, 15)


def test_keras_applications_model():
    model = keras.applications.MobileNetV3Small(
        input_shape=(32, 32, 3), include_top=False, weights=None
    )
    total = model.count_params()
    change = kst.freeze(model)
    assert (change.trainable_params, change.frozen_params) == (0, total)

    weighted = [layer for layer in model.layers if layer.weights]
    candidates = [
        layer
        for layer in weighted
        if not isinstance(layer, keras.layers.BatchNormalization)
    ]
    change = kst.unfreeze(model, last_n=4)
    expected = candidates[-4:]
    assert change.changed == tuple(layer.name for layer in expected)
    assert [layer.name for layer in weighted if layer.trainable] == list(change.changed)
    assert change.trainable_params == sum(layer.count_params() for layer in expected)
    assert change.trainable_params + change.frozen_params == total
    assert change.trainable_params == sum(
        int(np.prod(v.shape)) for v in model.trainable_weights
    )
    assert not any(
        layer.trainable
        for layer in model.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    )


def test_order_is_stable_across_save_and_load(backbone, tmp_path):
    path = tmp_path / "backbone.keras"
    backbone.save(path)
    loaded = keras.saving.load_model(path)
    for model in (backbone, loaded):
        kst.freeze(model)
    assert (
        kst.unfreeze(backbone, fraction=0.5).changed
        == kst.unfreeze(loaded, fraction=0.5).changed
    )


def test_freeze_after_unfreeze_through_a_wrapper(make_classifier):
    # build_classifier freezes the backbone and wraps it in InferenceMode: the
    # wrapper stays trainable while the model inside is frozen. Keras' TF
    # backend skips `trainable = False` on a layer already False, so freeze
    # must reach the unfrozen layers one by one.
    model = make_classifier(compile=False)
    wrapper = model.get_layer("backbone")
    kst.unfreeze(wrapper)
    assert len(model.trainable_weights) == 2 * 3 + 2
    change = kst.freeze(wrapper)
    assert change.changed == tuple(CONVS)
    assert [v.path for v in model.trainable_weights] == ["head/kernel", "head/bias"]
    kst.unfreeze(wrapper.layer, last_n=1)
    kst.freeze(wrapper.layer)
    assert [v.path for v in model.trainable_weights] == ["head/kernel", "head/bias"]
