import os
import shutil
import subprocess
import sys

import _export_models
import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_smalldata.export import export_for_serving


def _serve(path_or_function, inputs):
    """Calls `serving_default` like TF Serving does: by input name."""
    function = path_or_function
    if isinstance(function, str):
        function = tf.saved_model.load(function).signatures["serving_default"]
    specs = function.structured_input_signature[1]
    if not isinstance(inputs, dict):
        (name,) = specs
        inputs = {name: inputs}
    outputs = function(**{name: tf.constant(v) for name, v in inputs.items()})
    return outputs["output_0"].numpy()


def _load(path):
    return tf.saved_model.load(path).signatures["serving_default"]


def _tiny_dense():
    inputs = keras.Input((3,), name="features")
    return keras.Model(inputs, keras.layers.Dense(2)(inputs))


def test_endpoint_is_deterministic_and_equals_predict(model_and_inputs, tmp_path):
    model, x = model_and_inputs
    loaded = tf.saved_model.load(export_for_serving(model, tmp_path / "model"))

    for name in ("serving_default", "serve"):
        served = loaded.signatures[name]
        specs = served.structured_input_signature[1]
        assert {key: spec.dtype.name for key, spec in specs.items()} == {
            tensor.name: tensor.dtype for tensor in model.inputs
        }
        assert all(spec.shape[0] is None for spec in specs.values())
        first, second = _serve(served, x), _serve(served, x)
        np.testing.assert_array_equal(first, second)
        np.testing.assert_allclose(first, model.predict(x, verbose=0), atol=1e-5)


def test_classifier_holds_our_layers_when_they_exist():
    # Our layers are only added to the classifier once keras_smalldata.layers
    # has them; this shows in the test log which case ran.
    names = {type(layer).__name__ for layer in _export_models.our_image_layers()}
    layers = pytest.importorskip("keras_smalldata.layers")
    expected = {"TrivialAugment", "RandomGaussianNoise"} & set(dir(layers))
    assert names == expected


def test_plain_model_export_keeps_augmenting(augmenting_classifier, tmp_path):
    # The problem export_for_serving fixes: `model.export` traces the model
    # without training=False, so the served model augments every request.
    model, x = augmenting_classifier
    model.export(str(tmp_path / "plain"), verbose=False)

    plain = _load(str(tmp_path / "plain"))
    first, second = _serve(plain, x), _serve(plain, x)
    assert np.abs(first - second).max() > 1e-3
    assert np.abs(first - model.predict(x, verbose=0)).max() > 1e-3

    fixed = _load(export_for_serving(model, tmp_path / "fixed"))
    first, second = _serve(fixed, x), _serve(fixed, x)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first, model.predict(x, verbose=0), atol=1e-5)


def test_uint8_input_takes_client_pixels(tmp_path):
    model, x = _export_models.uint8_images()
    path = export_for_serving(model, tmp_path)
    specs = tf.saved_model.load(path).signatures["serving_default"]
    assert specs.structured_input_signature[1]["pixels"].dtype == tf.uint8
    with pytest.raises((TypeError, ValueError, tf.errors.InvalidArgumentError)):
        _serve(path, x.astype("float32"))
    np.testing.assert_allclose(_serve(path, x), model.predict(x, verbose=0), 1e-5)


def test_version_defaults_to_one_past_the_largest(tmp_path):
    model = _tiny_dense()
    assert export_for_serving(model, tmp_path / "m") == str(tmp_path / "m" / "1")
    assert export_for_serving(model, tmp_path / "m") == str(tmp_path / "m" / "2")
    (tmp_path / "m" / "7").mkdir()
    (tmp_path / "m" / "99").write_text("a file, not a version")
    (tmp_path / "m" / "backup").mkdir()
    assert export_for_serving(model, tmp_path / "m") == str(tmp_path / "m" / "8")
    assert export_for_serving(model, tmp_path / "m", version=5).endswith("5")
    assert sorted(os.listdir(tmp_path / "m")) == [
        "1",
        "2",
        "5",
        "7",
        "8",
        "99",
        "backup",
    ]


