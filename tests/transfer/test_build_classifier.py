import keras
import numpy as np
import pytest

import keras_smalldata.layers as ksl
import keras_smalldata.transfer as kst

SHAPE = (32, 32, 3)


@pytest.fixture
def images():
    return np.random.default_rng(0).uniform(0, 255, (4, *SHAPE)).astype("float32")


def _features(model):
    return keras.Model(model.input, model.get_layer("pooling").output)


def test_named_backbone_loads_a_local_weights_file(tmp_path, images):
    reference = keras.applications.MobileNetV2(
        include_top=False, weights=None, input_shape=SHAPE
    )
    for variable in reference.weights:  # away from any initial value
        variable.assign(variable + 0.01)
    path = tmp_path / "mobilenet_v2.weights.h5"
    reference.save_weights(path)

    model = kst.build_classifier("MobileNetV2", 4, input_shape=SHAPE, weights=path)
    assert model.output_shape == (None, 4)
    assert model.get_layer("preprocessing").module == "mobilenet_v2"
    # Same features as the reference on the family's own preprocessing.
    expected = keras.layers.GlobalAveragePooling2D()(
        reference(keras.applications.mobilenet_v2.preprocess_input(images.copy()))
    )
    np.testing.assert_allclose(_features(model)(images), expected, rtol=1e-4, atol=1e-5)
    # Frozen: only the head trains.
    assert [v.path for v in model.trainable_weights] == ["head/kernel", "head/bias"]


def test_model_backbone(make_backbone, images):
    backbone = make_backbone()
    model = kst.build_classifier(backbone, 3, dropout=0.5, pooling="max")
    assert model.input_shape == (None, 8, 8, 1)
    assert [layer.name for layer in model.layers] == [
        "images",
        "backbone",
        "pooling",
        "head_dropout",
        "head",
    ]
    assert isinstance(model.get_layer("backbone"), kst.InferenceMode)
    assert isinstance(model.get_layer("pooling"), keras.layers.GlobalMaxPooling2D)
    assert model.get_layer("head").activation is keras.activations.softmax
    assert not backbone.trainable
    x = images[:, :8, :8, :1] / 255
    np.testing.assert_allclose(
        _features(model)(x), np.max(backbone(x), axis=(1, 2)), rtol=1e-6
    )
    probabilities = np.asarray(model(x))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)


def test_model_backbone_loads_a_local_weights_file(make_backbone, tmp_path, images):
    reference, backbone = make_backbone(), make_backbone()
    path = tmp_path / "backbone.weights.h5"
    reference.save_weights(path)
    model = kst.build_classifier(backbone, 3, weights=path)
    x = images[:, :8, :8, :1] / 255
    np.testing.assert_allclose(
        _features(model)(x), np.mean(reference(x), axis=(1, 2)), rtol=1e-6
    )


def test_model_backbone_keeps_its_weights_for_imagenet_and_none(make_backbone):
    backbone = make_backbone()
    kernel = backbone.get_layer("backbone_conv1").kernel.numpy().copy()
    for weights in ("imagenet", None):
        kst.build_classifier(backbone, 3, weights=weights)
    np.testing.assert_array_equal(backbone.get_layer("backbone_conv1").kernel, kernel)


def test_augmentation_comes_first_and_only_in_training(make_backbone, images):
    flip = ksl.RandomResizedCrop(8, 8, scale=(0.5, 1.0), seed=0)
    model = kst.build_classifier(make_backbone(), 3, augmentation=[flip], dropout=0)
    assert [layer.name for layer in model.layers][:3] == [
        "images",
        flip.name,
        "backbone",
    ]
    x = images[:, :8, :8, :1] / 255
    np.testing.assert_allclose(model(x), model(x), rtol=1e-6)
    assert not np.allclose(model(x, training=True), model(x, training=False))


def test_sequence_features_are_pooled():
    inputs = keras.Input((5, 3))
    backbone = keras.Model(inputs, keras.layers.Dense(4)(inputs))
    model = kst.build_classifier(backbone, 2, dropout=0)
    assert isinstance(model.get_layer("pooling"), keras.layers.GlobalAveragePooling1D)
    assert model.output_shape == (None, 2)


def test_vector_features_go_straight_to_the_head():
    inputs = keras.Input((6,))
    backbone = keras.Model(inputs, keras.layers.Dense(4)(inputs))
    model = kst.build_classifier(backbone, 2, dropout=0)
    assert [layer.name for layer in model.layers] == ["images", "backbone", "head"]


