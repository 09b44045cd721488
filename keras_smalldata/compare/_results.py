"""Tables of fold scores: one row per job and metric, and their summary."""

import numpy as np
import pandas as pd


def long_format(labels, records):
    """One row per job and metric: the job's label, metric, score and times."""
    return pd.DataFrame(
        [
            {
                **label,
                "metric": metric,
                "score": score,
                "fit_time": record["fit_time"],
                "score_time": record["score_time"],
            }
            for label, record in zip(labels, records, strict=True)
            for metric, score in record["scores"].items()
        ]
    )


def summarise(fold_scores, keys, metrics):
    """Mean and std (over folds) of each metric and of the times."""
    grouped = fold_scores.groupby([*keys, "metric"], sort=False)["score"]
    stats = pd.DataFrame({"mean": grouped.mean(), "std": grouped.std(ddof=0)})
    # A failed fold (NaN) makes the mean NaN: a model is not ranked on the
    # folds it survived.
    stats[(grouped.count() < grouped.size()).to_numpy()] = np.nan
    stats = stats.unstack("metric")
    order = fold_scores[keys].drop_duplicates()
    order = (
        pd.Index(order[keys[0]]) if len(keys) == 1 else pd.MultiIndex.from_frame(order)
    )
    summary = pd.DataFrame(index=order)
    for metric in metrics:
        for stat in ("mean", "std"):
            summary[f"{metric}_{stat}"] = stats[(stat, metric)].reindex(order)
    times = fold_scores.drop_duplicates([*keys, "fold"]).groupby(keys)
    for column in ("fit_time", "score_time"):
        summary[f"{column}_mean"] = times[column].mean().reindex(order)
    summary = summary.reset_index()
    if keys == ["estimator"]:
        summary = summary.sort_values(
            f"{metrics[0]}_mean",
            ascending=False,
            na_position="last",
            kind="stable",
        )
    return summary.reset_index(drop=True)
