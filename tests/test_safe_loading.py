"""Every saved object of ours loads with `safe_mode=True` (issue #9).

And a `.keras` file whose config holds an argument this version does not know
(as a newer keras-smalldata might write) fails with an error that says so.
"""

import json
import os
import subprocess
import sys
import zipfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from _layer_cases import BY_NAME, CASES  # noqa: E402

from keras_smalldata import layers  # noqa: E402
from keras_smalldata._config import accepted_arguments, check_config  # noqa: E402
from keras_smalldata._optimizer_state import state_by_key  # noqa: E402
from keras_smalldata.callbacks import GradualUnfreezing  # noqa: E402
from keras_smalldata.models import (  # noqa: E402
    VAE,
    SemiSupervised,
    TestTimeAugmentation,
)
from keras_smalldata.transfer import (  # noqa: E402
    ApplicationPreprocessing,
    DiscriminativeOptimizer,
    InferenceMode,
    build_classifier,
    discriminative_optimizer,
    fine_tune,
    freeze,
    unfreeze,
)

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(0, 1, (4, 8, 8, 3)).astype("float32")
ROWS = RNG.normal(size=(6, 5)).astype("float32")
UNKNOWN = "option_from_the_future"


def _layer_model(name):
    """A small model around layer `name` of the registry the layer contract uses."""
    case = BY_NAME[name]
    inputs = case.data(np.random.default_rng(0))
    model = keras.Sequential(
        [
            keras.Input(inputs.shape[1:]),
            case.make(3),
            keras.layers.Flatten(),
            keras.layers.Dense(2),
        ]
    )
    return model, inputs


def _save_and_load(model, tmp_path):
    path = tmp_path / "model.keras"
    model.save(path)
    return keras.saving.load_model(path, safe_mode=True)


def _predict(model, inputs):
    if isinstance(model, VAE):  # calling a VAE draws latents: use the mean
        x, labels = inputs if model.num_classes else (inputs, None)
        return model.reconstruct(x, labels)
    return keras.ops.convert_to_numpy(model(inputs))


def _predictions_equal(model, loaded, inputs):
    np.testing.assert_array_equal(_predict(loaded, inputs), _predict(model, inputs))


def _json(config):
    return json.loads(json.dumps(config))


# The layers' safe-mode round trip is part of the layer contract
# (tests/layers/test_layer_contract.py::test_keras_save_load_in_safe_mode).


# ------------------------------------------------------------- other objects


def _tabular_vae():
    keras.utils.set_random_seed(0)
    vae = VAE.for_tabular(5, latent_dim=2, hidden_units=(8,), seed=1)
    vae.compile(optimizer="adam")
    return vae, ROWS


def _image_cvae():
    keras.utils.set_random_seed(0)
    vae = VAE.for_images(
        (8, 8, 3), latent_dim=2, num_classes=3, filters=(4,), hidden_units=8, seed=1
    )
    vae.compile(optimizer="adam")
    return vae, (IMAGES, np.arange(4) % 3)


def _test_time_augmentation():
    classifier = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    augmentation = keras.Sequential(
        [
            layers.RandomResizedCrop(8, 8, scale=(0.5, 1.0), seed=1),
            layers.RandomGaussianNoise(0.1, value_range=(0, 1), seed=2),
        ]
    )
    model = TestTimeAugmentation(classifier, augmentation, num_views=3, seed=4)
    model(IMAGES)  # builds it
    return model, IMAGES


def _semi_supervised():
    classifier = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model = SemiSupervised(
        classifier, value_range=(0, 1), distribution_alignment=True, seed=4
    )
    model.compile(optimizer="adam")
    return model, IMAGES


def _inference_mode():
    backbone = keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(4),
            keras.layers.BatchNormalization(),
            keras.layers.Dropout(0.5),
        ],
        name="backbone",
    )
    inputs = keras.Input((5,))
    outputs = keras.layers.Dense(2)(InferenceMode(backbone)(inputs))
    return keras.Model(inputs, outputs), ROWS


