import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from keras_smalldata.datasets import load_digits, load_wine
from keras_smalldata.study import run_study


class Recorder(ClassifierMixin, BaseEstimator):
    """Predicts the majority class; records every training set it sees."""

    seen = []

    def fit(self, X, y):
        Recorder.seen.append((np.array(X), np.array(y)))
        values, counts = np.unique(y, return_counts=True)
        self.classes_ = values
        self.majority_ = values[counts.argmax()]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)


@pytest.fixture
def recorder(monkeypatch):
    Recorder.seen = []
    module = __import__("keras_smalldata.study._arms", fromlist=["_estimator"])
    monkeypatch.setattr(module, "_estimator", lambda *args: Recorder())
    return Recorder


def test_training_never_sees_test_samples_or_their_labels(recorder):
    x, y = load_wine()
    # Unique rows, so each training row identifies one sample.
    assert len(np.unique(x, axis=0)) == len(x)
    results = run_study(
        x, y, per_class=(3, 6), arms=["svc", "scratch"], repeats=2, progress=False
    ).scores
    assert len(recorder.seen) == 2 * 2 * 2  # repeats x arms x sizes
    index = {row.tobytes(): i for i, row in enumerate(x)}
    trained = [frozenset(index[row.tobytes()] for row in X) for X, _ in recorder.seen]
    # One pool of 6 per class per repeat, shared by both arms; every training
    # set lies in a pool, and the test set is the rest.
    pools = {ids for ids in trained if len(ids) == 6 * 3}
    assert len(pools) == 2
    assert all(any(ids <= pool for pool in pools) for ids in trained)
    n_test = results.groupby("repeat")["n_test"].first()
    assert sorted(n_test) == sorted(len(x) - len(pool) for pool in pools)
    for X, labels in recorder.seen:
        rows = [index[row.tobytes()] for row in X]
        np.testing.assert_array_equal(labels, y[rows])
    # Sizes are nested and exactly per class.
    for _, labels in recorder.seen:
        counts = np.unique(labels, return_counts=True)[1]
        assert len(set(counts)) == 1 and counts[0] in (3, 6)


def test_same_seed_same_splits(recorder):
    x, y = load_wine()
    run_study(x, y, per_class=(4,), arms=["svc"], repeats=2, seed=3, progress=False)
    first = [X.copy() for X, _ in recorder.seen]
    recorder.seen.clear()
    run_study(x, y, per_class=(4,), arms=["svc"], repeats=2, seed=3, progress=False)
    for a, (b, _) in zip(first, recorder.seen, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], first[1])  # repeats differ


def test_tidy_results_of_real_arms():
    x, y = load_wine()
    results = run_study(
        x,
        y,
        per_class=(5,),
        arms=["logistic_regression_tuned", "svc_tuned", "scratch", "augment"],
        repeats=1,
        quick=True,
        progress=False,
    ).scores
    assert list(results.columns) == [
        "arm",
        "kind",
        "size",
        "repeat",
        "metric",
        "value",
        "fit_seconds",
        "n_train",
        "n_test",
        "n_unlabeled",
    ]
    assert set(results.arm) == {
        "logistic_regression_tuned",
        "svc_tuned",
        "scratch",
        "augment",
    }
    kinds = dict(zip(results.arm, results.kind, strict=True))
    assert kinds["scratch"] == "deep" and kinds["svc_tuned"] == "traditional"
    # Mechanics only: one accuracy per arm, each a fraction of the test split.
    # How good the arms are is measured in benchmarks/ (study_convergence.py),
    # not asserted in the timed suite.
    assert len(results) == 4 and set(results.metric) == {"accuracy"}
    correct = results.value * results.n_test
    np.testing.assert_allclose(correct, np.round(correct), atol=1e-6)
    assert results.value.between(0, 1).all()
    assert (results.n_train == 15).all()


def test_progress_callable_sees_every_step():
    x, y = load_wine()
    calls = []
    run_study(
        x,
        y,
        per_class=(3,),
        arms=["svc", "knn"],
        repeats=2,
        progress=lambda done, total, text: calls.append((done, total)),
    )
    # The pretraining slot + 2 repeats of one job (traditional arms share one).
    assert calls[-1] == (3, 3)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


