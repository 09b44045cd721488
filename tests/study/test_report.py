import numpy as np
import pandas as pd
import pytest
from scipy import stats

from keras_smalldata._statistics import corrected_ttest
from keras_smalldata.study.report import (
    deep_vs_traditional,
    learning_curve_figure,
    summarize,
    winners,
    write_report,
)

# Accuracy per arm and size; each repeat adds the same offsets, so arms are
# paired the way run_study pairs them (same split per repeat).
MEANS = {
    ("svc", "traditional"): {5: 0.80, 10: 0.90},
    ("knn", "traditional"): {5: 0.70, 10: 0.85},
    ("cnn", "deep"): {5: 0.81, 10: 0.97},
    ("cnn_aug", "deep"): {5: 0.75, 10: 0.95},
}
# Zero-mean noise per repeat; the deep arms' differs a little from svc's, so
# the paired differences have a small, non-zero spread.
NOISE = {
    "svc": np.array([-0.02, -0.01, 0.0, 0.01, 0.02]),
    "knn": np.array([0.02, -0.02, 0.01, -0.01, 0.0]),
    "cnn": np.array([-0.01, -0.02, 0.005, 0.02, 0.005]),
    "cnn_aug": np.array([0.0, 0.01, -0.01, 0.02, -0.02]),
}


def make_results(repeats=5, n_train=True):
    rows = []
    for (arm, kind), by_size in MEANS.items():
        for size, mean in by_size.items():
            for repeat in range(repeats):
                noise = NOISE[arm][repeat] if repeats > 1 else 0.0
                row = {
                    "arm": arm,
                    "kind": kind,
                    "size": size,
                    "repeat": repeat,
                    "metric": "accuracy",
                    "value": mean + noise,
                    "fit_seconds": 2.0 if kind == "deep" else 0.5,
                }
                if n_train:
                    row.update(n_train=size * 3, n_test=100)
                rows.append(row)
    return pd.DataFrame(rows)


def test_summarize_mean_and_t_interval():
    results = make_results()
    summary = summarize(results)
    assert list(summary.columns) == [
        "arm",
        "kind",
        "size",
        "n",
        "mean",
        "std",
        "half_width",
        "ci_low",
        "ci_high",
    ]
    # Sorted by size, then arms in the order they appear.
    assert list(summary["arm"]) == ["svc", "knn", "cnn", "cnn_aug"] * 2
    assert list(summary["size"]) == [5] * 4 + [10] * 4
    row = summary[(summary["arm"] == "cnn") & (summary["size"] == 10)].iloc[0]
    values = results[(results["arm"] == "cnn") & (results["size"] == 10)]["value"]
    half_width = stats.t.ppf(0.975, 4) * np.std(values, ddof=1) / np.sqrt(5)
    assert row["kind"] == "deep"
    assert row["n"] == 5
    assert row["mean"] == pytest.approx(0.97)
    assert row["half_width"] == pytest.approx(half_width)
    assert row["ci_low"] == pytest.approx(0.97 - half_width)
    assert row["ci_high"] == pytest.approx(0.97 + half_width)


def test_summarize_one_repeat_has_nan_interval():
    summary = summarize(make_results(repeats=1))
    assert (summary["n"] == 1).all()
    assert summary["half_width"].isna().all()
    assert summary["mean"].notna().all()


def test_summarize_leaves_out_nan_values():
    results = make_results()
    results.loc[0, "value"] = np.nan
    summary = summarize(results)
    assert summary.loc[0, "n"] == 4
    expected = results.loc[1:4, "value"].mean()
    assert summary.loc[0, "mean"] == pytest.approx(expected)


def test_summarize_filters_metric():
    results = make_results()
    other = results.assign(metric="loss", value=1.0)
    summary = summarize(pd.concat([results, other]))
    assert summary["mean"].max() == pytest.approx(0.97)
    assert (summarize(pd.concat([results, other]), "loss")["mean"] == 1.0).all()


def test_summarize_errors():
    with pytest.raises(ValueError, match=r"lack the column\(s\) \['kind'\]"):
        summarize(make_results().drop(columns="kind"))
    with pytest.raises(ValueError, match="no rows for metric='f1'"):
        summarize(make_results(), metric="f1")


def test_winners():
    best = winners(make_results())
    assert list(best["size"]) == [5, 10]
    assert list(best["arm"]) == ["cnn", "cnn"]
    assert best["mean"].tolist() == pytest.approx([0.81, 0.97])