def _application_preprocessing():
    inputs = keras.Input((8, 8, 3))
    x = ApplicationPreprocessing("resnet50")(inputs * 255.0)
    outputs = keras.layers.Dense(2)(keras.layers.Flatten()(x))
    return keras.Model(inputs, outputs), IMAGES


def _discriminative_optimizer():
    model = keras.Sequential(
        [keras.Input((5,))] + [keras.layers.Dense(n) for n in (4, 4, 2)]
    )
    model.compile(
        discriminative_optimizer(model, 1e-2, num_groups=2),
        "mse",
        jit_compile=False,
    )
    model.train_on_batch(ROWS, np.ones((6, 2), "float32"))
    return model, ROWS


def _scheduled_discriminative_optimizer():
    model = keras.Sequential(
        [keras.Input((5,))] + [keras.layers.Dense(n) for n in (4, 4, 2)]
    )
    warm_cosine = keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=20, warmup_target=1e-2, warmup_steps=2
    )
    model.compile(
        discriminative_optimizer(model, warm_cosine, num_groups=2),
        "mse",
        jit_compile=False,
    )
    for _ in range(3):  # past the warm-up: the rates are not zero
        model.train_on_batch(ROWS, np.ones((6, 2), "float32"))
    return model, ROWS


def _named_backbone_classifier():
    model = build_classifier(
        "MobileNetV3Small",
        num_classes=3,
        input_shape=(32, 32, 3),
        weights=None,
        augmentation=[
            layers.RandomResizedCrop(32, 32, seed=1),
            layers.TrivialAugment(seed=2),
        ],
    )
    images = np.random.default_rng(1).uniform(0, 255, (2, 32, 32, 3))
    return model, images.astype("float32")


def _model_backbone_classifier():
    backbone = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Conv2D(4, 3),
            keras.layers.BatchNormalization(),
        ],
        name="small_backbone",
    )
    model = build_classifier(
        backbone,
        num_classes=2,
        weights=None,
        augmentation=layers.RandomGaussianNoise(0.1, value_range=(0, 1), seed=1),
    )
    return model, IMAGES


