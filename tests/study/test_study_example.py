"""examples/study_digits.py: the pipeline from Python, rerun into one folder."""

import importlib.util
import pathlib

import pytest
from _study_fakes import make_result, two_arms

import keras_smalldata.study as study

EXAMPLE = pathlib.Path(__file__).parents[2] / "examples" / "study_digits.py"


@pytest.fixture
def example(monkeypatch):
    spec = importlib.util.spec_from_file_location("study_digits", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    configs = []

    def run_study(x, y, config=None, progress=True):
        configs.append(config)
        return make_result(two_arms([0.04, 0.035, 0.045]), kind="images")

    monkeypatch.setattr(study, "run_study", run_study)
    return module, configs


def test_a_second_run_replaces_the_first_report(example, tmp_path, capsys):
    module, configs = example
    out = tmp_path / "digits_study"
    module.main(["--quick", "--out", str(out)])
    first = (out / "report.md").read_text()
    scores, paths = module.main(["--quick", "--out", str(out), "--seed", "3"])
    assert paths["report"].read_text() == first  # the same fake numbers
    assert [config.seed for config in configs] == [0, 3]
    assert configs[0].arms == tuple(module.QUICK_ARMS)
    assert configs[0].repeats == 1
    printed = capsys.readouterr().out
    assert "- With 10 labelled images per class, `augment` (CNN with" in printed
    assert "pool-corrected t-test" in printed


def test_a_folder_with_other_files_is_refused(example, tmp_path):
    module, _ = example
    (tmp_path / "thesis.tex").write_text("mine")
    with pytest.raises(ValueError, match=r"not a study's report \(thesis.tex\)"):
        module.main(["--quick", "--out", str(tmp_path)])
    assert (tmp_path / "thesis.tex").read_text() == "mine"