def test_winners_tie_goes_to_first_arm():
    results = make_results(repeats=1)
    results["value"] = 0.5
    assert list(winners(results)["arm"]) == ["svc", "svc"]


def test_deep_vs_traditional_uses_corrected_ttest():
    results = make_results()
    tests = deep_vs_traditional(results)
    assert list(tests["size"]) == [5, 10]
    assert list(tests["deep_arm"]) == ["cnn", "cnn"]
    assert list(tests["traditional_arm"]) == ["svc", "svc"]
    at_10 = results[results["size"] == 10].set_index(["arm", "repeat"])["value"]
    differences = (at_10["cnn"] - at_10["svc"]).to_numpy()
    expected = corrected_ttest(differences, n_train=30, n_test=100)
    row = tests.iloc[1]
    assert row["difference"] == pytest.approx(0.07)
    assert row["p"] == pytest.approx(expected["p"])
    assert row["ci_low"] == pytest.approx(expected["ci_low"])
    assert row["n_repeats"] == 5


def test_deep_vs_traditional_needs_set_sizes():
    with pytest.raises(ValueError, match=r"Missing: \['n_train', 'n_test'\]"):
        deep_vs_traditional(make_results(n_train=False))


def test_deep_vs_traditional_without_deep_arms_is_empty():
    results = make_results()
    tests = deep_vs_traditional(results[results["kind"] == "traditional"])
    assert tests.empty
    assert "p" in tests.columns


def test_deep_vs_traditional_one_repeat_has_nan_p():
    tests = deep_vs_traditional(make_results(repeats=1))
    assert tests["p"].isna().all()


def test_learning_curve_figure():
    figure = learning_curve_figure(make_results(), title="digits")
    (axes,) = figure.axes
    assert axes.get_xscale() == "log"
    assert axes.get_title() == "digits"
    labels = [text.get_text() for text in axes.get_legend().get_texts()]
    assert labels == [
        "svc (traditional)",
        "knn (traditional)",
        "cnn (deep)",
        "cnn_aug (deep)",
    ]
    styles = [container.lines[0].get_linestyle() for container in axes.containers]
    assert styles == ["--", "--", "-", "-"]
    cnn_line = axes.containers[2].lines[0]
    np.testing.assert_allclose(cnn_line.get_ydata(), [0.81, 0.97])
    np.testing.assert_allclose(cnn_line.get_xdata(), [5, 10], rtol=0.05)


def read_png_shape(path):
    import matplotlib.image

    return matplotlib.image.imread(path).shape


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
    assert "| arm | kind | 5 | 10 |" in text
    # The winner per size is bold, the others are not.
    assert "| cnn | deep | **0.810 ± " in text
    assert "| svc | traditional | 0.800 ± " in text
    assert "| 10 | cnn | deep | 0.970 ± " in text
    assert "![Learning curve](learning_curve.png)" in text
    assert "![Augmented training images](augmentations.png)" in text
    assert "vae_samples.png" not in text
    # Fit time: 10 rows of 2 s per deep arm, 10 of 0.5 s per traditional arm.
    assert "| cnn | 20.0 |" in text
    assert "| svc | 5.0 |" in text
    assert "| **total** | **50.0** |" in text


def test_report_verdicts(tmp_path):
    results = make_results()
    tests = deep_vs_traditional(results).set_index("size")
    text = write_report(results, tmp_path)["report"].read_text()
    section = text.split("## Best deep arm vs best traditional arm")[1]
    section = section.split("## Fit time")[0]
    lines = {line.split(" | ")[0]: line for line in section.splitlines()}
    # At 5, cnn beats svc by 0.01: not significant. At 10, by 0.07 with small
    # spread: significant.
    assert tests.at[5, "p"] >= 0.05
    assert tests.at[10, "p"] < 0.05
    assert lines["| 5"].endswith("| no significant difference |")
    assert lines["| 10"].endswith("| deep better |")


def test_report_without_set_sizes_or_repeats(tmp_path):
    results = make_results(repeats=1, n_train=False)
    text = write_report(results, tmp_path, samples_figure=None)["report"].read_text()
    assert text.startswith("# Study\n")
    assert "Not tested: the results lack the columns `n_train` and `n_test`" in text
    assert "| svc | traditional | 0.800 | 0.900 |" in text

    results = make_results(repeats=1)
    text = write_report(results, tmp_path, overwrite=True)["report"].read_text()
    assert "not testable (needs at least 2 repeats)" in text


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
