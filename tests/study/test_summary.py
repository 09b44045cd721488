import numpy as np
import pandas as pd
import pytest
from _study_fakes import make_result, make_results
from scipy import stats

from keras_smalldata.study import summarize, winners


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


def test_summarize_reads_a_study_result_as_its_scores():
    results = make_results()
    pd.testing.assert_frame_equal(summarize(make_result(results)), summarize(results))
    pd.testing.assert_frame_equal(winners(make_result(results)), winners(results))


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
    with pytest.raises(TypeError, match="Received: results of type list"):
        summarize([1, 2])


def test_winners():
    best = winners(make_results())
    assert list(best["size"]) == [5, 10]
    assert list(best["arm"]) == ["cnn", "cnn"]
    assert best["mean"].tolist() == pytest.approx([0.81, 0.97])


def test_winners_tie_goes_to_first_arm():
    results = make_results(repeats=1)
    results["value"] = 0.5
    assert list(winners(results)["arm"]) == ["svc", "svc"]
