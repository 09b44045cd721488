import importlib.util
from pathlib import Path

import numpy as np

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "transfer_digits.py"


def _load_example():
    spec = importlib.util.spec_from_file_location("transfer_digits", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tasks_split_the_digits():
    (x_source, y_source), (x_target, y_target) = _load_example().load_tasks()
    assert x_source.shape[1:] == x_target.shape[1:] == (8, 8, 1)
    assert len(x_source) + len(x_target) == 1797
    assert set(np.unique(y_source)) == set(np.unique(y_target)) == set(range(5))


def test_quick_run_in_a_temporary_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    rows = _load_example().main(["--quick"])
    out = capsys.readouterr().out
    assert [(row[0], row[1]) for row in rows] == [
        (5, "scratch"),
        (5, "frozen"),
        (5, "fine_tune"),
        (5, "gradual"),
    ]
    for row in rows:
        assert 0 <= float(row[2]) <= 1
        assert row[1] in out
    # The pretrained backbone did learn its own task.
    pretrained = float(out.split("training accuracy ")[1].split()[0])
    assert pretrained > 0.9
    assert list(tmp_path.iterdir()) == []  # weights went to a temporary dir
