import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
AUGMENTATION_PREVIEW = EXAMPLES / "augmentation_preview.py"
POLICIES = ["trivial", "crop", "noise", "default"]


def _load_augmentation_preview():
    spec = importlib.util.spec_from_file_location(
        "augmentation_preview", AUGMENTATION_PREVIEW
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _check_png(path):
    import matplotlib.image

    image = matplotlib.image.imread(path)
    height, width, _ = image.shape
    assert height > 100 and width > 100
    # Not a blank canvas: the digits put dark and light pixels on it.
    assert image[..., :3].std() > 0.05


def test_augmentation_preview_runs_as_a_script(tmp_path):
    out = tmp_path / "preview.png"
    result = subprocess.run(
        [sys.executable, str(AUGMENTATION_PREVIEW), "--rows", "2", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout and "default" in result.stdout
    _check_png(out)


@pytest.mark.parametrize("policy", POLICIES)
def test_augmentation_preview_writes_png(tmp_path, capsys, policy):
    out = tmp_path / f"{policy}.png"
    args = ["--policy", policy, "--num-images", "3", "--rows", "2", "--out", str(out)]
    _load_augmentation_preview().main(args)
    assert policy in capsys.readouterr().out
    _check_png(out)


@pytest.mark.parametrize("policy", POLICIES)
def test_policies_keep_shape_and_value_range(policy):
    from keras_smalldata.datasets import load_digits

    images, _ = load_digits()
    images = images[:4]
    layer = _load_augmentation_preview().build_policy(policy, seed=0)
    out = np.asarray(layer(images, training=True))
    assert out.shape == images.shape
    assert out.min() >= 0.0 and out.max() <= 1.0
    np.testing.assert_array_equal(np.asarray(layer(images, training=False)), images)


def test_unknown_policy():
    with pytest.raises(ValueError, match="Received: name='flip'"):
        _load_augmentation_preview().build_policy("flip", seed=0)