def test_existing_version_raises_and_is_left_intact(tmp_path):
    model = _tiny_dense()
    path = export_for_serving(model, tmp_path, version=3)
    before = {
        name: os.path.getmtime(os.path.join(path, name)) for name in os.listdir(path)
    }
    (tmp_path / "3" / "note.txt").write_text("keep me")

    with pytest.raises(ValueError, match=r"Existing versions: \[3\].*version=3"):
        export_for_serving(model, tmp_path, version=3)

    assert (tmp_path / "3" / "note.txt").read_text() == "keep me"
    for name, mtime in before.items():
        assert os.path.getmtime(os.path.join(path, name)) == mtime
    assert sorted(os.listdir(tmp_path)) == ["3"]
    np.testing.assert_allclose(
        _serve(path, np.ones((1, 3), "float32")),
        model.predict(np.ones((1, 3)), verbose=0),
        atol=1e-5,
    )


@pytest.mark.parametrize("folder", ["0010", "010"])
def test_existing_version_spelled_with_leading_zeros_raises(tmp_path, folder):
    # TF Serving, like the version listing, reads `0010` as version 10: a `10`
    # beside it would be a second version 10.
    (tmp_path / folder).mkdir()
    (tmp_path / folder / "note.txt").write_text("keep me")
    with pytest.raises(
        ValueError, match=rf"already exists .*\(as {folder}\).*Received: version=10"
    ):
        export_for_serving(_tiny_dense(), tmp_path, version=10)
    assert sorted(os.listdir(tmp_path)) == [folder]
    assert (tmp_path / folder / "note.txt").read_text() == "keep me"


def test_export_dir_that_is_a_file_raises_and_is_left_intact(tmp_path):
    target = tmp_path / "model"
    target.write_text("not a directory")
    with pytest.raises(ValueError, match="Received: export_dir="):
        export_for_serving(_tiny_dense(), target)
    assert target.read_text() == "not a directory"


def test_failed_export_leaves_no_version_behind(tmp_path, monkeypatch):
    model, x = _tiny_dense(), np.ones((2, 3), "float32")
    export_for_serving(model, tmp_path)
    from keras_smalldata.export import _warmup

    def fail(*args, **kwargs):
        raise OSError("disk full")

    # Fails after the SavedModel is written, while the warmup file is.
    monkeypatch.setattr(_warmup, "write_warmup_records", fail)
    with pytest.raises(OSError, match="disk full"):
        export_for_serving(model, tmp_path, warmup_inputs=x)
    assert os.listdir(tmp_path) == ["1"]

    with pytest.raises(OSError, match="disk full"):
        export_for_serving(model, tmp_path / "new", warmup_inputs=x)
    assert not (tmp_path / "new").exists()


def test_version_dir_is_readable_by_others(tmp_path):
    path = export_for_serving(_tiny_dense(), tmp_path)
    old = os.umask(0o022)
    os.umask(old)
    assert os.stat(path).st_mode & 0o777 == 0o777 & ~old


def test_warmup_file_parses_as_prediction_log(tmp_path):
    from tensorflow_serving.apis import prediction_log_pb2

    model, x = _export_models.tabular()
    x = {"numeric": x["numeric"][:2].astype("float64"), "category": [[0], [2]]}
    path = export_for_serving(model, tmp_path / "rates", warmup_inputs=x)

    warmup = os.path.join(path, "assets.extra", "tf_serving_warmup_requests")
    records = list(tf.data.TFRecordDataset(warmup).as_numpy_iterator())
    assert len(records) == 1
    log = prediction_log_pb2.PredictionLog.FromString(records[0])
    request = log.predict_log.request
    assert request.model_spec.name == "rates"
    assert request.model_spec.signature_name == "serving_default"
    assert set(request.inputs) == {"numeric", "category"}
    numeric = tf.make_ndarray(request.inputs["numeric"])
    assert numeric.dtype == np.float32
    np.testing.assert_allclose(numeric, x["numeric"], rtol=1e-6)
    category = tf.make_ndarray(request.inputs["category"])
    assert category.dtype == np.int32
    np.testing.assert_array_equal(category, [[0], [2]])
    # The request runs on the exported signature.
    outputs = tf.saved_model.load(path).signatures["serving_default"](
        numeric=tf.constant(numeric), category=tf.constant(category)
    )
    assert outputs["output_0"].shape == (2, 1)