def test_without_inference_mode(make_backbone):
    model = kst.build_classifier(make_backbone(), 3, inference_mode=False)
    assert not any(isinstance(x, kst.InferenceMode) for x in model.layers)
    assert isinstance(model.get_layer("backbone"), keras.Model)


def test_save_and_load_with_safe_mode(tmp_path, images):
    model = kst.build_classifier("MobileNetV3Small", 3, input_shape=SHAPE, weights=None)
    path = tmp_path / "classifier.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(loaded(images), model(images))
    assert isinstance(loaded.get_layer("backbone"), kst.InferenceMode)


def test_application_preprocessing_saves_with_safe_mode(tmp_path, images):
    inputs = keras.Input(SHAPE)
    x = kst.ApplicationPreprocessing("mobilenet_v2", name="preprocessing")(inputs)
    model = keras.Model(inputs, keras.layers.Conv2D(2, 3)(x))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded.get_layer("preprocessing"), kst.ApplicationPreprocessing)
    np.testing.assert_array_equal(loaded(images), model(images))


@pytest.mark.parametrize("num_classes", [1, 0, 2.0, True, "3"])
def test_bad_num_classes(make_backbone, num_classes):
    with pytest.raises(ValueError, match=f"Received: num_classes={num_classes!r}"):
        kst.build_classifier(make_backbone(), num_classes)


@pytest.mark.parametrize("pooling", ["sum", None, "AVG"])
def test_bad_pooling(make_backbone, pooling):
    with pytest.raises(ValueError, match=f"Received: pooling={pooling!r}"):
        kst.build_classifier(make_backbone(), 3, pooling=pooling)


@pytest.mark.parametrize("dropout", [1, 1.0, -0.1, "0.2", None])
def test_bad_dropout(make_backbone, dropout):
    with pytest.raises(ValueError, match=rf"\[0, 1\). Received: dropout={dropout!r}"):
        kst.build_classifier(make_backbone(), 3, dropout=dropout)


def test_unknown_application_name():
    with pytest.raises(ValueError, match="Received: backbone='ResNet9000'") as error:
        kst.build_classifier("ResNet9000", 3, weights=None)
    assert "MobileNetV3Small" in str(error.value)


def test_backbone_of_the_wrong_type():
    with pytest.raises(TypeError, match="Received: backbone of type int"):
        kst.build_classifier(42, 3, weights=None)


@pytest.mark.parametrize("backbone", ["MobileNetV3Small", "model"])
def test_missing_weights_file(make_backbone, tmp_path, backbone):
    if backbone == "model":
        backbone = make_backbone()
    missing = tmp_path / "missing.weights.h5"
    with pytest.raises(ValueError, match="existing weights file. Received: weights="):
        kst.build_classifier(backbone, 3, input_shape=SHAPE, weights=str(missing))


def test_offline_imagenet_names_the_cache(monkeypatch, tmp_path):
    def offline(**kwargs):
        assert kwargs["weights"] == "imagenet"
        raise Exception("URL fetch failure: [Errno -3] Temporary failure in name")

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(keras.applications, "MobileNetV3Small", offline)
    with pytest.raises(OSError) as error:
        kst.build_classifier("MobileNetV3Small", 3, input_shape=SHAPE)
    message = str(error.value)
    assert str(tmp_path / "models") in message
    assert "weights='path/to/file.h5'" in message
    assert "URL fetch failure" in message
    assert isinstance(error.value.__cause__, Exception)


def test_application_preprocessing_layer():
    layer = kst.ApplicationPreprocessing("resnet50")
    x = np.full((1, 2, 2, 3), 255.0, "float32")
    np.testing.assert_allclose(
        layer(x), keras.applications.resnet50.preprocess_input(x.copy()), rtol=1e-6
    )
    restored = kst.ApplicationPreprocessing.from_config(layer.get_config())
    assert restored.get_config() == layer.get_config()
    with pytest.raises(ValueError, match="Received: module='resnet9000'"):
        kst.ApplicationPreprocessing("resnet9000")


def test_other_imagenet_errors_are_not_reported_as_offline():
    with pytest.raises(ValueError, match="at least 32x32"):
        kst.build_classifier("MobileNetV2", 3, input_shape=(8, 8, 3))
