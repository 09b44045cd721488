"""The `VAE` model: training, eager API, labels, saving, safety and errors."""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_smalldata.datasets import load_digits  # noqa: E402
from keras_smalldata.models import VAE  # noqa: E402

NUM_CLASSES = 10
LATENT = 4


def _tiny_images(num_classes=NUM_CLASSES, **kwargs):
    return VAE.for_images(
        (8, 8, 1),
        latent_dim=LATENT,
        num_classes=num_classes,
        filters=(8,),
        hidden_units=16,
        seed=0,
        **kwargs,
    )


def _compile(vae, graph=False):
    # Under TensorFlow, eager steps skip tracing, which dominates tiny fits; the
    # graph-mode path (what `fit` runs by default) has its own tests. Under JAX,
    # eager steps compile every operation on its own, which costs more than
    # one `jit` of the whole step.
    eager = not graph and keras.backend.backend() == "tensorflow"
    vae.compile(optimizer="adam", run_eagerly=eager)
    return vae


def _config_json(obj):
    return json.dumps(obj.get_config(), sort_keys=True, default=str)


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits()
    return x[:64], y[:64]


@pytest.fixture(scope="module")
def cvae(digits):
    x, y = digits
    keras.utils.set_random_seed(0)
    vae = _compile(_tiny_images())
    vae.fit(x, y, epochs=1, batch_size=32, verbose=0)
    return vae


@pytest.fixture(scope="module")
def uvae(digits):
    x, _ = digits
    keras.utils.set_random_seed(0)
    vae = _compile(_tiny_images(num_classes=None))
    vae.fit(x, epochs=1, batch_size=32, verbose=0)
    return vae


# ---------------------------------------------------------------- training


def test_fit_with_validation_and_evaluate(digits):
    x, y = digits
    vae = _compile(_tiny_images(), graph=True)
    history = vae.fit(
        x, y, epochs=2, batch_size=16, validation_data=(x[:16], y[:16]), verbose=0
    )
    logs = history.history
    for name in ("loss", "reconstruction_loss", "kl_loss"):
        assert np.all(np.isfinite(logs[name])) and np.all(
            np.isfinite(logs[f"val_{name}"])
        )
    # loss = reconstruction + beta * KL, as epoch means over the same batches.
    np.testing.assert_allclose(
        logs["loss"], np.add(logs["reconstruction_loss"], logs["kl_loss"]), rtol=1e-4
    )
    # Without `KLAnnealing`, beta is the constant `vae.beta`: not logged.
    assert "beta" not in logs and "val_beta" not in logs
    assert logs["loss"][1] < logs["loss"][0]
    scores = vae.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(scores) == ["kl_loss", "loss", "reconstruction_loss"]


