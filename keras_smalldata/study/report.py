"""Summaries, statistics, a learning-curve plot and a Markdown report of a study.

Everything here works on the tidy results `run_study` returns: one row per
arm, training size, repeat and metric, with the columns `arm`, `kind`
(`"traditional"` or `"deep"`), `size` (training samples per class), `repeat`,
`metric`, `value` and `fit_seconds`, and for the significance test `n_train`
and `n_test` (training and test samples of that repeat).
"""

import math
import pathlib

import numpy as np

from keras_smalldata.study._output import check_out_dir, publish

_REQUIRED = ("arm", "kind", "size", "repeat", "metric", "value")
_ALPHA = 0.05


def summarize(results, metric="accuracy"):
    """Mean and 95% interval of a metric per arm and training size.

    The interval is the t-interval of the mean over the repeats:
    `mean ± t(0.975, n - 1) * std / sqrt(n)`. Repeats without a value (NaN)
    are left out; with fewer than two, the interval is NaN.

    Args:
        results: pandas DataFrame. The tidy results of `run_study`.
        metric: str. The metric to summarize. Defaults to `"accuracy"`.

    Returns:
        pandas DataFrame with one row per arm and size, sorted by size and then
        by the order in which the arms first appear in `results`, and the
        columns `arm`, `kind`, `size`, `n` (repeats with a value), `mean`,
        `std`, `half_width`, `ci_low` and `ci_high`.

    Raises:
        ValueError: if `results` lacks a column, or has no rows for `metric`.

    Example:

    >>> x, y = keras_smalldata.datasets.load_wine()
    >>> results = keras_smalldata.study.run_study(
    ...     x, y, per_class=[3, 6], arms=["knn", "decision_tree"], repeats=2,
    ...     progress=False,
    ... )
    >>> summary = keras_smalldata.study.summarize(results)
    >>> summary[["arm", "size", "n"]].values.tolist()
    [['knn', 3, 2], ['decision_tree', 3, 2], ['knn', 6, 2], ['decision_tree', 6, 2]]
    >>> bool((summary["ci_low"] <= summary["mean"]).all())
    True
    """
    import pandas as pd
    from scipy import stats

    rows = _select(results, metric)
    arm_order = list(dict.fromkeys(rows["arm"]))
    summary = (
        rows.groupby(["arm", "size"], sort=False)
        .agg(
            kind=("kind", "first"),
            n=("value", "count"),
            mean=("value", "mean"),
            std=("value", "std"),
        )
        .reset_index()
    )
    n = summary["n"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(n >= 2, stats.t.ppf(0.975, np.maximum(n - 1, 1)), np.nan)
        half_width = t * summary["std"].to_numpy() / np.sqrt(n)
    summary["half_width"] = half_width
    summary["ci_low"] = summary["mean"] - summary["half_width"]
    summary["ci_high"] = summary["mean"] + summary["half_width"]
    summary["arm"] = pd.Categorical(summary["arm"], categories=arm_order)
    summary = summary.sort_values(["size", "arm"], kind="stable")
    summary["arm"] = summary["arm"].astype(str)
    columns = ["arm", "kind", "size", "n", "mean", "std", "half_width"]
    return summary[columns + ["ci_low", "ci_high"]].reset_index(drop=True)


def winners(results, metric="accuracy"):
    """The arm with the highest mean per training size.

    Ties go to the arm that appears first in `results`. Sizes where no arm has
    a value are left out.

    Args:
        results: pandas DataFrame. The tidy results of `run_study`.
        metric: str. The metric to rank by (higher is better). Defaults to
            `"accuracy"`.

    Returns:
        pandas DataFrame with one row per size and the columns `size`, `arm`,
        `kind`, `mean` and `half_width`.

    Example:

    >>> x, y = keras_smalldata.datasets.load_wine()
    >>> results = keras_smalldata.study.run_study(
    ...     x, y, per_class=[3, 6], arms=["knn", "decision_tree"], repeats=2,
    ...     progress=False,
    ... )
    >>> keras_smalldata.study.winners(results)[["size", "arm"]].values.tolist()
    [[3, 'knn'], [6, 'knn']]
    """
    summary = summarize(results, metric).dropna(subset=["mean"])
    best = summary.loc[summary.groupby("size", sort=True)["mean"].idxmax()]
    columns = ["size", "arm", "kind", "mean", "half_width"]
    return best[columns].reset_index(drop=True)


def deep_vs_traditional(results, metric="accuracy"):
    """Tests the best deep arm against the best traditional arm at each size.

    At each size, the deep and the traditional arm with the highest mean are
    compared on their paired repeats (same training and test split) with the
    Nadeau-Bengio corrected resampled t-test, two-sided. Its variance
    correction needs the training and test set sizes, read from the columns
    `n_train` and `n_test` (averaged over the two arms' rows at that size).

    Both arms are picked as the best of their kind on the same repeats the
    test then uses, so the p-values are somewhat optimistic.

    Args:
        results: pandas DataFrame. The tidy results of `run_study`, with the
            columns `n_train` and `n_test`.
        metric: str. The metric to compare (higher is better). Defaults to
            `"accuracy"`.

    Returns:
        pandas DataFrame with one row per size that has both kinds of arm, and
        the columns `size`, `deep_arm`, `deep_mean`, `traditional_arm`,
        `traditional_mean`, `difference` (deep minus traditional), `ci_low`,
        `ci_high` (its corrected 95% interval), `t`, `p`, `n_repeats` and
        `note`. `p` is NaN with fewer than two paired repeats.

    Raises:
        ValueError: if `results` lacks `n_train` or `n_test`, or another column.

    Example:

    >>> x, y = keras_smalldata.datasets.load_wine()
    >>> results = keras_smalldata.study.run_study(
    ...     x, y, per_class=[5], arms=["knn", "scratch"], repeats=2, epochs=1,
    ...     progress=False,
    ... )
    >>> tests = keras_smalldata.study.deep_vs_traditional(results)
    >>> tests[["size", "deep_arm", "traditional_arm", "n_repeats"]].values.tolist()
    [[5, 'scratch', 'knn', 2]]
    >>> bool(0 <= tests["p"][0] <= 1)
    True
    """
    import pandas as pd

    from keras_smalldata._statistics import corrected_ttest

    _check_frame(results)
    missing = [c for c in ("n_train", "n_test") if c not in results.columns]
    if missing:
        raise ValueError(
            "The corrected t-test needs the training and test set sizes of "
            f"every repeat in the columns 'n_train' and 'n_test'. Missing: "
            f"{missing}. Received columns: {list(results.columns)}"
        )
    rows = _select(results, metric)
    summary = summarize(results, metric).dropna(subset=["mean"])
    records = []
    for size, group in summary.groupby("size", sort=True):
        deep = group[group["kind"] == "deep"]
        traditional = group[group["kind"] == "traditional"]
        if deep.empty or traditional.empty:
            continue
        best_deep = deep.loc[deep["mean"].idxmax()]
        best_traditional = traditional.loc[traditional["mean"].idxmax()]
        arms = [best_deep["arm"], best_traditional["arm"]]
        paired = rows[(rows["size"] == size) & rows["arm"].isin(arms)]
        scores = paired.pivot_table(
            index="repeat", columns="arm", values="value", aggfunc="mean"
        ).reindex(columns=arms)
        differences = (scores[arms[0]] - scores[arms[1]]).to_numpy()
        test = corrected_ttest(
            differences,
            n_train=float(paired["n_train"].mean()),
            n_test=float(paired["n_test"].mean()),
        )
        records.append(
            {
                "size": size,
                "deep_arm": arms[0],
                "deep_mean": best_deep["mean"],
                "traditional_arm": arms[1],
                "traditional_mean": best_traditional["mean"],
                "difference": test["mean_difference"],
                "ci_low": test["ci_low"],
                "ci_high": test["ci_high"],
                "t": test["t"],
                "p": test["p"],
                "n_repeats": test["n_folds"],
                "note": test["note"],
            }
        )
    columns = [
        "size",
        "deep_arm",
        "deep_mean",
        "traditional_arm",
        "traditional_mean",
        "difference",
        "ci_low",
        "ci_high",
        "t",
        "p",
        "n_repeats",
        "note",
    ]
    return pd.DataFrame.from_records(records, columns=columns)


def learning_curve_figure(results, metric="accuracy", title=""):
    """Plots the mean of a metric against the training size, one line per arm.

    Traditional arms are dashed, deep arms solid; error bars show the 95%
    interval of `summarize`. The x axis (samples per class) is logarithmic.

    Args:
        results: pandas DataFrame. The tidy results of `run_study`.
        metric: str. The metric to plot. Defaults to `"accuracy"`.
        title: str. The figure's title. Defaults to `""`.

    Returns:
        A `matplotlib.figure.Figure`, made without `pyplot`.

    Raises:
        ImportError: if matplotlib is not installed.

    Example:

    >>> x, y = keras_smalldata.datasets.load_wine()
    >>> results = keras_smalldata.study.run_study(
    ...     x, y, per_class=[3, 6], arms=["knn", "decision_tree"], repeats=2,
    ...     progress=False,
    ... )
    >>> figure = keras_smalldata.study.learning_curve_figure(results, title="wine")
    >>> [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    ['knn (traditional)', 'decision_tree (traditional)']
    >>> figure.savefig("learning_curve.png")
    """
    try:
        from matplotlib.figure import Figure
        from matplotlib.ticker import NullFormatter
    except ImportError as error:
        raise ImportError(
            "Plotting a study requires matplotlib. Install it with: "
            'pip install "keras-smalldata[plot]"'
        ) from error

    summary = summarize(results, metric)
    figure = Figure(figsize=(7, 4.5), layout="constrained")
    axes = figure.add_subplot()
    markers = "osD^vP*Xhp<>"
    curves = list(summary.groupby("arm", sort=False))
    for index, (arm, curve) in enumerate(curves):
        traditional = curve["kind"].iloc[0] == "traditional"
        # Shift each arm a little along the log axis so error bars do not hide.
        dodge = 1.025 ** (index - (len(curves) - 1) / 2)
        axes.errorbar(
            curve["size"].to_numpy(dtype=float) * dodge,
            curve["mean"].to_numpy(dtype=float),
            yerr=curve["half_width"].fillna(0).to_numpy(),
            label=f"{arm} ({curve['kind'].iloc[0]})",
            linestyle="--" if traditional else "-",
            marker=markers[index % len(markers)],
            markersize=4,
            capsize=3,
        )
    sizes = sorted(summary["size"].unique())
    axes.set_xscale("log")
    axes.set_xticks(sizes, [str(size) for size in sizes])
    axes.xaxis.set_minor_formatter(NullFormatter())
    axes.set_xlabel("training samples per class")
    axes.set_ylabel(f"{metric} (mean, 95% interval)")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize="small")
    if title:
        axes.set_title(title)
    return figure


