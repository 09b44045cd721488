"""The README's example runs, in a small setting (1 epoch, no ImageNet download)."""

import os
import pathlib
import re
import subprocess
import sys

README = pathlib.Path(__file__).parents[1] / "README.md"

# What makes the example small and offline; each must match at least once.
SMALL = (
    (r"epochs=\d+", "epochs=1"),
    (r"input_shape=\(32, 32, 3\)\)", "input_shape=(32, 32, 3), weights=None)"),
    (r"per_class=True, random_state=0", "per_class=True, cv=2, random_state=0"),
    (r"\[5, 10, 20\]", "[3]"),
)


def example_code():
    text = README.read_text()
    section = text[text.index("## Example") :]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def test_readme_example_runs(tmp_path):
    code = example_code()
    for pattern, replacement in SMALL:
        code, count = re.subn(pattern, replacement, code)
        assert count, f"the README example no longer contains {pattern!r}"
    script = tmp_path / "example.py"
    script.write_text(code)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "CNN test accuracy:" in result.stdout
    assert "svc" in result.stdout and "random_forest" in result.stdout
    assert (tmp_path / "serving" / "digits").is_dir()
