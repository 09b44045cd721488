"""`write_report`: a study's results, Markdown report and figures in a folder."""

import math
import pathlib

from keras_smalldata.study import _tables
from keras_smalldata.study import figure as drawing
from keras_smalldata.study._frame import report_metric, scores_of, select
from keras_smalldata.study._output import check_out_dir, publish
from keras_smalldata.study.study_result import StudyResult
from keras_smalldata.study.summary import summarize, winners
from keras_smalldata.study.verdict import ALPHA, RESOLUTION, deep_vs_traditional

_CAPTIONS = {
    "learning_curve": "Learning curve",
    "augmentations": "Augmented training images",
    "vae_samples": "Samples of the conditional VAE",
}


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

    Writes `results.csv` (the scores as they are), `learning_curve.png`,
    `augmentations.png` and `vae_samples.png` (when the study carried such
    images, or the figures are given) and `report.md`: the verdict at each
    size (the best deep arm against the strongest traditional arm, their
    difference with its 95% interval and p-value, in a table and in one
    sentence each, and whether the study was underpowered), the mean ±
    half-width of the 95% interval per arm and size with the winner per size
    in bold, what each arm is, the augmentation policy, the fit time per arm,
    how each CSV column was used (when `data_columns` is given), and the
    figures. The metric reported is `"accuracy"`, or the first metric when
    there is none.

    The report appears whole or not at all: it is written to a hidden
    temporary folder beside `out_dir`, renamed to `out_dir` once complete.
    Two reports never mix in one folder: `out_dir` must be new or empty, or,
    with `overwrite=True`, hold a previous report and nothing else, which is
    replaced only once the new report is complete.

    Args:
        results: a `StudyResult`, or its `scores` (a pandas DataFrame).
        out_dir: str or path. The folder, created (with its parents) if
            missing.
        data_name: str. The data's name for the report's title. Defaults to
            `""`.
        augmentation_figure: `matplotlib.figure.Figure` or `None`. A grid of
            augmented images, instead of the one drawn from the result's
            `augmentation_examples`. Defaults to `None`.
        samples_figure: `matplotlib.figure.Figure` or `None`. A grid of VAE
            samples, instead of the one drawn from the result's
            `vae_samples`. Defaults to `None`.
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
    >>> result = keras_smalldata.study.run_study(
    ...     x, y, per_class=[3, 6], arms=["knn", "decision_tree"], repeats=2,
    ...     progress=False,
    ... )
    >>> paths = keras_smalldata.study.write_report(result, "wine_study", "wine")
    >>> sorted(paths)
    ['learning_curve', 'report', 'results']
    >>> paths["report"].read_text().splitlines()[0]
    '# Study: wine'
    """
    frame, _ = scores_of(results)
    metric = report_metric(frame)
    select(frame, metric)  # Fails before anything is written.
    check_out_dir(out_dir, overwrite)
    figures = {"augmentations": augmentation_figure, "vae_samples": samples_figure}
    if isinstance(results, StudyResult):
        if augmentation_figure is None:
            figures["augmentations"] = drawing.augmentation_figure(results)
        if samples_figure is None:
            figures["vae_samples"] = drawing.samples_figure(results)

    def write(folder):
        folder = pathlib.Path(folder)
        paths = {"results": folder / "results.csv"}
        frame.to_csv(paths["results"], index=False)
        paths["learning_curve"] = folder / "learning_curve.png"
        curve = drawing.learning_curve_figure(results, metric, title=data_name)
        curve.savefig(paths["learning_curve"], dpi=120)
        for key, extra in figures.items():
            if extra is not None:
                paths[key] = folder / f"{key}.png"
                extra.savefig(paths[key], dpi=120)
        paths["report"] = folder / "report.md"
        text = markdown(results, metric, data_name, paths, data_columns)
        paths["report"].write_text(text)
        return paths

    paths = publish(out_dir, write, overwrite)
    return {key: pathlib.Path(out_dir) / path.name for key, path in paths.items()}


def markdown(results, metric, data_name="", paths=None, data_columns=None):
    """The report's Markdown: verdict first, then the tables and figures."""
    frame, data_kind = scores_of(results)
    result = results if isinstance(results, StudyResult) else None
    summary = summarize(frame, metric)
    repeats = frame["repeat"].nunique()
    title = f"Study: {data_name}" if data_name else "Study"
    intro = (
        f"{metric.capitalize()} on the test samples (those outside each "
        f"repeat's labelled pool), over {repeats} repeat(s): mean ± "
        "half-width of the 95% t-interval. Sizes are training samples per "
        "class."
    )
    if result is not None and math.isfinite(result.wall_seconds):
        intro += f" The study ran for {result.wall_seconds / 60:.1f} minutes."
    parts = [f"# {title}", intro, "## Verdict", *_verdict_parts(results, metric)]
    parts += ["## Scores", "**Bold** marks the best arm at each size."]
    parts.append(
        _tables.markdown(_tables.scores_table(summary, winners(frame, metric), metric))
    )
    arms = dict(zip(summary["arm"], summary["kind"], strict=False))
    parts += ["## Arms", _tables.markdown(_tables.legend_table(arms, data_kind))]
    if result is not None and result.augmentation_policy:
        parts += [
            "## Augmentation policy",
            f"The `augment` arms' policy: {result.augmentation_policy}.",
        ]
    parts.append("## Fit time")
    if "fit_seconds" in frame.columns:
        rows = frame[frame["metric"] == metric]
        seconds = rows.groupby("arm", sort=False)["fit_seconds"].sum()
        parts.append("Seconds spent fitting, summed over sizes and repeats.")
        parts.append(_tables.markdown(_tables.fit_time_table(seconds)))
    else:
        parts.append("Not recorded: the results lack the column `fit_seconds`.")
    if data_columns:
        parts.append("## Columns")
        parts.append("How each column of the CSV file became features.")
        parts.append(_tables.markdown(_tables.columns_table(data_columns)))
    if paths:
        parts.append("## Figures")
        for key, caption in _CAPTIONS.items():
            if key in paths:
                parts.append(f"![{caption}]({paths[key].name})")
        name = paths["results"].name
        parts.append(f"Raw results: [{name}]({name})")
    return "\n\n".join(parts) + "\n"


def _verdict_parts(results, metric):
    frame, _ = scores_of(results)
    if "n_train" not in frame.columns or "n_test" not in frame.columns:
        return [
            "Not tested: the results lack the columns `n_train` and `n_test` "
            "that the test needs."
        ]
    tests = deep_vs_traditional(results, metric)
    if tests.empty:
        return ["Not tested: the study ran no deep or no traditional arm."]
    method = (
        "At each size, the deep and the traditional arm with the highest mean "
        "are compared on their paired repeats with a two-sided t-test whose "
        "variance is corrected for the overlap of the repeats' labelled pools "
        f"(each a fraction {tests['pool_fraction'].iloc[0]:.3f} of the samples; "
        f"`pool_ttest`); significant when p < {ALPHA}. Both arms are picked as "
        "the best of their kind on the same repeats, so the p-values are "
        "somewhat optimistic. A size is underpowered when the interval's "
        f"half-width exceeds {RESOLUTION} or fewer than 3 repeats ran."
    )
    lines = "\n".join(f"- {text}" for text in tests["sentence"])
    return [lines, method, _tables.markdown(_tables.verdict_table(tests))]
