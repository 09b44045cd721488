import dataclasses
import importlib

import numpy as np
import pandas as pd
import pytest

import keras_smalldata.study
from keras_smalldata.cli import main


def fake_results(per_class, arms=("svc", "scratch"), repeats=2):
    rows = []
    for arm in arms:
        kind = "traditional" if arm == "svc" else "deep"
        for size in per_class:
            for repeat in range(repeats):
                rows.append(
                    {
                        "arm": arm,
                        "kind": kind,
                        "size": size,
                        "repeat": repeat,
                        "metric": "accuracy",
                        "value": 0.5 + size / 100 + (kind == "deep") * 0.01 * repeat,
                        "fit_seconds": 1.0,
                        "n_train": size * 3,
                        "n_test": 100,
                    }
                )
    return pd.DataFrame(rows)


def fake_result(config, **artefacts):
    from keras_smalldata.study import StudyResult

    scores = fake_results(
        list(config.per_class or [5, 10]), arms=config.arms or ("svc", "scratch")
    )
    return StudyResult(scores=scores, config=config, **artefacts)


@pytest.fixture
def fake_run_study(monkeypatch):
    """Replaces run_study; records its arguments and reports progress."""
    calls = []

    def run_study(x, y, config=None, progress=True, **options):
        calls.append(
            {"x": x, "y": y, "progress": progress, "config": config, **options}
        )
        progress(0, 2, "repeat 1/1: svc")
        progress(2, 2, "done")
        return fake_result(config)

    monkeypatch.setattr(keras_smalldata.study, "run_study", run_study)
    monkeypatch.setenv("COLUMNS", "200")
    return calls


@pytest.fixture
def no_training(monkeypatch):
    """Fails the test if the study starts training."""

    def run_study(*args, **kwargs):
        raise AssertionError("run_study must not be called")

    monkeypatch.setattr(keras_smalldata.study, "run_study", run_study)


def test_end_to_end_with_fake_study(tmp_path, fake_run_study, capsys):
    out = tmp_path / "report"
    status = main(
        ["study", "--data", "wine", "--per-class", "10", "5", "--repeats", "2"]
        + ["--arms", "svc", "scratch", "--seed", "3", "--out", str(out)]
    )
    assert status == 0
    (call,) = fake_run_study
    assert call["x"].shape == (178, 13)
    config = call["config"]
    assert config.per_class == (5, 10)
    assert config.repeats == 2
    assert config.arms == ("svc", "scratch")
    assert config.seed == 3
    assert config.kind == "tabular"
    assert config.quick is False
    assert config.epochs is None
    assert config.flips is False
    assert callable(call["progress"])

    captured = capsys.readouterr()
    # The verdict first, then the tables.
    assert captured.out.startswith("Verdict (accuracy): best deep arm vs strongest")
    assert "- With 5 labelled samples per class, `scratch` (MLP trained from" in (
        captured.out
    )
    assert "accuracy, mean ± 95% half-width" in captured.out
    # svc at 10 per class: 0.6 on both repeats, so no interval half-width is 0.
    assert "0.600 ± 0.000" in captured.out
    assert "no significant difference" in captured.out
    assert f"Report: {out / 'report.md'}" in captured.out
    assert "Study of wine: 178 samples, 3 classes" in captured.err

    pd.testing.assert_frame_equal(
        pd.read_csv(out / "results.csv"), fake_results([5, 10])
    )
    assert (out / "learning_curve.png").stat().st_size > 0
    assert not (out / "augmentations.png").exists()
    assert "# Study: wine" in (out / "report.md").read_text()


def test_options_passed_through(tmp_path, fake_run_study):
    status = main(
        ["study", "--data", "wine", "--quick", "--epochs", "3"]
        + ["--n-jobs", "1", "--out", str(tmp_path)]
    )
    assert status == 0
    config = fake_run_study[0]["config"]
    assert config.quick is True
    assert config.epochs == 3
    assert config.seed == 0
    assert config.n_jobs == 1
    # Not given: left to run_study's defaults.
    assert config.per_class is None and config.repeats is None
    assert config.arms is None


