"""`write_report`: the verdict first, the tables, the figures, the folder."""

import numpy as np
import pandas as pd
import pytest
from _study_fakes import make_result, make_results, two_arms

from keras_smalldata.study import deep_vs_traditional, write_report


def read_png_shape(path):
    import matplotlib.image

    return matplotlib.image.imread(path).shape


def section(text, title):
    """The text of the `## title` section."""
    return text.split(f"## {title}\n")[1].split("\n## ")[0]


def test_write_report(tmp_path):
    from matplotlib.figure import Figure

    results = make_results()
    extra = Figure(figsize=(2, 2))
    extra.add_subplot().plot([0, 1])
    paths = write_report(
        results, tmp_path / "out", data_name="digits", augmentation_figure=extra
    )
    assert set(paths) == {"results", "report", "learning_curve", "augmentations"}
    assert paths["report"] == tmp_path / "out" / "report.md"
    pd.testing.assert_frame_equal(pd.read_csv(paths["results"]), results)
    assert len(read_png_shape(paths["learning_curve"])) == 3
    # 2 x 2 inches at 120 dpi.
    assert read_png_shape(paths["augmentations"])[:2] == (240, 240)
    assert not (tmp_path / "out" / "vae_samples.png").exists()

    text = paths["report"].read_text()
    assert text.startswith("# Study: digits\n")
    assert "over 5 repeat(s)" in text
    # The verdict comes first.
    assert text.index("## Verdict") < text.index("## Scores")
    scores = section(text, "Scores")
    assert "| arm | kind | 5 / class | 10 / class |" in scores
    # The winner per size is bold, the others are not.
    assert "| cnn | deep | **0.810 ± " in scores
    assert "| svc | traditional | 0.800 ± " in scores
    assert "![Learning curve](learning_curve.png)" in text
    assert "![Augmented training images](augmentations.png)" in text
    assert "vae_samples.png" not in text
    # Fit time: 10 rows of 2 s per deep arm, 10 of 0.5 s per traditional arm.
    fit = section(text, "Fit time")
    assert "| cnn | 20.0 |" in fit
    assert "| svc | 5.0 |" in fit
    assert "| **total** | **50.0** |" in fit


def test_verdict_states_each_size_in_a_sentence_and_a_table(tmp_path):
    results = make_results()
    tests = deep_vs_traditional(results).set_index("size")
    verdict = section(write_report(results, tmp_path)["report"].read_text(), "Verdict")
    for size in (5, 10):
        assert f"- {tests.at[size, 'sentence']}" in verdict
    # At 5, cnn beats svc by 0.01: not significant. At 10, by 0.07 with small
    # spread: significant.
    assert tests.at[5, "p"] >= 0.05
    assert tests.at[10, "p"] < 0.05
    rows = {line.split(" | ")[0]: line for line in verdict.splitlines()}
    assert rows["| 5"].endswith("| no significant difference (underpowered) |")
    assert rows["| 10"].startswith("| 10 | cnn | svc | +0.070 | ")
    assert "deep ahead" in rows["| 10"]
    assert "fraction 0.231 of the samples" in verdict


def test_report_of_a_study_result_names_its_data_and_draws_its_images(tmp_path):
    rng = np.random.default_rng(0)
    result = make_result(
        two_arms([0.04, 0.035, 0.045, 0.04, 0.04]),
        kind="images",
        vae_samples=rng.uniform(size=(2, 8, 8, 8, 1)),
        vae_training_images=rng.uniform(size=(2, 8, 8, 1)),
        augmentation_examples=rng.uniform(size=(5, 3, 8, 8, 1)),
        augmentation_policy="random shifts of up to 1/8 of each side",
        wall_seconds=90.0,
    )
    paths = write_report(result, tmp_path / "out", data_name="digits")
    assert {"vae_samples", "augmentations"} <= set(paths)
    assert read_png_shape(paths["vae_samples"])[:2] == (240, 1152)
    text = paths["report"].read_text()
    assert "The study ran for 1.5 minutes." in text
    assert "- With 10 labelled images per class, `augment` (CNN with augmentation)" in (
        section(text, "Verdict")
    )
    arms = section(text, "Arms")
    assert "| augment | deep | CNN with augmentation |" in arms
    assert "| svc_tuned | traditional | tuned SVM: RBF kernel, C, gamma" in arms
    assert "random shifts of up to 1/8 of each side" in section(
        text, "Augmentation policy"
    )
    assert "![Samples of the conditional VAE](vae_samples.png)" in text


