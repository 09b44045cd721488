"""`SemiSupervised`: pseudo-labels, gradients, views, logs, saving and export."""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from _backend_marks import TF_FUNCTION, tensorflow_only  # noqa: E402

from keras_smalldata.data import semi_supervised_dataset  # noqa: E402
from keras_smalldata.models import SemiSupervised  # noqa: E402

# Unlabeled rows whose softmax (identity kernel) is softmax(row): the largest
# probabilities are sigmoid(3) = 0.953, sigmoid(1) = 0.731, sigmoid(4) = 0.982
# and sigmoid(0.5) = 0.622, for classes 0, 0, 1, 1.
X_UNLABELED = np.array([[3.0, 0.0], [1.0, 0.0], [0.0, 4.0], [0.0, 0.5]], "float32")
X_LABELED = np.array([[1.0, 2.0], [2.0, -1.0]], "float32")
Y_LABELED = np.array([1, 0])


def _linear(activation="softmax", kernel=None, bias=None, features=2, classes=2):
    """Inputs -> Dense(classes) with the given weights (identity by default)."""
    model = keras.Sequential(
        [keras.Input((features,)), keras.layers.Dense(classes, activation=activation)]
    )
    kernel = np.eye(features, classes) if kernel is None else kernel
    bias = np.zeros(classes) if bias is None else bias
    model.layers[-1].set_weights([np.asarray(kernel, "float32"), np.asarray(bias)])
    return model


def _identity_model(classifier, **kwargs):
    return SemiSupervised(
        classifier,
        weak_augmentation=keras.layers.Identity(),
        strong_augmentation=keras.layers.Identity(),
        **kwargs,
    )


def _training_call(model, x_unlabeled=X_UNLABELED, **extra):
    inputs = {
        "labeled": X_LABELED,
        "unlabeled": x_unlabeled,
        "labels": Y_LABELED,
        **extra,
    }
    outputs = model(inputs, training=True)
    return {key: _numpy(value) for key, value in outputs.items()}


def _numpy(tensor):
    return keras.ops.convert_to_numpy(tensor)


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_pseudo_labels_only_above_the_threshold():
    model = _identity_model(_linear(), threshold=0.95)
    out = _training_call(model, unlabeled_labels=np.array([0, 1, 0, 1]))

    np.testing.assert_array_equal(out["mask"], [1.0, 0.0, 1.0, 0.0])
    # The loss of the two confident rows, averaged over all four.
    p = _softmax(X_UNLABELED)
    expected = -(np.log(p[0, 0]) + np.log(p[2, 1])) / 4
    np.testing.assert_allclose(out["unlabeled_loss"], expected, rtol=1e-5)
    # Pseudo-labels 0, 0, 1, 1 against truth 0, 1, 0, 1: of the confident
    # rows (0 and 2), row 0 is right and row 2 wrong.
    np.testing.assert_array_equal(out["pseudo_label_correct"][[0, 2]], [1.0, 0.0])

    loose = _training_call(_identity_model(_linear(), threshold=0.7))
    np.testing.assert_array_equal(loose["mask"], [1.0, 1.0, 1.0, 0.0])


@pytest.mark.parametrize("weight", [1.0, 0.5])
def test_sgd_step_follows_the_gradient_with_fixed_pseudo_labels(weight):
    # Softmax regression: the gradient of the mean cross-entropy is
    # x^T (p - onehot(target)) / n. The pseudo-labels are constants; any
    # gradient through them (soft targets, the weak pass) would change the step.
    kernel, bias = np.array([[1.5, -0.5], [0.3, 1.2]]), np.array([0.2, -0.1])
    classifier = _linear(kernel=kernel, bias=bias)
    model = _identity_model(classifier, threshold=0.8, unlabeled_loss_weight=weight)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0))
    model.train_on_batch({"labeled": X_LABELED, "unlabeled": X_UNLABELED}, Y_LABELED)

    def gradient(x, targets, p, rows, n):
        error = (p - np.eye(2)[targets]) * rows[:, None]
        return x.T @ error / n, error.sum(axis=0) / n

    p_labeled = _softmax(X_LABELED @ kernel + bias)
    p_unlabeled = _softmax(X_UNLABELED @ kernel + bias)
    confident = (p_unlabeled.max(axis=1) >= 0.8).astype(float)
    assert 0 < confident.sum() < len(confident)  # Both kinds of rows.
    sup_w, sup_b = gradient(X_LABELED, Y_LABELED, p_labeled, np.ones(2), 2)
    pseudo = p_unlabeled.argmax(axis=1)
    unl_w, unl_b = gradient(X_UNLABELED, pseudo, p_unlabeled, confident, 4)
    new_kernel, new_bias = classifier.layers[-1].get_weights()
    np.testing.assert_allclose(new_kernel, kernel - sup_w - weight * unl_w, atol=1e-5)
    np.testing.assert_allclose(new_bias, bias - sup_b - weight * unl_b, atol=1e-5)