def test_fit_on_tf_data_with_one_hot_labels(digits):
    x, y = digits
    one_hot = keras.utils.to_categorical(y, NUM_CLASSES)
    dataset = tf.data.Dataset.from_tensor_slices((x, one_hot)).batch(32)
    vae = _compile(_tiny_images())
    history = vae.fit(dataset, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_integer_and_one_hot_labels_train_identically(digits):
    x, y = digits
    keras.utils.set_random_seed(0)
    first = _tiny_images()
    second = VAE.from_config(first.get_config())
    second.set_weights(first.get_weights())
    for vae, labels in ((first, y), (second, keras.utils.to_categorical(y, 10))):
        _compile(vae).fit(x, labels, epochs=1, batch_size=32, shuffle=False, verbose=0)
    for a, b in zip(first.get_weights(), second.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_sample_weight_scales_the_loss(digits):
    x, y = digits
    vae = _tiny_images()
    outputs = vae((x[:4], y[:4]))
    per_sample = outputs["reconstruction_loss"] + outputs["kl_loss"]
    weights = np.array([1.0, 0.0, 2.0, 0.0], dtype="float32")
    loss = vae.compute_loss(y_pred=outputs, sample_weight=weights)
    np.testing.assert_allclose(
        float(loss), float(np.mean(np.asarray(per_sample) * weights)), rtol=1e-5
    )


def test_call_and_predict_return_reconstruction_and_per_sample_losses(cvae, digits):
    x, y = digits
    outputs = cvae.predict((x[:10], y[:10]), verbose=0)
    assert outputs["reconstruction"].shape == (10, 8, 8, 1)
    assert outputs["z_mean"].shape == outputs["z_log_var"].shape == (10, LATENT)
    assert outputs["reconstruction_loss"].shape == outputs["kl_loss"].shape == (10,)
    assert np.all(outputs["kl_loss"] >= 0)
    rec = outputs["reconstruction"]
    assert rec.min() >= 0 and rec.max() <= 1  # Bernoulli means.


def test_trains_on_twenty_samples_with_a_larger_batch(digits):
    x, y = digits
    vae = _compile(_tiny_images())
    history = vae.fit(x[:20], y[:20], epochs=3, batch_size=64, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))


def test_zero_variance_features_stay_finite():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20, 5)).astype("float32")
    x[:, 1] = 0.0  # A standardized constant feature.
    x[:, 3] = 7.0  # An unstandardized constant feature.
    vae = VAE.for_tabular(5, latent_dim=2, hidden_units=(8,), seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(0.05), run_eagerly=True)
    history = vae.fit(x, epochs=10, batch_size=64, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    log_var = keras.ops.convert_to_numpy(vae.decoder_log_var)
    assert np.all(np.isfinite(log_var))
    assert np.all(np.isfinite(vae.sample(50, seed=0)))
    assert np.all(np.isfinite(vae.reconstruct(x)))


def test_latent_log_variance_is_clipped(digits):
    x, y = digits
    vae = _tiny_images()
    head = vae.encoder.get_layer("z_log_var")
    kernel, bias = head.get_weights()
    head.set_weights([kernel, np.full_like(bias, 1e4)])
    _, z_log_var = vae.encode(x[:4], y[:4])
    assert z_log_var.max() == 10.0
    outputs = vae((x[:4], y[:4]))
    assert np.all(np.isfinite(outputs["kl_loss"]))
    head.set_weights([kernel, np.full_like(bias, -1e4)])
    outputs = vae((x[:4], y[:4]))
    assert np.all(np.isfinite(outputs["kl_loss"]))


# --------------------------------------------------------------- eager API


def test_sample_is_class_balanced_and_seeded(cvae):
    samples, labels = cvae.sample(25, seed=3)
    assert samples.shape == (25, 8, 8, 1) and samples.dtype == np.float32
    np.testing.assert_array_equal(labels, np.arange(25) % NUM_CLASSES)
    again, _ = cvae.sample(25, seed=3)
    np.testing.assert_array_equal(samples, again)
    other, _ = cvae.sample(25, seed=4)
    assert not np.array_equal(samples, other)


def test_sample_label_formats_agree(cvae):
    by_int = cvae.sample(6, labels=np.full(6, 7), seed=0)
    by_scalar = cvae.sample(6, labels=7, seed=0)
    by_one_hot = cvae.sample(6, labels=np.eye(10)[np.full(6, 7)], seed=0)
    np.testing.assert_array_equal(by_int, by_scalar)
    np.testing.assert_allclose(by_int, by_one_hot, atol=1e-6)
    assert not np.allclose(by_int, cvae.sample(6, labels=3, seed=0))


def test_temperature_zero_decodes_the_prior_mean(cvae):
    samples = cvae.sample(4, labels=2, temperature=0.0, seed=None)
    np.testing.assert_allclose(samples, np.repeat(samples[:1], 4, axis=0))
    np.testing.assert_allclose(samples, cvae.decode(np.zeros((4, LATENT)), [2] * 4))


def test_unconditional_sample_returns_only_samples(uvae):
    samples = uvae.sample(5, seed=0)
    assert isinstance(samples, np.ndarray) and samples.shape == (5, 8, 8, 1)


def test_encode_decode_reconstruct(cvae, digits):
    x, y = digits
    z_mean, z_log_var = cvae.encode(x, y)
    assert z_mean.shape == z_log_var.shape == (64, LATENT)
    reconstruction = cvae.reconstruct(x, y)
    np.testing.assert_allclose(reconstruction, cvae.decode(z_mean, y), atol=1e-6)
    np.testing.assert_array_equal(reconstruction, cvae.reconstruct(x, y))


def test_interpolate_runs_from_a_to_b(uvae, cvae, digits):
    x, y = digits
    path = uvae.interpolate(x[0], x[1], steps=5)
    assert path.shape == (5, 8, 8, 1)
    ends = uvae.reconstruct(x[:2])
    np.testing.assert_allclose(path[[0, -1]], ends, atol=1e-5)
    path = cvae.interpolate(x[0], x[1:2], steps=3, labels=(y[0], y[1]))
    np.testing.assert_allclose(path[[0, -1]], cvae.reconstruct(x[:2], y[:2]), atol=1e-5)


# --------------------------------------------------------- saving, config


@pytest.mark.parametrize(
    "make",
    [
        _tiny_images,
        lambda: _tiny_images(num_classes=None, likelihood="gaussian", beta=0.5),
        lambda: VAE.for_tabular(6, latent_dim=2, num_classes=3, hidden_units=(8,)),
    ],
    ids=["conditional-images", "gaussian-images", "conditional-tabular"],
)
def test_config_round_trip(make):
    vae = make()
    restored = VAE.from_config(vae.get_config())
    assert _config_json(restored) == _config_json(vae)
    assert restored.data_shape == vae.data_shape


def test_save_and_load_gives_identical_samples(cvae, digits, tmp_path):
    x, y = digits
    cvae.beta_variable.assign(0.25)
    path = tmp_path / "vae.keras"
    cvae.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded, VAE)
    np.testing.assert_array_equal(
        loaded.sample(10, labels=4, seed=7), cvae.sample(10, labels=4, seed=7)
    )
    np.testing.assert_array_equal(loaded.reconstruct(x, y), cvae.reconstruct(x, y))
    assert float(loaded.beta_variable) == 0.25  # Annealed beta is state.
    cvae.beta_variable.assign(1.0)
    # The optimizer came back too: training resumes.
    history = loaded.fit(x, y, epochs=1, batch_size=32, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_gaussian_save_and_load(tmp_path):
    vae = VAE.for_tabular(4, latent_dim=2, hidden_units=(8,), seed=0)
    vae.decoder_log_var.assign(np.full((4,), -1.5, dtype="float32"))
    vae.save(tmp_path / "tabular.keras")
    loaded = keras.saving.load_model(tmp_path / "tabular.keras", safe_mode=True)
    np.testing.assert_array_equal(loaded.sample(5, seed=1), vae.sample(5, seed=1))
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(loaded.decoder_log_var), [-1.5] * 4
    )