def write_report(
    results,
    out_dir,
    data_name="",
    augmentation_figure=None,
    samples_figure=None,
    data_columns=None,
    overwrite=False,
):
    """Writes the results, a Markdown report and its figures to a folder.

    Writes `results.csv` (the results as they are), `learning_curve.png`,
    `augmentations.png` and `vae_samples.png` (when the figures are given) and
    `report.md`: per arm and size the mean ± half-width of the 95% interval,
    the winner per size in bold, the corrected t-test of the best deep arm
    against the best traditional arm (when `results` has `n_train` and
    `n_test`), the total fit time per arm, how each CSV column was used (when
    `data_columns` is given), and links to the figures. The metric reported is
    `"accuracy"`, or the first metric when there is none.

    The report appears whole or not at all: it is written to a hidden
    temporary folder beside `out_dir`, renamed to `out_dir` once complete.
    Two reports never mix in one folder: `out_dir` must be new or empty, or,
    with `overwrite=True`, hold a previous report and nothing else, which is
    replaced only once the new report is complete.

    Args:
        results: pandas DataFrame. The tidy results of `run_study`.
        out_dir: str or path. The folder, created (with its parents) if
            missing.
        data_name: str. The data's name for the report's title. Defaults to
            `""`.
        augmentation_figure: `matplotlib.figure.Figure` or `None`. A grid of
            augmented images. Defaults to `None`.
        samples_figure: `matplotlib.figure.Figure` or `None`. A grid of VAE
            samples. Defaults to `None`.
        data_columns: dict or `None`. How each CSV column was used,
            `StudyData.columns`. Defaults to `None`.
        overwrite: bool. Whether a previous report in `out_dir` may be
            replaced. Defaults to `False`.

    Returns:
        dict from `"results"`, `"report"`, `"learning_curve"` and, when
        written, `"augmentations"` and `"vae_samples"` to the `pathlib.Path` of
        each file.

    Raises:
        ValueError: if `results` is not what `run_study` returns, or if
            `out_dir` is a file, holds other files, or holds a report and
            `overwrite` is `False`; before anything is written.

    Example:

    >>> x, y = keras_smalldata.datasets.load_wine()
    >>> results = keras_smalldata.study.run_study(
    ...     x, y, per_class=[3, 6], arms=["knn", "decision_tree"], repeats=2,
    ...     progress=False,
    ... )
    >>> paths = keras_smalldata.study.write_report(results, "wine_study", "wine")
    >>> sorted(paths)
    ['learning_curve', 'report', 'results']
    >>> paths["report"].read_text().splitlines()[0]
    '# Study: wine'
    """
    columns = getattr(results, "columns", ())
    metrics = list(dict.fromkeys(results["metric"])) if "metric" in columns else []
    metric = "accuracy" if "accuracy" in metrics or not metrics else metrics[0]
    _select(results, metric)  # Fails before anything is written.
    check_out_dir(out_dir, overwrite)

    def write(folder):
        folder = pathlib.Path(folder)
        paths = {"results": folder / "results.csv"}
        results.to_csv(paths["results"], index=False)
        paths["learning_curve"] = folder / "learning_curve.png"
        figure = learning_curve_figure(results, metric, title=data_name)
        figure.savefig(paths["learning_curve"], dpi=120)
        figures = {"augmentations": augmentation_figure, "vae_samples": samples_figure}
        for key, extra in figures.items():
            if extra is not None:
                paths[key] = folder / f"{key}.png"
                extra.savefig(paths[key], dpi=120)
        paths["report"] = folder / "report.md"
        markdown = _markdown(results, metric, data_name, paths, data_columns)
        paths["report"].write_text(markdown)
        return paths

    paths = publish(out_dir, write, overwrite)
    return {key: pathlib.Path(out_dir) / path.name for key, path in paths.items()}