# name -> (factory, class name in the config to add an unknown argument to).
OBJECTS = {
    "VAE": (_tabular_vae, "VAE"),
    "conditional VAE": (_image_cvae, "VAE"),
    "TestTimeAugmentation": (_test_time_augmentation, "TestTimeAugmentation"),
    "SemiSupervised": (_semi_supervised, "SemiSupervised"),
    "InferenceMode": (_inference_mode, "InferenceMode"),
    "ApplicationPreprocessing": (
        _application_preprocessing,
        "ApplicationPreprocessing",
    ),
    "DiscriminativeOptimizer": (_discriminative_optimizer, "DiscriminativeOptimizer"),
    "DiscriminativeOptimizer(schedule)": (
        _scheduled_discriminative_optimizer,
        "ScaledSchedule",
    ),
    "build_classifier(name)": (_named_backbone_classifier, "TrivialAugment"),
    "build_classifier(model)": (_model_backbone_classifier, "RandomGaussianNoise"),
}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Builds and saves each object once: name -> (model, inputs, path)."""
    cache = {}

    def get(name):
        if name not in cache:
            model, inputs = OBJECTS[name][0]()
            path = tmp_path_factory.mktemp("saved") / "model.keras"
            model.save(path)
            cache[name] = model, inputs, path
        return cache[name]

    return get


@pytest.mark.parametrize("name", list(OBJECTS))
def test_object_loads_in_safe_mode(name, saved):
    model, inputs, path = saved(name)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert type(loaded) is type(model)
    _predictions_equal(model, loaded, inputs)
    if isinstance(model, VAE):
        labels = None if model.num_classes is None else [0, 1, 2]
        np.testing.assert_array_equal(
            loaded.sample(3, labels=labels, seed=5),
            model.sample(3, labels=labels, seed=5),
        )
    if name.startswith("DiscriminativeOptimizer"):
        assert isinstance(loaded.optimizer, DiscriminativeOptimizer)
        assert loaded.optimizer.ratios == model.optimizer.ratios
        rates = [float(o.learning_rate) for o in model.optimizer.optimizers]
        assert rates[-1] > 0
        assert [float(o.learning_rate) for o in loaded.optimizer.optimizers] == rates
        # A schedule comes back a schedule, never a float.
        for optimizer in loaded.optimizer.optimizers:
            scheduled = isinstance(optimizer.get_config()["learning_rate"], dict)
            assert scheduled == (name == "DiscriminativeOptimizer(schedule)")
        # Its state came back: one more step moves both models alike.
        for each in (model, loaded):
            each.train_on_batch(ROWS, np.ones((6, 2), "float32"))
        _predictions_equal(model, loaded, inputs)


# ----------------------------- transfer models, resumed in a new process
#
# Variable paths are not stable across saving: a nested model's variables are
# `sequential/dense/kernel` when built and `dense/kernel` when loaded in a new
# process, where a subclassed backbone's auto-named layers may then share a
# path with another's. These models are loaded where nothing of the saving
# process remains, and go on training from their optimizer state.


@keras.saving.register_keras_serializable(package="keras_smalldata_tests")
class SubclassedBackbone(keras.Model):
    """Dense, BatchNorm, Dense, Dense: auto-named, in a subclassed model."""

    def __init__(self, units=6, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.blocks = [keras.layers.Dense(units, activation="relu") for _ in range(3)]
        self.norm = keras.layers.BatchNormalization()

    def call(self, inputs, training=None):
        x = self.norm(self.blocks[0](inputs), training=training)
        return self.blocks[2](self.blocks[1](x))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def _backbone_layers():
    return [
        keras.layers.Dense(6, activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.Dense(6, activation="relu"),
        keras.layers.Dense(6, activation="relu"),
    ]


def _functional_backbone():
    inputs = x = keras.Input((5,))
    for layer in _backbone_layers():
        x = layer(x)
    return keras.Model(inputs, x)


BACKBONES = {
    "Sequential": lambda: keras.Sequential([keras.Input((5,)), *_backbone_layers()]),
    "functional": _functional_backbone,
    "subclassed": SubclassedBackbone,
}
TARGETS = RNG.normal(size=(6, 3)).astype("float32")


def _with_backbone(kind):
    backbone = BACKBONES[kind]()
    return keras.Sequential([keras.Input((5,)), backbone, keras.layers.Dense(3)])


def _discriminative(kind, num_groups):
    def make():
        model = _with_backbone(kind)
        optimizer = discriminative_optimizer(model, 1e-2, num_groups=num_groups)
        # Eagerly, for speed: the state is tested here, not the tracing.
        model.compile(optimizer, "mse", run_eagerly=True)
        for rows in (slice(0, 3), slice(3, 6)):
            model.train_on_batch(ROWS[rows], TARGETS[rows])
        return model

    return make


def _fine_tuned(kind):
    def make():
        if kind == "docstring":  # `fine_tune`'s own example
            backbone = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8)])
            head = keras.layers.Dense(3)
            model = keras.Sequential([keras.Input((5,)), backbone, head])
        else:
            model = _with_backbone(kind)
        model.compile("adam", "mse", run_eagerly=True)
        fine_tune(model, (ROWS, TARGETS), epochs=2)  # BatchNorm stays frozen
        return model

    return make


def _gradually_unfrozen():
    model = _with_backbone("functional")
    optimizer = discriminative_optimizer(model, 1e-2, num_groups=4)
    freeze(model.layers[0])
    model.compile(optimizer, "mse", run_eagerly=True)
    # Epoch 1 unfreezes the last block; the next is due at epoch 2 (resumed).
    callbacks = [GradualUnfreezing(model.layers[0], start_epoch=1)]
    model.fit(ROWS, TARGETS, epochs=2, batch_size=3, verbose=0, callbacks=callbacks)
    return model


# name -> factory of a trained model; resumed by `_resume`. Each backbone
# shape with two numbers of groups (`fine_tune` makes 2 from a one-layer
# backbone, 3 from the others; the last is the head's).
TRANSFER_MODELS = {
    "Sequential backbone, 2 groups": _discriminative("Sequential", 2),
    "functional backbone, 3 groups": _discriminative("functional", 3),
    "subclassed backbone, 4 groups": _discriminative("subclassed", 4),
    "fine_tune docstring": _fine_tuned("docstring"),
    "fine_tune, subclassed backbone": _fine_tuned("subclassed"),
    "GradualUnfreezing, functional backbone": _gradually_unfrozen,
}
# Keras does not save the `trainable` flags of a subclassed model's layers:
# its BatchNorm, frozen by `fine_tune`, comes back trainable. The optimizer
# gets state for it, fresh, and keeps the saved state of every other variable.
GROWN = ("fine_tune, subclassed backbone",)


def _state(model):
    """The optimizer's state by what it is for, the same in any process."""
    optimizer = model.optimizer
    position = {optimizer._var_key(w): i for i, w in enumerate(model.weights)}
    state = {}
    for key, (slot, variable) in state_by_key(optimizer).items():
        if variable is not None:
            key = (*key[:-1], f"weights[{position[key[-1]]}]")
        state["/".join(map(str, key))] = keras.ops.convert_to_numpy(slot)
    return state