def test_logits_and_probabilities_give_the_same_losses():
    kernel = np.array([[1.0, -1.0], [0.5, 2.0]])
    probabilities = _training_call(_identity_model(_linear(kernel=kernel)))
    logits = _training_call(
        _identity_model(_linear(activation=None, kernel=kernel), from_logits=True)
    )
    for key in ("supervised_loss", "unlabeled_loss", "mask"):
        np.testing.assert_allclose(logits[key], probabilities[key], rtol=1e-5)
    assert probabilities["mask"].sum() > 0


def test_distribution_alignment_reweights_the_weak_predictions():
    # p = softmax([2.2, 0]) = (0.90, 0.10): below 0.95 as it is; with a label
    # distribution of (0.8, 0.2) against predictions (0.5, 0.5), aligned to
    # (0.97, 0.03), above it.
    row = np.array([[2.2, 0.0]], "float32")
    plain = _training_call(_identity_model(_linear()), x_unlabeled=row)
    model = _identity_model(_linear(), distribution_alignment=True)
    model.label_distribution.assign([0.8, 0.2])
    model.prediction_distribution.assign([0.5, 0.5])
    aligned = _training_call(model, x_unlabeled=row)
    assert plain["mask"].tolist() == [0.0]
    assert aligned["mask"].tolist() == [1.0]
    # The running distributions moved 1% towards this batch's.
    np.testing.assert_allclose(
        _numpy(model.label_distribution),
        0.99 * np.array([0.8, 0.2]) + 0.01 * np.array([0.5, 0.5]),
        rtol=1e-5,
    )


def test_batch_normalization_sees_all_views_in_one_pass():
    # With batch normalization, the weak views go through the classifier in
    # training mode together with the labelled and strong ones (FixMatch), so
    # the pseudo-labels come from batch statistics, not the moving averages.
    classifier = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    classifier.layers[-1].set_weights([np.eye(2, dtype="float32") * 3, np.zeros(2)])
    model = _identity_model(classifier, threshold=0.9)
    out = _training_call(model)
    batch = np.concatenate([X_LABELED, X_UNLABELED, X_UNLABELED])
    normalized = (batch - batch.mean(0)) / np.sqrt(batch.var(0) + 1e-3)
    p = _softmax(3 * normalized[2:6])
    np.testing.assert_array_equal(out["mask"], (p.max(axis=1) >= 0.9).astype(float))
    inference_p = _softmax(3 * X_UNLABELED / np.sqrt(1 + 1e-3))
    assert not np.array_equal(out["mask"], inference_p.max(axis=1) >= 0.9)


