import json
import os

import _export_models
import keras
import numpy as np
import pytest

from keras_smalldata.export import export_for_serving, verify_export
from keras_smalldata.export.verify_export import _run_worker


def test_classifier_matches_predict_in_a_tensorflow_only_process(
    augmenting_classifier, tmp_path
):
    # Each verify_export starts a process that imports TensorFlow (seconds),
    # so the model kinds are checked in-process by test_export_for_serving.py;
    # here the classifier holding our layers and Keras' augmentation layers,
    # and below the uint8 model (single input), the tabular model (mismatch,
    # dict inputs) and a two-output model.
    model, x = augmenting_classifier
    path = export_for_serving(model, tmp_path)
    max_diff = verify_export(path, x, expected=model.predict(x, verbose=0))
    assert 0.0 <= max_diff <= 1e-5


def test_worker_process_cannot_import_keras_smalldata(tmp_path):
    model, x = _export_models.uint8_images()
    path = export_for_serving(model, tmp_path / "model")
    workdir = tmp_path / "work"
    workdir.mkdir()
    (workdir / "inputs.json").write_text(json.dumps({"names": ["pixels"]}))
    np.savez(workdir / "inputs.npz", input_0=x)

    report, (first, second) = _run_worker(path, str(workdir))

    # The process that ran the model could import neither this package nor
    # Keras, and never loaded them: the SavedModel runs on TensorFlow alone.
    blocked = report["blocked"]
    assert blocked["keras_smalldata"].startswith("ModuleNotFoundError")
    assert blocked["keras"].startswith("ModuleNotFoundError")
    assert report["loaded"] == []
    assert report["output_names"] == ["output_0"]
    np.testing.assert_array_equal(first["output_0"], second["output_0"])
    np.testing.assert_allclose(
        first["output_0"], model.predict(x, verbose=0), atol=1e-5
    )


def test_mismatch_raises_with_max_difference_and_atol(tmp_path):
    model, x = _export_models.tabular()
    path = export_for_serving(model, tmp_path)
    wrong = model.predict(x, verbose=0) + 0.5
    # "up to 0.5" exactly: the served outputs equal model.predict to ~1e-7.
    with pytest.raises(
        AssertionError, match=r"'output_0' .* differs from `expected` by up to 0\.5"
    ):
        verify_export(path, x, expected=wrong, atol=1e-5)


def test_plain_model_export_fails_verification(augmenting_classifier, tmp_path):
    model, x = augmenting_classifier
    model.export(str(tmp_path), verbose=False)
    with pytest.raises(AssertionError, match="not deterministic.*atol=1e-05"):
        verify_export(str(tmp_path), x)


def _two_outputs(tmp_path):
    inputs = keras.Input((3,), name="features")
    hidden = keras.layers.Dense(4)(keras.layers.GaussianNoise(1.0)(inputs))
    model = keras.Model(
        inputs, [keras.layers.Dense(2)(hidden), keras.layers.Dense(1)(hidden)]
    )
    return model, export_for_serving(model, tmp_path)


def test_multi_output_model_with_list_expected(tmp_path):
    model, path = _two_outputs(tmp_path)
    x = np.random.default_rng(0).normal(size=(3, 3))  # float64: cast to float32
    expected = model.predict(x, verbose=0)  # [output_0, output_1]
    assert verify_export(path, {"features": x}, expected=expected) <= 1e-5


@pytest.mark.parametrize(
    "inputs, expected, match",
    [
        (np.zeros((2, 3)), [np.zeros((2, 2))], "one array per output"),
        (np.zeros((2, 3)), np.zeros((2, 2)), "several outputs"),
        (np.zeros((2, 3)), {"output_0": np.zeros((2, 2))}, "output names"),
        ({"x": np.zeros((2, 3))}, None, r"keys \['features'\].*keys \['x'\]"),
        (np.zeros((2, 4)), None, r"shape \(None, 3\).*shape=\(2, 4\)"),
        (np.zeros((2, 3), "complex64"), None, "castable to float32"),
    ],
)
def test_inputs_and_expected_must_fit_the_signature(tmp_path, inputs, expected, match):
    # Checked from saved_model.pb, before any process starts.
    _, path = _two_outputs(tmp_path)
    with pytest.raises(ValueError, match=match):
        verify_export(path, inputs, expected=expected)


def test_dict_inputs_need_every_input(tmp_path):
    model, x = _export_models.tabular()
    path = export_for_serving(model, tmp_path)
    with pytest.raises(ValueError, match=r"keys \['category', 'numeric'\]"):
        verify_export(path, {"numeric": x["numeric"], "cat": x["category"]})
    with pytest.raises(ValueError, match="must be a dict"):
        verify_export(path, [x["numeric"], x["category"]])


def test_path_must_be_a_saved_model(tmp_path):
    export_for_serving(_export_models.generator()[0], tmp_path)
    with pytest.raises(ValueError, match="not its parent .*Received: path="):
        verify_export(tmp_path, np.zeros((1, 4)))
    with pytest.raises(TypeError, match="Received: path=None"):
        verify_export(None, np.zeros((1, 4)))


def test_saved_model_that_does_not_load_raises_runtime_error(tmp_path):
    model, x = _export_models.generator()
    path = export_for_serving(model, tmp_path)
    for name in os.listdir(os.path.join(path, "variables")):
        os.remove(os.path.join(path, "variables", name))
    with pytest.raises(RuntimeError, match="TensorFlow-only process failed"):
        verify_export(path, x)


def _truncate(path):
    name = os.path.join(path, "saved_model.pb")
    with open(name, "rb") as file:
        data = file.read()
    with open(name, "wb") as file:
        file.write(data[: len(data) // 2])


def _empty(path):
    open(os.path.join(path, "saved_model.pb"), "wb").close()


def _garbage_pbtxt(path):
    os.remove(os.path.join(path, "saved_model.pb"))
    with open(os.path.join(path, "saved_model.pbtxt"), "wb") as file:
        file.write(b"\xff\xfe meta_graphs {")


@pytest.mark.parametrize(
    "corrupt, file",
    [
        (_truncate, "saved_model.pb is corrupt, truncated"),
        (_empty, "saved_model.pb holds no meta graph"),
        (_garbage_pbtxt, "saved_model.pbtxt is corrupt, truncated"),
    ],
)
def test_corrupt_saved_model_raises_runtime_error_naming_the_path(
    tmp_path, corrupt, file
):
    # Raised before the separate process starts, as the docstring promises.
    path = export_for_serving(_export_models.generator()[0], tmp_path)
    corrupt(path)
    with pytest.raises(RuntimeError, match=rf"SavedModel at '{path}'.*{file}"):
        verify_export(path, np.zeros((1, 4)))


@pytest.mark.parametrize("atol", [-1.0, "1e-5", None, True])
def test_atol_must_be_a_non_negative_number(tmp_path, atol):
    path = export_for_serving(_export_models.generator()[0], tmp_path)
    with pytest.raises(ValueError, match="Received: atol="):
        verify_export(path, np.zeros((1, 4)), atol=atol)