def _resume(name, model):
    """One more step (or epoch) of training; returns the predictions after."""
    if name.startswith("GradualUnfreezing"):
        callbacks = [GradualUnfreezing(model.layers[0], start_epoch=1)]
        model.fit(
            ROWS,
            TARGETS,
            initial_epoch=2,
            epochs=3,
            batch_size=3,
            shuffle=False,
            verbose=0,
            callbacks=callbacks,
        )
    else:
        if name in GROWN:
            unfreeze(model.layers[0])  # BatchNorm frozen again, as it was
        model.train_on_batch(ROWS, TARGETS)
    return keras.ops.convert_to_numpy(model(ROWS))


def _load_and_resume(manifest):
    """In the new process: loads each saved model, resumes it, writes results."""
    with open(manifest) as file:
        entries = json.load(file)
    results = {}
    for name, path in entries["models"].items():
        model = keras.saving.load_model(path, safe_mode=True)
        results[name] = {
            "optimizer": type(model.optimizer).__name__,
            "state": {k: v.tolist() for k, v in _state(model).items()},
            "resumed": _resume(name, model).tolist(),
        }
    with open(entries["out"], "w") as file:
        json.dump(results, file)


@pytest.fixture(scope="module")
def resumed_in_a_new_process(tmp_path_factory):
    """For each model, its state when saved and its predictions after resuming
    here, and the same from one new process that loads every saved model."""
    folder = tmp_path_factory.mktemp("transfer")
    expected, paths = {}, {}
    for index, (name, make) in enumerate(TRANSFER_MODELS.items()):
        keras.utils.set_random_seed(index)
        model = make()
        paths[name] = str(folder / f"model_{index}.keras")
        model.save(paths[name])
        expected[name] = (_state(model), _resume(name, model))
    manifest = folder / "manifest.json"
    out = folder / "resumed.json"
    manifest.write_text(json.dumps({"models": paths, "out": str(out)}))
    here = os.path.dirname(os.path.abspath(__file__))
    code = (
        f"import sys; sys.path.insert(0, {here!r}); import test_safe_loading; "
        f"test_safe_loading._load_and_resume({str(manifest)!r})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return expected, json.loads(out.read_text())


@pytest.mark.parametrize("name", list(TRANSFER_MODELS))
def test_transfer_model_resumes_in_a_new_process(name, resumed_in_a_new_process):
    expected, got = resumed_in_a_new_process
    state, predictions = expected[name]
    loaded = got[name]
    assert loaded["optimizer"] == "DiscriminativeOptimizer"
    # The optimizer state came back, each value for the variable it was for.
    for key, value in state.items():
        np.testing.assert_array_equal(loaded["state"][key], value, err_msg=key)
    fresh = set(loaded["state"]) - set(state)
    assert bool(fresh) == (name in GROWN)
    for key in fresh:
        assert not np.any(loaded["state"][key]), key
    # Each group goes on training at its own rate from there.
    np.testing.assert_allclose(loaded["resumed"], predictions, rtol=1e-5, atol=1e-6)


def test_default_load_is_safe_mode():
    # `load_model` runs in safe mode unless told otherwise (keras 3.15.1).
    import inspect

    default = inspect.signature(keras.saving.load_model).parameters["safe_mode"]
    assert default.default is True


# ---------------------------------------------------- arguments from the future


def _with_unknown_argument(path, class_name, tmp_path, value=1):
    """Copies the `.keras` file at `path`, adding `UNKNOWN` to `class_name`."""
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(files["config.json"])
    found = []

    def visit(node):
        if isinstance(node, dict):
            if node.get("class_name") == class_name and "config" in node:
                node["config"][UNKNOWN] = value
                found.append(node)
            for child in node.values():
                visit(child)
        elif isinstance(node, list):
            for child in node:
                visit(child)

    visit(config)
    assert found, f"no {class_name} in {path}"
    files["config.json"] = json.dumps(config).encode()
    new_path = tmp_path / "from_a_newer_version.keras"
    with zipfile.ZipFile(new_path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return new_path


def _newer_version_error(class_name):
    return (
        rf"Cannot load {class_name}: .*'{UNKNOWN}'.*newer keras-smalldata"
        rf".*Received: {UNKNOWN}=1"
    )


def test_keras_alone_gives_an_unclear_error(tmp_path):
    # What loading would report without our check: a TypeError wrapped in
    # advice about `from_config` (keras 3.15.1). Keras' own Dense stands in.
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2)])
    model.save(tmp_path / "dense.keras")
    path = _with_unknown_argument(tmp_path / "dense.keras", "Dense", tmp_path)
    with pytest.raises(TypeError, match="could not be deserialized properly"):
        keras.saving.load_model(path)