def _check_frame(results):
    import pandas as pd

    if not isinstance(results, pd.DataFrame):
        raise TypeError(
            "Expected the tidy results of `run_study`, a pandas DataFrame. "
            f"Received: results of type {type(results).__name__}"
        )


def _select(results, metric):
    _check_frame(results)
    missing = [column for column in _REQUIRED if column not in results.columns]
    if missing:
        raise ValueError(
            f"The results lack the column(s) {missing}. Expected the tidy "
            f"results of `run_study`. Received columns: {list(results.columns)}"
        )
    rows = results[results["metric"] == metric]
    if rows.empty:
        raise ValueError(
            f"The results hold no rows for metric={metric!r}. Received "
            f"metrics: {sorted(set(results['metric']))}"
        )
    return rows


def _format_score(mean, half_width):
    if not math.isfinite(mean):
        return "–"
    if not math.isfinite(half_width):
        return f"{mean:.3f}"
    return f"{mean:.3f} ± {half_width:.3f}"


def _format_p(p):
    if not math.isfinite(p):
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _verdict(test):
    if not math.isfinite(test["p"]):
        return "not testable (needs at least 2 repeats)"
    if test["p"] >= _ALPHA:
        return "no significant difference"
    return "deep better" if test["difference"] > 0 else "traditional better"