# ---------------------------------------------------------------- builders


@pytest.mark.parametrize(
    "shape", [(8, 8, 1), (9, 13, 3), (28, 28, 1), (32, 24, 3)], ids=str
)
def test_for_images_matches_any_size(shape):
    vae = VAE.for_images(shape, latent_dim=3, num_classes=2)
    assert vae.data_shape == shape
    x = np.random.default_rng(0).uniform(size=(2, *shape)).astype("float32")
    assert vae.reconstruct(x, [0, 1]).shape == (2, *shape)


def test_for_tabular_is_gaussian():
    vae = VAE.for_tabular(7, num_classes=3)
    assert vae.likelihood == "gaussian" and vae.data_shape == (7,)
    assert vae.latent_dim == 8
    samples, labels = vae.sample(6, seed=0)
    assert samples.shape == (6, 7) and labels.tolist() == [0, 1, 2, 0, 1, 2]


def test_custom_networks():
    encoder_in = keras.Input((5,))
    hidden = keras.layers.Dense(8, activation="relu")(encoder_in)
    encoder = keras.Model(
        encoder_in, [keras.layers.Dense(2)(hidden), keras.layers.Dense(2)(hidden)]
    )
    decoder = keras.Sequential([keras.Input((2,)), keras.layers.Dense(5)])
    vae = _compile(VAE(encoder, decoder, latent_dim=2, likelihood="gaussian"))
    x = np.random.default_rng(0).standard_normal((16, 5)).astype("float32")
    history = vae.fit(x, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


# ------------------------------------- data checked on every path into a step


def _batches(x, labels=None, batch_size=32):
    data = x if labels is None else (x, labels)
    return tf.data.Dataset.from_tensor_slices(data).batch(batch_size)


def _weights(vae):
    return [np.array(w) for w in vae.get_weights()]


_OUT_OF_RANGE = r"`labels` must be class indices in \[0, 10\). Received: labels with"


@pytest.mark.parametrize(
    "call",
    [
        lambda vae, data: vae.fit(data, epochs=1, verbose=0),
        lambda vae, data: vae.evaluate(data, verbose=0),
        lambda vae, data: vae.predict(data, verbose=0),
    ],
    ids=["fit", "evaluate", "predict"],
)
def test_tf_data_labels_out_of_range_are_refused(digits, call):
    x, y = digits
    vae = _compile(_tiny_images())
    before = _weights(vae)
    labels = np.where(np.arange(len(y)) == 3, 12, y)
    with pytest.raises(
        ValueError, match=r"A batch of `x` is invalid: " + _OUT_OF_RANGE + " .* to 12"
    ):
        call(vae, _batches(x, labels))
    # Raised before the bad batch's step; the model stays usable (under JAX
    # too, whose trainer detaches the variables while it runs).
    for a, b in zip(before, _weights(vae), strict=True):
        np.testing.assert_array_equal(a, b)
    assert vae.predict(_batches(x[:4], y[:4]), verbose=0)["z_mean"].shape == (4, 4)


def test_tf_data_validation_labels_are_checked(digits):
    x, y = digits
    vae = _compile(_tiny_images())
    with pytest.raises(ValueError, match="A batch of `validation_data` is invalid"):
        vae.fit(x, y, validation_data=_batches(x, y + 10), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=_OUT_OF_RANGE + " values from 10 to 19"):
        vae.fit(x, y, validation_data=(x, y + 10), epochs=1, verbose=0)


@pytest.mark.parametrize(
    "labels, match",
    [
        (np.full(64, 0.5, "float32"), r"integer class labels. Received: .* 0.5"),
        (np.full((64, 10), 0.5, "float32"), r"rows summing to 1. Received"),
        (np.zeros((64, 4), "int64"), r"Received: labels.shape=\(None, 4\)"),
    ],
    ids=["fractional", "rows-not-summing-to-1", "other-width"],
)
def test_tf_data_labels_of_other_kinds_are_refused(cvae, digits, labels, match):
    with pytest.raises(ValueError, match=match):
        cvae.predict(_batches(digits[0], labels), verbose=0)


def test_pydataset_and_generator_batches_are_checked(cvae, digits):
    x, y = digits

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, index):
            return x[:32], y[:32] - 1

    with pytest.raises(ValueError, match=_OUT_OF_RANGE + " values from -1 to 8"):
        cvae.predict(Batches(), verbose=0)
    with pytest.raises(ValueError, match=_OUT_OF_RANGE + " values from 10 to 19"):
        cvae.predict((batch for batch in [(x, y + 10)]), verbose=0)