def test_warmup_without_serving_extra_raises_import_error(tmp_path, monkeypatch):
    for name in [
        "tensorflow_serving",
        "tensorflow_serving.apis",
        "tensorflow_serving.apis.predict_pb2",
        "tensorflow_serving.apis.prediction_log_pb2",
    ]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r'pip install "keras-smalldata\[serving\]"'):
        export_for_serving(_tiny_dense(), tmp_path / "m", warmup_inputs=np.ones((1, 3)))
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(
    "warmup_inputs, match",
    [
        (np.ones((2, 4)), r"must have shape \(None, 3\).*shape=\(2, 4\)"),
        (np.ones((0, 3)), "non-empty batch"),
        (np.ones(3), r"shape=\(3,\)"),
        ({"features": np.ones((1, 3))}, "one array for the single model input"),
        (np.array([["a", "b", "c"]]), "castable to float32"),
    ],
)
def test_warmup_inputs_must_match_the_signature(tmp_path, warmup_inputs, match):
    with pytest.raises(ValueError, match=match):
        export_for_serving(_tiny_dense(), tmp_path / "m", warmup_inputs=warmup_inputs)
    assert not (tmp_path / "m").exists()


def test_dict_warmup_inputs_must_match_keys_and_batch(tmp_path):
    model, x = _export_models.tabular()
    with pytest.raises(ValueError, match=r"keys \['category', 'numeric'\]"):
        export_for_serving(model, tmp_path, warmup_inputs={"numeric": x["numeric"]})
    with pytest.raises(ValueError, match="same number of samples"):
        export_for_serving(
            model,
            tmp_path,
            warmup_inputs={"numeric": x["numeric"], "category": x["category"][:2]},
        )
    with pytest.raises(ValueError, match="castable to int32"):
        export_for_serving(
            model,
            tmp_path,
            warmup_inputs={**x, "category": x["category"].astype("float32")},
        )


def test_uint8_warmup_inputs_are_not_silently_truncated(tmp_path):
    model, x = _export_models.uint8_images()
    with pytest.raises(ValueError, match="castable to uint8.*dtype=float32"):
        export_for_serving(model, tmp_path, warmup_inputs=x.astype("float32") / 255)


@pytest.mark.parametrize("version", [0, -1, 1.0, "2", True])
def test_version_must_be_a_positive_int(tmp_path, version):
    with pytest.raises(ValueError, match="Received: version="):
        export_for_serving(_tiny_dense(), tmp_path, version=version)
    assert os.listdir(tmp_path) == []


def test_model_must_be_a_keras_model(tmp_path):
    with pytest.raises(TypeError, match="Received: model="):
        export_for_serving(lambda x: x, tmp_path)