def _classifier(kind):
    shapes = {"images": (8, 8, 1), "tabular": (5,), "series": (20, 2)}
    return keras.Sequential(
        [
            keras.Input(shapes[kind]),
            keras.layers.Flatten(),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )


@pytest.mark.parametrize("kind", ["images", "tabular", "series"])
def test_strong_view_departs_further_than_the_weak_view(kind):
    rng = np.random.default_rng(0)
    # Smooth images (a blob each): a one-pixel shift changes them a little.
    grid = np.arange(8.0)
    centers = rng.uniform(2, 5, (16, 2, 1, 1))
    blobs = np.exp(
        -((grid[:, None] - centers[:, 0]) ** 2 + (grid - centers[:, 1]) ** 2) / 8
    )
    x = {
        "images": blobs[..., None],
        "tabular": rng.normal(size=(16, 5)),
        "series": rng.normal(size=(16, 20, 2)),
    }[kind].astype("float32")
    model = SemiSupervised(_classifier(kind), value_range=(0, 1), seed=0)
    assert model.data_kind == kind
    model.adapt(x)
    weak = _numpy(model.weak_augmentation(x, training=True))
    strong = _numpy(model.strong_augmentation(x, training=True))
    axes = tuple(range(1, x.ndim))
    weak_change = np.abs(weak - x).mean(axis=axes)
    strong_change = np.abs(strong - x).mean(axis=axes)
    assert np.mean(np.abs(strong - weak).max(axis=axes) > 1e-3) >= 0.9
    assert strong_change.mean() > 1.25 * weak_change.mean()
    # Both are inert at inference.
    for policy in (model.weak_augmentation, model.strong_augmentation):
        np.testing.assert_array_equal(_numpy(policy(x, training=False)), x)


def _tabular_problem(seed=0, n=200, features=10):
    """Two Gaussian classes 4 apart on feature 0; the other features are noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    x = rng.normal(size=(n, features)).astype("float32")
    x[:, 0] += np.where(y == 1, 2.0, -2.0)
    return x, y


def _compile(model, graph=False, **kwargs):
    # Under TensorFlow, eager steps skip tracing, which dominates tiny fits; the
    # graph-mode path (what `fit` runs by default) has its own tests. Under JAX,
    # eager steps compile every operation on its own, which costs more than
    # one `jit` of the whole step.
    eager = not graph and keras.backend.backend() == "tensorflow"
    model.compile(run_eagerly=eager, **kwargs)
    return model


def _mlp(features=10):
    return keras.Sequential(
        [
            keras.Input((features,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )


def test_fit_logs_evaluate_and_predict():
    x, y = _tabular_problem()
    keras.utils.set_random_seed(0)
    model = SemiSupervised(_mlp(), seed=0)
    model.adapt(x)
    model.compile(optimizer="adam", metrics=["accuracy"], steps_per_execution=2)
    data = semi_supervised_dataset(x[:8], y[:8], x[8:100], batch_size=4, seed=0)
    inputs, targets = next(iter(data))
    out = model({**inputs, "labels": targets["labeled"]}, training=True)
    assert tuple(out["predictions"].shape) == (4, 2)
    assert tuple(out["mask"].shape) == (12,)

    history = model.fit(data, epochs=2, verbose=0).history
    # No `pseudo_label_accuracy` without the labels of the unlabeled samples
    # (the separable-problem test below has it).
    assert sorted(history) == [
        "accuracy",
        "loss",
        "mask_rate",
        "supervised_loss",
        "unlabeled_loss",
    ]
    assert all(len(values) == 2 for values in history.values())
    assert all(0 <= v <= 1 for v in history["mask_rate"])
    scores = model.evaluate(x[100:], y[100:], verbose=0, return_dict=True)
    assert sorted(scores) == ["accuracy", "loss"]
    probabilities = model.predict(x[100:], verbose=0)
    np.testing.assert_allclose(
        probabilities, model.classifier.predict(x[100:], verbose=0), rtol=1e-6
    )
    np.testing.assert_allclose(
        scores["accuracy"], np.mean(probabilities.argmax(1) == y[100:]), atol=1e-6
    )


def test_unlabeled_loss_beats_labels_alone_on_a_separable_problem():
    # Two labels per class in 10 dimensions, 9 of them noise: the labels alone
    # leave the boundary loose; the unlabeled pool pins it to the gap.
    x, y = _tabular_problem()
    labelled = np.array([0, 1, 2, 3])
    pool, test = np.arange(4, 100), np.arange(100, 200)
    accuracies = []
    for weight in (0.0, 1.0):
        keras.utils.set_random_seed(0)
        model = SemiSupervised(_mlp(), unlabeled_loss_weight=weight, seed=0)
        model.adapt(x[:100])
        model.compile(optimizer=keras.optimizers.Adam(1e-2), metrics=["accuracy"])
        data = semi_supervised_dataset(
            x[labelled], y[labelled], x[pool], batch_size=4, ratio=8,
            steps_per_epoch=200, y_unlabeled=y[pool], seed=0,
        )  # fmt: skip
        history = model.fit(data, verbose=0).history
        scores = model.evaluate(x[test], y[test], verbose=0, return_dict=True)
        accuracies.append(scores["accuracy"])
    supervised, semi = accuracies
    assert semi > supervised + 0.02, accuracies
    # The pseudo-labels above the threshold were mostly right.
    assert history["pseudo_label_accuracy"][0] > 0.8


def _config_json(obj):
    return json.dumps(obj.get_config(), sort_keys=True, default=str)


def test_config_round_trip():
    model = SemiSupervised(
        _classifier("images"),
        threshold=0.9,
        unlabeled_loss_weight=2.0,
        distribution_alignment=True,
        value_range=(0, 1),
        flips=True,
        seed=3,
    )
    restored = SemiSupervised.from_config(model.get_config())
    assert _config_json(restored) == _config_json(model)
    assert restored.threshold == 0.9 and restored.distribution_alignment
    flips = [
        layer
        for layer in restored.strong_augmentation.layers
        if isinstance(layer, keras.layers.RandomFlip)
    ]
    assert len(flips) == 1


def test_save_and_load_with_safe_mode(tmp_path):
    x, y = _tabular_problem()
    keras.utils.set_random_seed(0)
    model = SemiSupervised(_mlp(), distribution_alignment=True, seed=0)
    model.adapt(x)
    _compile(model, optimizer="adam", metrics=["accuracy"])
    model.optimizer.build(model.trainable_variables)
    model.prediction_distribution.assign([0.3, 0.7])
    path = str(tmp_path / "semi.keras")
    model.save(path)

    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded, SemiSupervised)
    assert _config_json(loaded) == _config_json(model)
    np.testing.assert_allclose(_numpy(loaded(x[100:])), _numpy(model(x[100:])))
    np.testing.assert_allclose(_numpy(loaded.prediction_distribution), [0.3, 0.7])
    # The adapted statistics travel in the config; training continues.
    std = loaded.strong_augmentation.layers[-1].feature_std
    np.testing.assert_allclose(std, x.std(axis=0), rtol=1e-5)
    data = semi_supervised_dataset(x[:8], y[:8], x[8:100], batch_size=4, seed=0)
    history = loaded.fit(data, epochs=1, verbose=0).history
    assert np.isfinite(history["loss"][0])


@tensorflow_only(TF_FUNCTION)
def test_classifier_exports_without_the_training_machinery(tmp_path):
    import tensorflow as tf

    from keras_smalldata.export import export_for_serving

    classifier = _classifier("images")
    model = SemiSupervised(classifier, value_range=(0, 1), seed=0)
    path = export_for_serving(model.classifier, tmp_path / "served")
    served = tf.saved_model.load(path)
    x = np.random.default_rng(0).uniform(0, 1, (4, 8, 8, 1)).astype("float32")
    (name,) = served.signatures["serving_default"].structured_input_signature[1]
    outputs = served.signatures["serving_default"](**{name: tf.constant(x)})
    np.testing.assert_allclose(
        outputs["output_0"].numpy(), classifier.predict(x, verbose=0), atol=1e-6
    )
    # Only the classifier's weights: no policy seeds, no trackers.
    saved = sorted(v.shape.num_elements() for v in served.variables)
    assert saved == sorted(int(np.prod(w.shape)) for w in classifier.weights)


@tensorflow_only("XLA is turned off for the TensorFlow step only")
def test_tensorflow_step_is_not_xla_compiled():
    # The step's data-dependent shapes (the confident samples) do not compile
    # with XLA; "auto" would pick XLA on a GPU. (Keras' RandomTranslation, in
    # the image policies, turns XLA off by itself; the tabular ones do not.)
    model = SemiSupervised(_classifier("tabular"))
    with pytest.warns(UserWarning, match="jit_compile"):
        model.compile(optimizer="adam", jit_compile=True)
    assert model.jit_compile is False


@tensorflow_only(TF_FUNCTION)
def test_tensorflow_traces_the_step_once():
    # Keras creates the optimizer's and compiled metrics' variables while
    # tracing the first step, and TensorFlow then traces it again; `fit`
    # creates them first.
    x, y = _tabular_problem()
    model = SemiSupervised(_mlp(), seed=0)
    model.adapt(x)
    model.compile(optimizer="adam", metrics=["accuracy"])
    traces = []
    step = model.train_step

    def counting_step(*args):
        traces.append(1)
        return step(*args)

    model.train_step = counting_step
    data = semi_supervised_dataset(x[:4], y[:4], x[4:100], batch_size=4, seed=0)
    model.fit(data, verbose=0)
    assert len(traces) == 1


def test_fit_rejects_arrays_and_unadapted_statistics():
    x, y = _tabular_problem()
    model = SemiSupervised(_mlp(), seed=0)
    model.compile(optimizer="adam")
    weights = [w.copy() for w in model.classifier.get_weights()]
    with pytest.raises(ValueError, match="Received: x of type ndarray"):
        model.fit(x, y)
    data = semi_supervised_dataset(x[:8], y[:8], x[8:100], batch_size=4, seed=0)
    with pytest.raises(ValueError, match="call `model.adapt"):
        model.fit(data, verbose=0)
    for before, after in zip(weights, model.classifier.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)
