import json

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_smalldata.transfer as kst


def _wrapped_classifier(backbone):
    inputs = keras.Input(backbone.input_shape[1:])
    features = kst.InferenceMode(backbone, name="wrapper")(inputs)
    pooled = keras.layers.GlobalAveragePooling2D()(features)
    outputs = keras.layers.Dense(3, activation="softmax", name="head")(pooled)
    return keras.Model(inputs, outputs)


def test_trainable_batchnorm_keeps_its_statistics_but_weights_train(
    backbone, data, take_snapshot
):
    model = _wrapped_classifier(backbone)  # every layer trainable, BatchNorm too
    model.compile("adam", "sparse_categorical_crossentropy", jit_compile=False)
    before = take_snapshot(backbone)
    model.fit(*data, epochs=1, batch_size=8, verbose=0)
    after = take_snapshot(backbone)
    changed = {path for path in before if not np.array_equal(before[path], after[path])}
    statistics = {p for p in before if "moving_" in p}
    assert statistics and not changed & statistics
    assert changed == set(before) - statistics  # kernels, biases, gamma, beta


def test_dropout_is_off_even_when_training():
    inner = keras.Sequential([keras.Input((16,)), keras.layers.Dropout(0.9)])
    inputs = keras.Input((16,))
    model = keras.Model(inputs, kst.InferenceMode(inner)(inputs))
    x = np.ones((4, 16), "float32")
    np.testing.assert_array_equal(model(x, training=True), x)
    # Without the wrapper the dropout is applied.
    assert not np.array_equal(inner(x, training=True), x)


def test_output_equals_the_wrapped_layer(backbone, data):
    x = data[0][:4]
    layer = kst.InferenceMode(backbone)
    np.testing.assert_allclose(layer(x), backbone(x, training=False), rtol=1e-6)
    assert layer.compute_output_shape((None, 8, 8, 1)) == (None, 8, 8, 6)


def test_config_round_trip(backbone):
    layer = kst.InferenceMode(backbone, name="wrapper")
    config = layer.get_config()
    expected = json.dumps(config, sort_keys=True)
    restored = kst.InferenceMode.from_config(config)
    assert json.dumps(restored.get_config(), sort_keys=True) == expected
    assert json.dumps(config, sort_keys=True) == expected  # left as it was
    assert restored.layer is not backbone
    assert [x.name for x in restored.layer.layers] == [x.name for x in backbone.layers]


def test_save_and_load(backbone, data, tmp_path):
    model = _wrapped_classifier(backbone)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded.get_layer("wrapper"), kst.InferenceMode)
    x = data[0][:8]
    np.testing.assert_array_equal(loaded(x), model(x))


def test_works_in_tf_data(backbone, data):
    layer = kst.InferenceMode(backbone)
    x = data[0][:4]
    dataset = tf.data.Dataset.from_tensor_slices(x).batch(4).map(layer)
    np.testing.assert_allclose(next(iter(dataset)), layer(x), rtol=1e-6)


def test_not_a_layer():
    with pytest.raises(TypeError, match="Received: layer of type function"):
        kst.InferenceMode(lambda x: x)
