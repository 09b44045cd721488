"""`StudyConfig`: checked once when made, resolved against the data."""

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from keras_smalldata.datasets import load_wine
from keras_smalldata.study import StudyConfig


def test_fields_are_normalised():
    config = StudyConfig(per_class=[10, np.int64(5), 10], arms=["knn", "scratch"])
    assert config.per_class == (5, 10)
    assert config.arms == ("knn", "scratch")
    assert StudyConfig(per_class=7).per_class == (7,)
    assert config.deep_arms == ("scratch",)


def test_resolve_fills_the_data_defaults():
    x, y = load_wine()  # smallest class: 48 samples
    config = StudyConfig().resolve(x, y)
    assert config.kind == "tabular"
    assert config.per_class == (5, 10, 20)
    assert config.repeats == 3
    assert "hist_gradient_boosting_tuned" in config.arms and "scratch" in config.arms
    assert StudyConfig(quick=True).resolve(x, y).repeats == 1
    images = np.zeros((60, 8, 8, 1))
    resolved = StudyConfig().resolve(images, np.arange(60) % 3)
    assert resolved.kind == "images"
    assert "hist_gradient_boosting_tuned" not in resolved.arms
    # Resolving again changes nothing.
    assert resolved.resolve(images, np.arange(60) % 3) == resolved


def test_frozen_and_checked_again_when_replaced():
    config = StudyConfig(repeats=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.repeats = 4
    with pytest.raises(ValueError, match="Received: repeats=0"):
        dataclasses.replace(config, repeats=0)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"per_class": []}, ValueError, r"Received: per_class=\[\]"),
        ({"per_class": [5, 0]}, ValueError, "Received: per_class=0"),
        ({"arms": "knn"}, TypeError, r"Received: arms='knn'; for one arm"),
        ({"arms": ["knn", "knn"]}, ValueError, "names an arm twice"),
        ({"arms": ["svm"]}, ValueError, "Unknown arm 'svm'"),
        ({"repeats": 1.5}, ValueError, "Received: repeats=1.5"),
        ({"seed": -1}, ValueError, "Received: seed=-1"),
        ({"quick": "yes"}, TypeError, "Received: quick='yes'"),
        ({"flips": 1}, TypeError, "Received: flips=1"),
        ({"kind": "audio"}, ValueError, "Received: kind='audio'"),
        ({"epochs": 0}, ValueError, "Received: epochs=0"),
        ({"n_jobs": 0}, ValueError, "Received: n_jobs=0"),
    ],
)
def test_each_field_is_checked_when_made(kwargs, error, match):
    with pytest.raises(error, match=match):
        StudyConfig(**kwargs)


def test_resolve_checks_against_the_data():
    x, y = load_wine()
    with pytest.raises(ValueError, match=r"smallest class \(2: 48"):
        StudyConfig(per_class=[48]).resolve(x, y)
    with pytest.raises(ValueError, match="needs image data"):
        StudyConfig(arms=["synthetic"]).resolve(x, y)
    with pytest.raises(ValueError, match=r"Received: kind='images', x.shape"):
        StudyConfig(kind="images").resolve(x, y)


def test_made_without_tensorflow():
    code = (
        "import sys\n"
        "from keras_smalldata.study import StudyConfig, StudyResult\n"
        "StudyConfig(per_class=[5], repeats=2, seed=1)\n"
        "print('tensorflow' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