@pytest.mark.slow
def test_worker_processes_give_the_same_numbers():
    x, y = load_wine()
    calls = []
    kwargs = dict(
        per_class=(3, 6), arms=["knn", "scratch", "augment"], repeats=2, epochs=1
    )
    alone = run_study(x, y, progress=False, **kwargs).scores
    workers = run_study(
        x, y, n_jobs=2, progress=lambda *args: calls.append(args), **kwargs
    ).scores
    columns = ["arm", "size", "repeat", "value", "n_train", "n_test"]
    pd.testing.assert_frame_equal(workers[columns], alone[columns])
    # 3 jobs x 2 repeats as they end (after the pretraining slot), then "done".
    assert [done for done, _, _ in calls] == [2, 3, 4, 5, 6, 7, 7]
    assert all("finished repeat" in text for _, _, text in calls[1:-1])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"per_class": (0,)}, "Received: per_class=0"),
        ({"per_class": (60,)}, r"smallest class \(2: 48.*Received: per_class=\[60\]"),
        ({"repeats": 0}, "Received: repeats=0"),
        ({"n_jobs": 0}, "Received: n_jobs=0"),
        ({"n_jobs": 1.5}, "Received: n_jobs=1.5"),
        ({"arms": ["svm"]}, "Unknown arm 'svm'"),
        ({"arms": ["augment+augment"]}, "Unknown arm"),
        ({"arms": ["synthetic"]}, "needs image data"),
        ({"arms": []}, "Received: arms=\\[\\]"),
        ({"epochs": -1}, "Received: epochs=-1"),
    ],
)
def test_bad_arguments(kwargs, match):
    x, y = load_wine()
    with pytest.raises(ValueError, match=match):
        run_study(x, y, **{"per_class": (5,), "progress": False, **kwargs})


def test_one_class_is_rejected():
    x, y = load_wine()
    with pytest.raises(ValueError, match="at least two classes"):
        run_study(x[y == 0], y[y == 0], per_class=(2,), progress=False)


def test_image_arms_run_on_digits_and_carry_their_images(monkeypatch):
    from keras_smalldata.study import _vae_cache
    from keras_smalldata.study._networks import describe_augmentation

    # Count the conditional VAEs trained: the report's samples must come from
    # the synthetic arm's own VAE, not from one more.
    trained = []
    fit = _vae_cache._fit
    monkeypatch.setattr(_vae_cache, "_CONDITIONAL", {})
    monkeypatch.setattr(
        _vae_cache,
        "_fit",
        lambda vae, data, *args: trained.append(1) or fit(vae, data, *args),
    )
    x, y = load_digits()
    keep = np.isin(y, [0, 1, 2])
    result = run_study(
        x[keep],
        y[keep],
        per_class=(4,),
        arms=["augment", "synthetic", "transfer"],
        repeats=1,
        quick=True,
        epochs=1,
        progress=False,
    )
    results = result.scores
    assert set(results.arm) == {"augment", "synthetic", "transfer"}
    assert results.value.between(0, 1).all()
    # The transfer arm's unconditional VAE, and one conditional VAE.
    conditional = [key for key in _vae_cache._CONDITIONAL]
    assert len(conditional) == 1
    assert len(trained) == 2
    assert result.vae_samples.shape == (3, 8, 8, 8, 1)
    assert result.vae_samples.min() >= 0 and result.vae_samples.max() <= 1
    # One training image of each class, from the pool (never a test image).
    images = x[keep].astype("float32")
    labels = y[keep]
    for label, image in enumerate(result.vae_training_images):
        match = np.flatnonzero((images == image).all(axis=(1, 2, 3)))
        assert labels[match[0]] == label
    examples = result.augmentation_examples
    assert examples.shape == (5, 8, 8, 8, 1)
    assert not np.allclose(examples[0], examples[1])
    assert result.augmentation_policy == describe_augmentation(
        "images", (8, 8, 1), False
    )
    assert result.wall_seconds > 0


def test_a_config_and_options():
    from keras_smalldata.study import StudyConfig

    x, y = load_wine()
    config = StudyConfig(per_class=[3], arms=["knn"], repeats=2, seed=1)
    result = run_study(x, y, config, seed=4, progress=False)
    assert result.config.seed == 4 and result.config.repeats == 2
    assert result.config == StudyConfig(
        per_class=[3], arms=["knn"], repeats=2, seed=4, kind="tabular"
    )
    assert result.augmentation_policy is None
    with pytest.raises(TypeError, match=r"Received: config=\[3\]"):
        run_study(x, y, [3])
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['per_klass'\]"):
        run_study(x, y, per_klass=[3])


def test_importing_a_module_never_hides_a_function():
    # `import keras_smalldata.study.run_study` used to bind the module over the
    # function of the same name.
    import importlib
    import pkgutil

    import keras_smalldata.study as study

    modules = [info.name for info in pkgutil.iter_modules(study.__path__)]
    assert not set(modules) & set(study._EXPORTS)
    for name in modules:
        importlib.import_module(f"keras_smalldata.study.{name}")
    from keras_smalldata.study import run_study as imported

    assert imported is run_study
    for name in study._EXPORTS:
        value = getattr(study, name)
        assert callable(value) and not hasattr(value, "__path__"), name
        assert type(value).__name__ != "module", name
