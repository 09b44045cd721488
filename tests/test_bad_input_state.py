"""No bad input corrupts state: a failed call leaves its object as it was.

The catalogue of bad inputs is `test_bad_inputs.py`; here, after each failed
call, the object is compared with its state before the call and then used on
good input.
"""

import os

import keras
import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier

from keras_smalldata import compare, export, layers, models

RNG = np.random.default_rng(0)
X = RNG.normal(size=(8, 4)).astype("float32")
Y = np.arange(8) % 2


# -- ModelComparison ------------------------------------------------------------


def _comparison():
    estimators = {
        "tree": DecisionTreeClassifier(random_state=0),
        "stump": DecisionTreeClassifier(max_depth=1, random_state=0),
    }
    return compare.ModelComparison(estimators, cv=2)


X20 = RNG.normal(size=(20, 3))
Y20 = np.arange(20) % 2
BAD_FITS = {
    "lengths-differ": (X20, Y20[:15]),
    "empty": (X20[:0], Y20[:0]),
    "all-fits-fail": (np.full((20, 3), "a"), Y20),
}


@pytest.mark.parametrize("bad", sorted(BAD_FITS))
def test_comparison_fits_good_data_after_a_failed_fit(bad):
    comparison = _comparison()
    with pytest.raises(ValueError):
        comparison.fit(*BAD_FITS[bad])
    assert not hasattr(comparison, "results_")
    comparison.fit(X20, Y20)
    expected = _comparison().fit(X20, Y20)
    np.testing.assert_array_equal(
        comparison.fold_scores_["score"], expected.fold_scores_["score"]
    )
    assert comparison.compare("tree", "stump") == expected.compare("tree", "stump")


def test_failed_calls_keep_the_results_of_the_last_fit():
    comparison = _comparison().fit(X20, Y20)
    fold_scores = comparison.fold_scores_.copy()
    verdict = comparison.compare("tree", "stump")
    for bad in BAD_FITS.values():
        with pytest.raises(ValueError):
            comparison.fit(*bad)
    with pytest.raises(ValueError, match="train_sizes"):
        compare.learning_curve(
            X=X20, y=Y20, train_sizes=[0], **comparison.get_params(deep=False)
        )
    with pytest.raises(ValueError, match="metric"):
        comparison.compare("tree", "stump", metric="f1")
    assert comparison.fold_scores_.equals(fold_scores)
    assert comparison.compare("tree", "stump") == verdict
    assert sorted(name for name in vars(comparison) if name.endswith("_")) == [
        "best_estimator_name_",
        "errors_",
        "fold_scores_",
        "results_",
        "significance_",
    ]


# -- VAE ------------------------------------------------------------------------


def _vae():
    keras.utils.set_random_seed(0)
    vae = models.VAE.for_tabular(
        4, latent_dim=2, num_classes=2, hidden_units=(4,), seed=0
    )
    # Eager steps: tracing the train step would take most of this file's time.
    vae.compile(optimizer="adam", run_eagerly=True)
    return vae


def _fit(vae, x=X, y=Y):
    keras.utils.set_random_seed(1)
    return vae.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0)


BAD_VAE_FITS = {
    "nan-x": (np.where(X > 1, np.nan, X), Y),
    "inf-x": (np.where(X > 1, np.inf, X), Y),
    "string-x": (np.full((8, 4), "a"), Y),
    "x-of-other-shape": (np.zeros((8, 5), "float32"), Y),
    "labels-out-of-range": (X, Y + 3),
    "lengths-differ": (X, Y[:5]),
    "no-labels": (X, None),
}