_NOT_IN_0_1 = r"models data in \[0, 1\].*Received: x with values from 0 to 255$"


@pytest.mark.parametrize(
    "call",
    [
        lambda vae, x, y: vae.fit(x, y, epochs=1, verbose=0),
        lambda vae, x, y: vae.fit(_batches(x, y), epochs=1, verbose=0),
        lambda vae, x, y: vae.predict((x, y), verbose=0),
        lambda vae, x, y: vae.encode(x, y),
        lambda vae, x, y: vae.reconstruct(x, y),
    ],
    ids=["fit", "fit-tf-data", "predict", "encode", "reconstruct"],
)
def test_bernoulli_vae_refuses_data_outside_0_1(digits, call):
    x, y = digits
    vae = _compile(_tiny_images())
    before = _weights(vae)
    with pytest.raises(ValueError, match=_NOT_IN_0_1):
        call(vae, x * 255.0, y)
    for a, b in zip(before, _weights(vae), strict=True):
        np.testing.assert_array_equal(a, b)


def test_gaussian_vae_takes_data_of_any_scale():
    vae = _compile(VAE.for_tabular(3, latent_dim=2, hidden_units=(4,), seed=0))
    x = 100.0 * np.random.default_rng(0).standard_normal((8, 3)).astype("float32")
    history = vae.fit(_batches(x, batch_size=4), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_a_second_fit_takes_labels_of_another_shape(digits):
    pd = pytest.importorskip("pandas")
    x, y = digits
    # Graph mode: the first fit traces the step with labels `(n,)`; labels of
    # another rank made the second one retrace it with labels of unknown rank.
    vae = _compile(_tiny_images(), graph=True)
    for labels in (
        y,
        y[:, None],
        pd.Series(y),
        keras.utils.to_categorical(y, NUM_CLASSES),
        _batches(x, y[:, None]),
    ):
        data = (labels,) if isinstance(labels, tf.data.Dataset) else (x, labels)
        history = vae.fit(*data, epochs=1, batch_size=32, verbose=0)
        assert np.isfinite(history.history["loss"][0])


# ------------------------------------------------------------------ errors


def test_labels_required_by_a_conditional_vae(digits):
    x, y = digits
    vae = _compile(_tiny_images(), graph=True)  # Raised before the first step.
    with pytest.raises(ValueError, match="needs `labels`. Received: labels=None"):
        vae.fit(x, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="needs `labels`. Received: labels=None"):
        vae.encode(x)
    with pytest.raises(ValueError, match="needs `labels`"):
        vae.decode(np.zeros((2, LATENT)))


def test_labels_refused_by_an_unconditional_vae(digits):
    x, y = digits
    vae = _compile(_tiny_images(num_classes=None), graph=True)
    with pytest.raises(ValueError, match="unconditional.*takes no labels"):
        vae.fit(x, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="takes no labels. Received: labels"):
        vae.sample(3, labels=[0, 1, 2])
    with pytest.raises(ValueError, match="takes no labels"):
        vae.reconstruct(x, y)


def test_label_count_and_range_are_checked(cvae, digits):
    x, y = digits
    with pytest.raises(ValueError, match=r"Received: len\(labels\)=63"):
        cvae.encode(x, y[:63])
    with pytest.raises(ValueError, match=r"\(5\). Received: len\(labels\)=2"):
        cvae.sample(5, labels=[1, 2])
    with pytest.raises(ValueError, match=r"in \[0, 10\)"):
        cvae.sample(2, labels=[3, 10])
    with pytest.raises(ValueError, match="integer class labels"):
        cvae.sample(2, labels=[0.5, 1.0])
    with pytest.raises(ValueError, match="one-hot"):
        cvae.sample(2, labels=np.zeros((2, 3, 1)))
    with pytest.raises(ValueError, match=r"len\(x\)=64\). Received: len\(labels\)=63"):
        cvae.fit(x, y[:63], epochs=1, verbose=0)


def test_input_shapes_are_checked(cvae, digits):
    x, y = digits
    with pytest.raises(ValueError, match=r"Received: x.shape=\(64, 8, 8\)"):
        cvae.encode(x[..., 0], y)
    with pytest.raises(ValueError, match=r"Received: z.shape=\(2, 3\)"):
        cvae.decode(np.zeros((2, 3)), [0, 1])
    with pytest.raises(ValueError, match="Received: steps=1"):
        cvae.interpolate(x[0], x[1], steps=1, labels=(0, 1))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"latent_dim": 0}, "Received: latent_dim=0"),
        ({"beta": -1.0}, "Received: beta=-1.0"),
        ({"likelihood": "poisson"}, "Received: likelihood='poisson'"),
        ({"num_classes": 1}, "Received: num_classes=1"),
        ({"num_classes": 2.5}, "Received: num_classes=2.5"),
    ],
)
def test_invalid_arguments(kwargs, match):
    encoder, decoder = _tiny_images(num_classes=None).encoder, None
    arguments = {"latent_dim": LATENT, **kwargs}
    with pytest.raises(ValueError, match=match):
        VAE(encoder, decoder, **arguments)


