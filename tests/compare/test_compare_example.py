"""Smoke test of examples/compare_digits.py, run as a script with --quick."""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "compare_digits.py"


@pytest.mark.slow
def test_compare_digits_quick(tmp_path):
    out = tmp_path / "curves.png"
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    table = lines[lines.index("Mean test accuracy (digits per class in training):") :]
    header = table[1].split()
    assert header == ["5/class", "10/class"]
    accuracies = {
        row.split()[0]: [float(v) for v in row.split()[1:]] for row in table[3:7]
    }
    assert set(accuracies) == {"svc", "nearest_neighbor", "knn", "cnn"}
    # Mechanics only: an accuracy per model and size. How good the models are
    # is benchmarks/baselines.py's business, not the timed suite's.
    for name, values in accuracies.items():
        assert all(0.0 <= v <= 1.0 for v in values), name
    assert "corrected t-test" in result.stdout
    assert str(out) in result.stdout

    import matplotlib.image

    image = matplotlib.image.imread(out)
    assert image.shape[0] > 300 and image[..., :3].std() > 0.05