def test_report_without_set_sizes_or_repeats(tmp_path):
    results = make_results(repeats=1, n_train=False)
    text = write_report(results, tmp_path, samples_figure=None)["report"].read_text()
    assert text.startswith("# Study\n")
    assert "Not tested: the results lack the columns `n_train` and `n_test`" in text
    assert "| svc | traditional | 0.800 | 0.900 |" in text

    results = make_results(repeats=1)
    text = write_report(results, tmp_path, overwrite=True)["report"].read_text()
    assert "not testable (1 repeat)" in text
    assert "on 1 repeat(s): too few for a test" in text


# The report's folder -----------------------------------------------------------


def small_figure():
    from matplotlib.figure import Figure

    figure = Figure(figsize=(1, 1))
    figure.add_subplot().plot([0, 1])
    return figure


class InterruptedFigure:
    """A figure whose saving is interrupted, as by Ctrl-C."""

    def savefig(self, *args, **kwargs):
        raise KeyboardInterrupt


def test_write_report_refuses_a_folder_that_holds_a_report(tmp_path):
    out = tmp_path / "out"
    write_report(make_results(), out)
    before = (out / "results.csv").read_bytes()
    with pytest.raises(ValueError, match=r"already holds a report .*overwrite=True"):
        write_report(make_results(repeats=1), out)
    assert (out / "results.csv").read_bytes() == before


def test_overwrite_replaces_the_whole_previous_report(tmp_path):
    out = tmp_path / "out"
    write_report(make_results(), out, augmentation_figure=small_figure())
    assert (out / "augmentations.png").exists()
    paths = write_report(make_results(repeats=1), out, overwrite=True)
    # No figure of the first run beside the second run's report.
    assert sorted(p.name for p in out.iterdir()) == sorted(
        p.name for p in paths.values()
    )
    assert not (out / "augmentations.png").exists()
    assert pd.read_csv(out / "results.csv")["repeat"].nunique() == 1
    # Nothing left beside it: no temporary or moved-aside folder.
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_write_report_into_an_empty_folder(tmp_path):
    paths = write_report(make_results(), tmp_path)
    assert paths["report"] == tmp_path / "report.md"
    assert paths["report"].read_text().startswith("# Study")


@pytest.mark.parametrize("overwrite", [False, True])
def test_write_report_never_replaces_other_files(tmp_path, overwrite):
    (tmp_path / "report.md").write_text("mine")
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match=r"not a study's report \(notes.txt\)"):
        write_report(make_results(), tmp_path, overwrite=overwrite)
    assert (tmp_path / "report.md").read_text() == "mine"


def test_write_report_refuses_a_file(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("a,b\n")
    with pytest.raises(ValueError, match=r"must be a folder, and .* is a file"):
        write_report(make_results(), path)
    with pytest.raises(ValueError, match=r"is not a folder this user may write to"):
        write_report(make_results(), path / "out")
    assert path.read_text() == "a,b\n"


def test_interrupted_write_leaves_nothing(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        write_report(make_results(), out, augmentation_figure=InterruptedFigure())
    assert list(tmp_path.iterdir()) == []


def test_interrupted_overwrite_keeps_the_previous_report(tmp_path):
    out = tmp_path / "out"
    write_report(make_results(), out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(KeyboardInterrupt):
        write_report(
            make_results(repeats=1),
            out,
            augmentation_figure=InterruptedFigure(),
            overwrite=True,
        )
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_report_lists_how_csv_columns_were_used(tmp_path):
    columns = {"id": "dropped (an ID)", "dose": "numeric", "a|b": "one-hot (2 values)"}
    text = write_report(make_results(), tmp_path, data_columns=columns)[
        "report"
    ].read_text()
    section = text.split("## Columns")[1].split("## Figures")[0]
    assert "| `id` | dropped (an ID) |" in section
    assert "| `dose` | numeric |" in section
    assert "| `a\\|b` | one-hot (2 values) |" in section
    assert (
        "## Columns"
        not in write_report(make_results(), tmp_path / "other")["report"].read_text()
    )
