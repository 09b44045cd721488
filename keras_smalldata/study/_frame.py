"""The tidy scores every report function reads: from a `StudyResult` or a frame."""

REQUIRED = ("arm", "kind", "size", "repeat", "metric", "value")


def scores_of(results):
    """`(scores frame, data kind or None)` of a `StudyResult` or a frame."""
    import pandas as pd

    from keras_smalldata.study.study_result import StudyResult

    if isinstance(results, StudyResult):
        return results.scores, results.config.kind
    if not isinstance(results, pd.DataFrame):
        raise TypeError(
            "Expected what `run_study` returns: a StudyResult, or its scores as "
            "a pandas DataFrame. "
            f"Received: results of type {type(results).__name__}"
        )
    return results, None


def select(results, metric):
    """The rows of `metric`, after checking the columns; `(rows, data kind)`."""
    frame, kind = scores_of(results)
    missing = [column for column in REQUIRED if column not in frame.columns]
    if missing:
        raise ValueError(
            f"The results lack the column(s) {missing}. Expected the tidy "
            f"results of `run_study`. Received columns: {list(frame.columns)}"
        )
    rows = frame[frame["metric"] == metric]
    if rows.empty:
        raise ValueError(
            f"The results hold no rows for metric={metric!r}. Received "
            f"metrics: {sorted(set(frame['metric']))}"
        )
    return rows, kind


def report_metric(frame):
    """`"accuracy"`, or the first metric when the results have none."""
    columns = getattr(frame, "columns", ())
    metrics = list(dict.fromkeys(frame["metric"])) if "metric" in columns else []
    return "accuracy" if "accuracy" in metrics or not metrics else metrics[0]