@pytest.mark.parametrize("name", ["Jitter", "FeatureNoise", "RandomApply"])
def test_layer_with_an_unknown_argument_is_reported(name, tmp_path):
    model, _ = _layer_model(name)
    model.save(tmp_path / "model.keras")
    path = _with_unknown_argument(tmp_path / "model.keras", name, tmp_path)
    with pytest.raises(ValueError, match=_newer_version_error(name)):
        keras.saving.load_model(path, safe_mode=True)


def test_nested_layer_with_an_unknown_argument_is_reported(tmp_path):
    model, _ = _layer_model("RandomChoice")
    model.save(tmp_path / "model.keras")
    path = _with_unknown_argument(
        tmp_path / "model.keras", "RandomSaltPepper", tmp_path
    )
    with pytest.raises(ValueError, match=_newer_version_error("RandomSaltPepper")):
        keras.saving.load_model(path, safe_mode=True)


@pytest.mark.parametrize("name", list(OBJECTS))
def test_object_with_an_unknown_argument_is_reported(name, saved, tmp_path):
    _, _, path = saved(name)
    class_name = OBJECTS[name][1]
    path = _with_unknown_argument(path, class_name, tmp_path)
    with pytest.raises(ValueError, match=_newer_version_error(class_name)):
        keras.saving.load_model(path, safe_mode=True)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_from_config_checks_every_layer(case):
    layer = case.make(3)
    config = layer.get_config()
    assert _json(type(layer).from_config(config).get_config()) == _json(config)
    config[UNKNOWN] = 1
    with pytest.raises(ValueError, match=_newer_version_error(type(layer).__name__)):
        type(layer).from_config(config)


def test_keras_standard_arguments_stay_accepted():
    standard = {
        "name",
        "trainable",
        "dtype",
        "autocast",
        "activity_regularizer",
        "input_shape",
        "input_dim",
    }
    for cls in (layers.Jitter, layers.RandomApply, VAE, TestTimeAugmentation):
        assert standard <= accepted_arguments(cls)
    layer = layers.Jitter(
        0.2,
        seed=1,
        name="jitter",
        trainable=False,
        dtype="mixed_float16",
        activity_regularizer="l2",
    )
    config = layer.get_config()
    assert {"activity_regularizer", "dtype", "trainable"} <= set(config)
    assert layers.Jitter.from_config(config).get_config() == config


def test_every_unknown_argument_is_named():
    config = {"stddev": 0.1, "first": 1, "second": "x"}
    with pytest.raises(
        ValueError,
        match=r"arguments 'first', 'second'.*Received: first=1, second='x'",
    ):
        check_config(layers.Jitter, config)
