"""Smoke test of `examples/vae_digits.py --quick`."""

import subprocess
import sys
from pathlib import Path

import numpy as np

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vae_digits.py"


def test_vae_digits_quick_writes_a_grid_and_a_loadable_model(tmp_path):
    out = tmp_path / "grid.png"
    result = subprocess.run(
        [
            sys.executable,
            str(EXAMPLE),
            "--quick",
            "--out",
            str(out),
            "--save",
            "vae.keras",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Wrote {out}" in result.stdout and "beta=1.00" in result.stdout

    import matplotlib.image

    image = matplotlib.image.imread(out)
    height, width, _ = image.shape
    assert height > 500 and width > 500  # 10 rows of digits, 11 columns.
    assert image[..., :3].std() > 0.05  # Not a blank canvas.

    import keras

    import keras_smalldata.models  # noqa: F401  (registers VAE for loading)

    vae = keras.saving.load_model(tmp_path / "vae.keras", safe_mode=True)
    samples = vae.sample(3, labels=[0, 5, 9], seed=0)
    assert samples.shape == (3, 8, 8, 1) and np.all((samples >= 0) & (samples <= 1))