def test_train_sizes_become_per_class(tmp_path, fake_run_study, capsys):
    status = main(
        ["study", "--data", "wine", "--train-sizes", "30", "62", "--out", str(tmp_path)]
    )
    assert status == 0
    assert fake_run_study[0]["config"].per_class == (10, 20)
    assert "--per-class 10 20" in capsys.readouterr().err


def test_images_get_the_figures_their_result_carries(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    calls = []

    def run_study(x, y, config=None, progress=True, **options):
        calls.append({"x": x, "config": config})
        return fake_result(
            dataclasses.replace(config, per_class=(2, 3), arms=("svc", "synthetic")),
            vae_samples=rng.uniform(size=(3, 8, 8, 8, 1)),
            vae_training_images=rng.uniform(size=(3, 8, 8, 1)),
            augmentation_examples=rng.uniform(size=(5, 3, 8, 8, 1)),
        )

    monkeypatch.setattr(keras_smalldata.study, "run_study", run_study)
    x = rng.integers(0, 256, (15, 8, 8, 1), dtype=np.uint8)
    np.savez(tmp_path / "tiny.npz", x=x, y=np.arange(15) % 3)
    out = tmp_path / "out"
    argv = ["study", "--data", str(tmp_path / "tiny.npz"), "--flips", "--out"]
    assert main([*argv, str(out)]) == 0
    (call,) = calls
    assert call["config"].kind == "images"
    assert call["config"].flips is True
    assert call["config"].n_jobs == -1  # one worker per core by default
    assert call["x"].dtype == np.float32 and call["x"].max() <= 1.0
    # Drawn from the result's arrays: the command trains nothing itself.
    assert (out / "augmentations.png").stat().st_size > 0
    assert (out / "vae_samples.png").stat().st_size > 0
    report = (out / "report.md").read_text()
    assert "![Augmented training images](augmentations.png)" in report
    assert "![Samples of the conditional VAE](vae_samples.png)" in report


def test_no_image_figures_without_images_in_the_result(tmp_path, fake_run_study):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (12, 8, 8, 1), dtype=np.uint8)
    np.savez(tmp_path / "tiny.npz", x=x, y=np.arange(12) % 3)
    out = tmp_path / "out"
    assert main(["study", "--data", str(tmp_path / "tiny.npz"), "--out", str(out)]) == 0
    assert not (out / "vae_samples.png").exists()
    assert not (out / "augmentations.png").exists()


def run_failing(argv, capsys):
    status = main(argv)
    err = capsys.readouterr().err
    assert status == 2
    assert "keras-smalldata study: error: " in err
    return err


def test_missing_data_path(tmp_path, no_training, capsys):
    path = tmp_path / "missing.npz"
    err = run_failing(["study", "--data", str(path)], capsys)
    assert f"No file or folder at '{path}'" in err


def test_one_class_npz(tmp_path, no_training, capsys):
    np.savez(tmp_path / "one.npz", x=np.zeros((4, 3)), y=np.zeros(4, int))
    err = run_failing(["study", "--data", str(tmp_path / "one.npz")], capsys)
    assert "at least two classes" in err


def test_csv_without_target(tmp_path, no_training, capsys):
    (tmp_path / "d.csv").write_text("a,y\n1,0\n2,1\n")
    err = run_failing(["study", "--data", str(tmp_path / "d.csv")], capsys)
    assert "--target COL" in err


def test_per_class_larger_than_a_class(no_training, capsys):
    err = run_failing(["study", "--data", "wine", "--per-class", "5", "48"], capsys)
    assert "smallest class, 'class_2', has 48" in err


def test_train_sizes_below_one_per_class(no_training, capsys):
    err = run_failing(["study", "--data", "wine", "--train-sizes", "2", "9"], capsys)
    assert "--train-sizes 2 is fewer than one sample per class for 3" in err


def test_run_study_argument_error_exits_2(monkeypatch, capsys):
    def run_study(x, y, config=None, progress=True, **options):
        raise ValueError("Unknown arm 'svm'")

    monkeypatch.setattr(keras_smalldata.study, "run_study", run_study)
    err = run_failing(["study", "--data", "wine", "--arms", "svm"], capsys)
    assert "Unknown arm 'svm'" in err