def _markdown(results, metric, data_name, paths, data_columns=None):
    summary = summarize(results, metric)
    best = winners(results, metric)
    sizes = sorted(summary["size"].unique())
    repeats = results["repeat"].nunique()
    title = f"Study: {data_name}" if data_name else "Study"
    parts = [
        f"# {title}",
        f"{metric.capitalize()} on the test samples (those outside each "
        f"repeat's largest training set), over {repeats} repeat(s): mean ± "
        "half-width of the 95% t-interval. Sizes are training samples per "
        "class; **bold** marks the best arm at each size.",
    ]

    winner_of = dict(zip(best["size"], best["arm"], strict=True))
    rows = []
    for arm, curve in summary.groupby("arm", sort=False):
        by_size = curve.set_index("size")
        cells = [arm, curve["kind"].iloc[0]]
        for size in sizes:
            if size not in by_size.index:
                cells.append("–")
                continue
            cell = _format_score(
                by_size.at[size, "mean"], by_size.at[size, "half_width"]
            )
            cells.append(f"**{cell}**" if winner_of.get(size) == arm else cell)
        rows.append(cells)
    parts.append(_table(["arm", "kind", *(str(size) for size in sizes)], rows))

    parts.append("## Winner per size")
    parts.append(
        _table(
            ["size", "best arm", "kind", metric],
            [
                [row.size, row.arm, row.kind, _format_score(row.mean, row.half_width)]
                for row in best.itertuples()
            ],
        )
    )

    parts.append("## Best deep arm vs best traditional arm")
    if "n_train" not in results.columns or "n_test" not in results.columns:
        parts.append(
            "Not tested: the results lack the columns `n_train` and `n_test` "
            "that the corrected t-test needs."
        )
    else:
        tests = deep_vs_traditional(results, metric)
        if tests.empty:
            parts.append("Not tested: the study ran no deep or no traditional arm.")
        else:
            parts.append(
                "Nadeau–Bengio corrected resampled t-test on the paired repeats, "
                f"two-sided; significant when p < {_ALPHA}. Both arms are picked "
                "as the best of their kind on the same repeats, so the p-values "
                "are somewhat optimistic."
            )
            rows = [
                [
                    test["size"],
                    test["deep_arm"],
                    test["traditional_arm"],
                    f"{test['difference']:+.3f} "
                    f"[{test['ci_low']:+.3f}, {test['ci_high']:+.3f}]",
                    _format_p(test["p"]),
                    _verdict(test),
                ]
                for test in tests.to_dict("records")
            ]
            header = [
                "size",
                "best deep",
                "best traditional",
                "difference (95% CI)",
                "p",
                "verdict",
            ]
            parts.append(_table(header, rows))

    parts.append("## Fit time")
    if "fit_seconds" in results.columns:
        rows_of_metric = results[results["metric"] == metric]
        seconds = rows_of_metric.groupby("arm", sort=False)["fit_seconds"].sum()
        rows = [[arm, f"{value:.1f}"] for arm, value in seconds.items()]
        rows.append(["**total**", f"**{seconds.sum():.1f}**"])
        parts.append("Seconds spent fitting, summed over sizes and repeats.")
        parts.append(_table(["arm", "fit seconds"], rows))
    else:
        parts.append("Not recorded: the results lack the column `fit_seconds`.")

    if data_columns:
        parts.append("## Columns")
        parts.append("How each column of the CSV file became features.")
        rows = [
            [f"`{column}`".replace("|", "\\|"), how]
            for column, how in data_columns.items()
        ]
        parts.append(_table(["column", "treatment"], rows))

    parts.append("## Figures")
    captions = {
        "learning_curve": "Learning curve",
        "augmentations": "Augmented training images",
        "vae_samples": "Samples of the conditional VAE",
    }
    for key, caption in captions.items():
        if key in paths:
            parts.append(f"![{caption}]({paths[key].name})")
    parts.append(f"Raw results: [{paths['results'].name}]({paths['results'].name})")
    return "\n\n".join(parts) + "\n"