def test_failed_vae_fits_change_no_weight_and_good_fits_still_work():
    vae = _vae()
    weights = [w.copy() for w in vae.get_weights()]
    samples = vae.sample(4, labels=[0, 1, 0, 1], seed=0)
    for name, (x, y) in BAD_VAE_FITS.items():
        with pytest.raises((ValueError, TypeError)):
            _fit(vae, x, y)
        for before, after in zip(weights, vae.get_weights(), strict=True):
            np.testing.assert_array_equal(after, before, err_msg=name)
    np.testing.assert_array_equal(vae.sample(4, labels=[0, 1, 0, 1], seed=0), samples)

    # The failed calls left nothing behind: training now goes exactly as it
    # goes for a VAE that never saw them.
    history = _fit(vae)
    untouched = _vae()
    expected = _fit(untouched)
    assert np.isfinite(history.history["loss"]).all()
    np.testing.assert_allclose(history.history["loss"], expected.history["loss"])
    for got, want in zip(vae.get_weights(), untouched.get_weights(), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    new_samples = vae.sample(4, labels=[0, 1, 0, 1], seed=0)
    assert new_samples.shape == (4, 4) and np.isfinite(new_samples).all()


# -- adapt ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "layer, attribute",
    [(layers.FeatureNoise(), "feature_std"), (layers.FeatureDropout(), "feature_mean")],
)
def test_failed_adapt_keeps_the_adapted_statistics(layer, attribute):
    layer.adapt(X)
    adapted = list(getattr(layer, attribute))
    for bad in (np.where(X > 1, np.nan, X), X[:0], np.full((8, 4), "a")):
        with pytest.raises((ValueError, TypeError)):
            layer.adapt(bad)
    assert getattr(layer, attribute) == adapted


# -- export_for_serving ---------------------------------------------------------


def _snapshot(root):
    """Every path under `root` with its bytes (None for a directory)."""
    entries = {}
    for directory, subdirectories, files in os.walk(root):
        for name in subdirectories:
            entries[os.path.relpath(os.path.join(directory, name), root)] = None
        for name in files:
            path = os.path.join(directory, name)
            with open(path, "rb") as file:
                entries[os.path.relpath(path, root)] = file.read()
    return entries


def _model():
    inputs = keras.Input((4,), name="x")
    outputs = keras.layers.Dense(2)(layers.FeatureNoise(feature_std=[1.0] * 4)(inputs))
    return keras.Model(inputs, outputs)


def _failing_write(*args, **kwargs):
    raise OSError("disk full")


def test_failed_exports_leave_the_export_dir_byte_for_byte(tmp_path, monkeypatch):
    import tensorflow as tf

    export_dir = tmp_path / "models"
    model = _model()
    export.export_for_serving(model, export_dir)
    (export_dir / "README").write_text("served by TF Serving\n")
    before = _snapshot(export_dir)
    assert "1/saved_model.pb" in before

    bad_calls = [
        lambda: export.export_for_serving("model", export_dir),
        lambda: export.export_for_serving(keras.Sequential([]), export_dir),
        lambda: export.export_for_serving(model, export_dir, version=0),
        lambda: export.export_for_serving(model, export_dir, version=1),
        lambda: export.export_for_serving(
            model, export_dir, input_signature=tf.TensorSpec((None, 7), "float32")
        ),
        lambda: export.export_for_serving(
            model, export_dir, warmup_inputs=np.zeros((2, 5))
        ),
    ]
    for call in bad_calls:
        with pytest.raises((ValueError, TypeError)):
            call()
        assert _snapshot(export_dir) == before

    # A failure while writing: the half-written version is removed.
    # (`keras.export.ExportArchive()` makes an instance of a backend subclass.)
    archive_type = type(keras.export.ExportArchive())
    monkeypatch.setattr(archive_type, "write_out", _failing_write)
    with pytest.raises(OSError, match="disk full"):
        export.export_for_serving(model, export_dir)
    assert _snapshot(export_dir) == before
    new_dir = tmp_path / "new"
    with pytest.raises(OSError, match="disk full"):
        export.export_for_serving(model, new_dir)
    assert not new_dir.exists()

    monkeypatch.undo()
    path = export.export_for_serving(model, export_dir)
    assert os.path.basename(path) == "2"
    assert set(_snapshot(export_dir)) > set(before)