@pytest.mark.parametrize(
    "shape",
    [(7, 8, 1), (8, 8, 2), (8, 8), [8.0, 8, 1]],
    ids=str,
)
def test_for_images_rejects_bad_shapes(shape):
    with pytest.raises(ValueError, match="Received: input_shape="):
        VAE.for_images(shape)


def test_builders_reject_bad_widths():
    with pytest.raises(ValueError, match=r"Received: filters=\(\)"):
        VAE.for_images((8, 8, 1), filters=())
    with pytest.raises(ValueError, match="Received: hidden_units=0"):
        VAE.for_tabular(4, hidden_units=(8, 0))
    with pytest.raises(ValueError, match="Received: num_features=0"):
        VAE.for_tabular(0)


def test_networks_are_checked():
    unbuilt = keras.Sequential([keras.layers.Dense(4)])
    good = _tiny_images(num_classes=None)
    with pytest.raises(ValueError, match="`encoder` must be a built Keras model"):
        VAE(unbuilt, good.decoder, latent_dim=LATENT)
    decoder_for_5 = keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(64), keras.layers.Reshape((8, 8, 1))]
    )
    with pytest.raises(ValueError, match=r"each of shape \(batch, 5\)"):
        VAE(good.encoder, decoder_for_5, latent_dim=5)
    with pytest.raises(ValueError, match="`decoder` must map z"):
        VAE(good.encoder, good.decoder, latent_dim=LATENT + 1)
    with pytest.raises(ValueError, match=r"`decoder` must map \[z, one_hot_labels\]"):
        VAE(good.encoder, good.decoder, latent_dim=LATENT, num_classes=3)