def test_model_must_be_built(tmp_path):
    model = keras.Sequential([keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="model.built=False"):
        export_for_serving(model, tmp_path)


def test_export_dir_must_be_a_path():
    with pytest.raises(TypeError, match="Received: export_dir=3"):
        export_for_serving(_tiny_dense(), 3)


def test_sequential_model(tmp_path):
    model = keras.Sequential([keras.layers.Dropout(0.9), keras.layers.Dense(2)])
    model.build((None, 3))
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    path = export_for_serving(model, tmp_path)
    np.testing.assert_allclose(_serve(path, x), model.predict(x, verbose=0), 1e-5)


class FlipThenDense(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.flip = keras.layers.RandomFlip()
        self.dense = keras.layers.Dense(2)

    def call(self, inputs, training=None):
        x = self.flip(inputs, training=training)
        return self.dense(keras.layers.Flatten()(x))


def test_subclassed_model_needs_and_takes_an_input_signature(tmp_path):
    model = FlipThenDense()
    x = np.random.default_rng(0).normal(size=(2, 4, 4, 1)).astype("float32")
    model(x)
    with pytest.raises(ValueError, match="input_signature=.*Received: model="):
        export_for_serving(model, tmp_path)

    spec = tf.TensorSpec((None, 4, 4, 1), tf.float32, name="grid")
    path = export_for_serving(model, tmp_path, input_signature=spec)
    specs = tf.saved_model.load(path).signatures["serving_default"]
    assert list(specs.structured_input_signature[1]) == ["grid"]
    served = _load(path)
    first, second = _serve(served, x), _serve(served, x)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first, model.predict(x, verbose=0), atol=1e-5)


def test_unnamed_input_signature_entries_get_their_dict_key(tmp_path):
    model, x = _export_models.tabular()
    signature = {
        "numeric": keras.InputSpec(shape=(None, 4), dtype="float32"),
        "category": tf.TensorSpec((None, 1), tf.int32),
    }
    path = export_for_serving(model, tmp_path, input_signature=signature)
    specs = tf.saved_model.load(path).signatures["serving_default"]
    assert set(specs.structured_input_signature[1]) == {"numeric", "category"}
    np.testing.assert_allclose(_serve(path, x), model.predict(x, verbose=0), 1e-5)


@pytest.mark.parametrize(
    "input_signature, error, match",
    [
        ([(None, 3)], TypeError, r"Received: \(None, 3\)"),
        (keras.InputSpec(ndim=2), ValueError, "needs a shape and a dtype"),
        (
            [tf.TensorSpec((None, 3), name="x"), tf.TensorSpec((None, 3), name="x")],
            ValueError,
            r"unique.*Received input names: \['x', 'x'\]",
        ),
        ([], ValueError, r"at least one input. Received: input_signature=\[\]"),
    ],
)
def test_input_signature_must_be_named_specs(tmp_path, input_signature, error, match):
    with pytest.raises(error, match=match):
        export_for_serving(_tiny_dense(), tmp_path, input_signature=input_signature)
    assert os.listdir(tmp_path) == []


def test_saved_model_cli_lists_serving_default_with_input_names(tmp_path):
    model, _ = _export_models.tabular()
    path = export_for_serving(model, tmp_path)
    cli = shutil.which("saved_model_cli", path=os.path.dirname(sys.executable))
    command = (
        [cli]
        if cli
        else [sys.executable, "-m", "tensorflow.python.tools.saved_model_cli"]
    )
    result = subprocess.run(
        command + ["show", "--dir", path, "--all"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    shown = result.stdout
    assert "signature_def['serving_default']" in shown
    assert "signature_def['serve']" in shown
    default = shown.split("signature_def['serving_default']")[1]
    assert "inputs['numeric'] tensor_info:" in default
    assert "inputs['category'] tensor_info:" in default
    assert "dtype: DT_INT32" in default
    assert "outputs['output_0'] tensor_info:" in default


def test_vae_decoder_as_a_served_generator(tmp_path):
    models = pytest.importorskip("keras_smalldata.models")
    if not hasattr(models, "VAE"):
        pytest.skip("keras_smalldata.models.VAE has not landed yet")
    keras.utils.set_random_seed(0)
    vae = models.VAE.for_images(
        (8, 8, 1), latent_dim=4, num_classes=3, filters=(4,), hidden_units=8
    )
    # Serve images in data space: the conditional decoder (inputs [z, labels])
    # followed by the sigmoid of the bernoulli likelihood.
    z = keras.Input((4,), name="z")
    labels = keras.Input((3,), name="labels")
    images = keras.layers.Activation("sigmoid")(vae.decoder([z, labels]))
    generator = keras.Model([z, labels], images)
    z_batch = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    classes = np.array([0, 1, 2, 0, 1])
    one_hot = np.eye(3, dtype="float32")[classes]

    path = export_for_serving(generator, tmp_path, warmup_inputs=[z_batch, one_hot])
    served = _load(path)
    assert set(served.structured_input_signature[1]) == {"z", "labels"}
    inputs = {"z": z_batch, "labels": one_hot}
    first, second = _serve(served, inputs), _serve(served, inputs)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first, vae.decode(z_batch, labels=classes), atol=1e-5)
    assert os.path.exists(
        os.path.join(path, "assets.extra", "tf_serving_warmup_requests")
    )