def test_error_during_training_is_raised(monkeypatch):
    def run_study(x, y, config=None, progress=True, **options):
        progress(0, 3, "repeat 1/1: svc")
        raise ValueError("something broke while training")

    monkeypatch.setattr(keras_smalldata.study, "run_study", run_study)
    with pytest.raises(ValueError, match="something broke"):
        main(["study", "--data", "wine"])


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--per-class", "0"], "expected an integer >= 1, got '0'"),
        (["--repeats", "two"], "expected an integer >= 1, got 'two'"),
        (["--per-class", "5", "--train-sizes", "50"], "not allowed with argument"),
        (["--image-size", "32"], "expected 2 arguments"),
    ],
)
def test_invalid_arguments(argv, message, no_training, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["study", *argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_help_lists_data_forms(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["study", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "PATH.csv --target COL" in out
    assert "tfds:NAME" in out
    assert "--train-sizes" in out
    assert "--overwrite" in out and "status 130" in out


def test_missing_matplotlib_fails_before_training(monkeypatch, no_training, capsys):
    import importlib.util

    find_spec = importlib.util.find_spec

    def without_matplotlib(name, *args, **kwargs):
        return None if name == "matplotlib" else find_spec(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", without_matplotlib)
    err = run_failing(["study", "--data", "wine"], capsys)
    assert 'pip install "keras-smalldata[plot]"' in err


# The output folder -------------------------------------------------------------


@pytest.fixture
def no_loading(monkeypatch):
    """Fails the test if the study reads its data."""
    import keras_smalldata.study.load_data

    def load_study_data(*args, **kwargs):
        raise AssertionError("load_study_data must not be called")

    monkeypatch.setattr(
        keras_smalldata.study.load_data, "load_study_data", load_study_data
    )


def test_out_is_a_file_fails_before_anything(tmp_path, no_loading, capsys):
    path = tmp_path / "results.csv"
    path.write_text("mine")
    err = run_failing(["study", "--out", str(path)], capsys)
    assert f"`--out` must be a folder, and '{path}' is a file" in err
    assert path.read_text() == "mine"


def test_out_with_a_report_needs_overwrite(tmp_path, no_loading, capsys):
    (tmp_path / "report.md").write_text("old")
    err = run_failing(["study", "--out", str(tmp_path)], capsys)
    assert "already holds a report (report.md)" in err
    assert "pass --overwrite to replace it" in err
    assert (tmp_path / "report.md").read_text() == "old"


def test_overwrite_never_replaces_other_files(tmp_path, no_loading, capsys):
    (tmp_path / "thesis.tex").write_text("mine")
    err = run_failing(["study", "--out", str(tmp_path), "--overwrite"], capsys)
    assert "not a study's report (thesis.tex)" in err


def test_overwrite_replaces_the_previous_report(tmp_path, fake_run_study):
    out = tmp_path / "out"
    out.mkdir()
    (out / "vae_samples.png").write_bytes(b"old run")
    (out / "report.md").write_text("old run")
    argv = ["study", "--data", "wine", "--per-class", "5", "--out", str(out)]
    assert main([*argv, "--overwrite"]) == 0
    # The old run's figure is gone with its report: the runs do not mix.
    assert not (out / "vae_samples.png").exists()
    assert (out / "report.md").read_text().startswith("# Study: wine")


def test_interrupt_prints_one_line_and_exits_130(tmp_path, monkeypatch, capsys):
    def run_study(x, y, config=None, progress=True, **options):
        progress(0, 3, "repeat 1/1: svc")
        raise KeyboardInterrupt

    monkeypatch.setattr(keras_smalldata.study, "run_study", run_study)
    out = tmp_path / "out"
    assert main(["study", "--data", "wine", "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert f"keras-smalldata study: interrupted; nothing written to {out}" in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_interrupt_while_writing_keeps_the_previous_report(
    tmp_path, fake_run_study, monkeypatch, capsys
):
    import keras_smalldata.study.report as report

    out = tmp_path / "out"
    out.mkdir()
    (out / "report.md").write_text("old run")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "markdown", interrupted)
    argv = ["study", "--data", "wine", "--out", str(out), "--overwrite"]
    assert main(argv) == 130
    assert "interrupted; nothing written" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["report.md"]
    assert (out / "report.md").read_text() == "old run"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


# Argument combinations, checked before training ---------------------------------


@pytest.fixture
def validation_only(monkeypatch):
    """The real run_study checks its arguments; training fails the test."""
    run = importlib.import_module("keras_smalldata.study.run")
    jobs = importlib.import_module("keras_smalldata.study._jobs")

    def train(*args, **kwargs):
        raise AssertionError("the study must not start training")

    monkeypatch.setattr(jobs, "run_jobs", train)
    monkeypatch.setattr(run, "_progress_callback", lambda progress: train)


def save_image_folder(folder, size=10):
    from PIL import Image

    for label in ("a", "b"):
        (folder / label).mkdir(parents=True)
        for index in range(3):
            pixels = np.full((size, size, 3), 40 * index, np.uint8)
            Image.fromarray(pixels).save(folder / label / f"{index}.png")
    return folder


@pytest.mark.parametrize(
    "size, arms, message",
    [
        (
            "4",
            ["synthetic"],
            "The synthetic arm trains a VAE, which needs images of at "
            "least 8x8 pixels with 1 or 3 channels",
        ),
        ("7", ["augment+transfer"], "The augment+transfer arm trains a VAE"),
        ("1", ["scratch"], "The scratch arm's network pools 2x2 pixels"),
    ],
)
def test_image_size_too_small_for_an_arm(
    size, arms, message, tmp_path, validation_only, capsys
):
    folder = save_image_folder(tmp_path / "images")
    argv = ["study", "--data", str(folder), "--image-size", size, size]
    argv += ["--arms", *arms] if arms else []
    err = run_failing([*argv, "--out", str(tmp_path / "out")], capsys)
    assert message in err
    assert f"images of shape ({size}, {size}, 3)" in err


def test_four_channel_images_for_a_vae_arm(tmp_path, validation_only, capsys):
    x = np.zeros((12, 8, 8, 4), np.uint8)
    np.savez(tmp_path / "rgba.npz", x=x, y=np.arange(12) % 2)
    argv = ["study", "--data", str(tmp_path / "rgba.npz"), "--arms", "synthetic"]
    err = run_failing([*argv, "--out", str(tmp_path / "out")], capsys)
    assert "images of shape (8, 8, 4)" in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["--image-size", "32", "32"],
            "--image-size resizes the images of a "
            "folder or a tfds dataset; 'wine' is used at its own size",
        ),
        (
            ["--data-dir", "somewhere"],
            "Received: --data-dir somewhere with --data wine",
        ),
        (["--flips"], "Received: flips=True for tabular data"),
        (["--epochs", "3", "--arms", "svc", "knn"], "`arms` has no deep arm"),
    ],
)
def test_options_the_study_would_ignore(argv, message, validation_only, capsys):
    err = run_failing(["study", "--data", "wine", *argv], capsys)
    assert message in err


# CSV columns -----------------------------------------------------------------


def write_patients(path, dose_typo=False):
    lines = ["patient,dose,sex,outcome"]
    for row in range(12):
        dose = '"1,5"' if dose_typo and row == 4 else f"{1 + row / 10}"
        lines.append(f"P{row:02d},{dose},{'mf'[row % 2]},{row % 3 == 0}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_csv_column_treatment_is_printed_and_reported(tmp_path, fake_run_study, capsys):
    path = write_patients(tmp_path / "patients.csv")
    out = tmp_path / "out"
    argv = ["study", "--data", str(path), "--target", "outcome", "--per-class", "2"]
    assert main([*argv, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "Columns of patients (features):" in err
    assert "patient  dropped (a distinct value in every row" in err
    assert "dose     numeric" in err
    assert "sex      one-hot (2 values)" in err
    # The ID column is not a feature: dose and 2 one-hot columns of sex.
    assert fake_run_study[0]["x"].shape == (12, 3)
    report = (out / "report.md").read_text()
    assert "| `patient` | dropped (a distinct value in every row" in report


def test_csv_numeric_column_with_a_typo(tmp_path, no_training, capsys):
    path = write_patients(tmp_path / "patients.csv", dose_typo=True)
    argv = ["study", "--data", str(path), "--target", "outcome"]
    err = run_failing(argv, capsys)
    assert "the column 'dose' holds numbers except for 1 cell(s): '1,5'" in err
    assert "(data row 5)" in err