def test_compile_rejects_a_loss():
    vae = _tiny_images()
    with pytest.raises(ValueError, match="Received: loss='mse'"):
        vae.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match=r"Received: metrics=\['mae'\]"):
        vae.compile(optimizer="adam", metrics=["mae"])


# -------------------------------------------------------------------- JAX

_JAX_SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np, keras
    assert keras.backend.backend() == "jax"
    from keras_smalldata.callbacks import KLAnnealing
    from keras_smalldata.datasets import load_digits
    from keras_smalldata.models import VAE
    x, y = load_digits()
    x, y = x[:64], y[:64]
    vae = VAE.for_images((8, 8, 1), latent_dim=4, num_classes=10, filters=(8,),
                         hidden_units=16, seed=0)
    vae.compile(optimizer="adam")
    history = vae.fit(x, y, epochs=2, batch_size=32, validation_data=(x, y),
                      callbacks=[KLAnnealing(warmup_epochs=2)], verbose=0)
    assert np.all(np.isfinite(history.history["val_loss"]))
    assert history.history["beta"] == [0.25, 0.75], history.history["beta"]
    assert abs(float(vae.beta_variable) - 0.75) < 1e-6
    vae.encode(x, labels=y)
    vae.sample(5, labels=3, seed=1)
    # Training and sampling run on keras.ops alone. (Keras' own `save` imports
    # TensorFlow when it is installed, so this is checked before saving.)
    assert "tensorflow" not in sys.modules
    vae.save("vae.keras")
    loaded = keras.saving.load_model("vae.keras", safe_mode=True)
    np.testing.assert_array_equal(loaded.sample(5, labels=3, seed=1),
                                  vae.sample(5, labels=3, seed=1))
    print("JAX OK")
    """
)


@pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="jax is not installed"
)
@pytest.mark.skipif(
    keras.backend.backend() == "jax",
    reason="this session runs under JAX already (see the test below)",
)
def test_jax_backend(tmp_path):
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    result = subprocess.run(
        [sys.executable, "-c", _JAX_SCRIPT],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "JAX OK" in result.stdout


@pytest.mark.skipif(
    keras.backend.backend() == "tensorflow",
    reason="under TensorFlow the VAE imports TensorFlow by design (tf.function)",
)
def test_trains_and_samples_with_tensorflow_unimportable(digits, monkeypatch):
    from keras_smalldata.callbacks import KLAnnealing

    x, y = digits
    vae = _compile(_tiny_images(), graph=True)
    # A stray `import tensorflow` on this backend's path raises ImportError.
    monkeypatch.setitem(sys.modules, "tensorflow", None)
    history = vae.fit(
        x, y, epochs=2, batch_size=32, callbacks=[KLAnnealing(2)], verbose=0
    )
    assert history.history["beta"] == [0.25, 0.75]
    assert abs(float(vae.beta_variable) - 0.75) < 1e-6
    z_mean, _ = vae.encode(x[:5], labels=y[:5])
    assert z_mean.shape == (5, LATENT)
    assert vae.sample(5, labels=3, seed=1).shape == (5, 8, 8, 1)
