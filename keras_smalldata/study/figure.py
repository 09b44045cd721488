"""The study's figures: the learning curve, and images carried in its result."""

import numpy as np

from keras_smalldata.study.summary import summarize

# The two contenders' colours; every other arm gets one of the rest.
_DEEP_COLOUR = "tab:blue"
_TRADITIONAL_COLOUR = "tab:orange"
_BACKGROUND = "0.8"
_MARKERS = "osD^vP*Xhp<>"


def learning_curve_figure(results, metric="accuracy", title=""):
    """Plots the mean of a metric against the training size: contenders first.

    The left panel shows the two contenders in colour, with the 95% interval
    of `summarize` as error bars: the best deep arm (solid) and the strongest
    traditional arm (dashed), each the best of its kind averaged over the
    sizes; every other arm is drawn in light grey behind them. The right panel
    shows every other arm in a colour of its own (deep solid, traditional
    dashed), named in a legend beside it, outside the data. The x axis
    (samples per class) is logarithmic; arms are shifted a little sideways so
    that error bars do not hide each other.

    Args:
        results: a `StudyResult`, or its `scores` (a pandas DataFrame).
        metric: str. The metric to plot. Defaults to `"accuracy"`.
        title: str. The figure's title. Defaults to `""`.

    Returns:
        A `matplotlib.figure.Figure`, made without `pyplot`: one panel when the
        study has no arm besides the contenders, else two.

    Raises:
        ImportError: if matplotlib is not installed.

    Example:

    >>> x, y = keras_smalldata.datasets.load_wine()
    >>> result = keras_smalldata.study.run_study(
    ...     x, y, per_class=[3, 6], arms=["knn", "svc", "decision_tree"],
    ...     repeats=2, progress=False,
    ... )
    >>> figure = keras_smalldata.study.learning_curve_figure(result, title="wine")
    >>> [ax.get_title() for ax in figure.axes]
    ['contenders', 'other arms']
    >>> [text.get_text() for text in figure.axes[1].get_legend().get_texts()]
    ['knn (traditional)', 'decision_tree (traditional)']
    >>> figure.savefig("learning_curve.png")
    """
    try:
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
        from matplotlib.ticker import NullFormatter
    except ImportError as error:
        raise ImportError(
            "Plotting a study requires matplotlib. Install it with: "
            'pip install "keras-smalldata[plot]"'
        ) from error

    summary = summarize(results, metric)
    curves = dict(list(summary.groupby("arm", sort=False)))
    contenders = _contenders(summary)
    others = [arm for arm in curves if arm not in contenders.values()]
    # Within a panel, each arm is shifted a little so error bars do not hide.
    dodge = _dodge(list(contenders.values())) | _dodge(others)

    panels = 2 if others else 1
    figure = Figure(figsize=(6 + 5 * (panels - 1), 4.8), layout="constrained")
    axes = figure.subplots(1, panels, sharey=True, squeeze=False)[0]
    main = axes[0]
    for arm in others:
        curve = curves[arm]
        main.plot(
            curve["size"].to_numpy(dtype=float),
            curve["mean"].to_numpy(dtype=float),
            color=_BACKGROUND,
            linewidth=1,
            linestyle=_style(curve),
            zorder=1,
        )
    handles = []
    colours = {"deep": _DEEP_COLOUR, "traditional": _TRADITIONAL_COLOUR}
    for kind, arm in contenders.items():
        handles.append(
            _errorbar(main, curves[arm], dodge[arm], colours[kind], "o", zorder=3)
        )
    if others:
        handles.append(
            Line2D([], [], color=_BACKGROUND, label="other arms (right panel)")
        )
    main.set_title("contenders")
    main.legend(
        handles=handles,
        fontsize="small",
        loc="upper center",
        bbox_to_anchor=(0.5, -0.14),
        frameon=False,
    )

    if others:
        side = axes[1]
        for index, arm in enumerate(others):
            colour, marker = _other_style(index)
            _errorbar(side, curves[arm], dodge[arm], colour, marker, zorder=2)
        side.set_title("other arms")
        side.legend(
            fontsize="small",
            loc="upper left",
            bbox_to_anchor=(1.02, 1.0),
            frameon=False,
        )

    sizes = sorted(summary["size"].unique())
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xticks(sizes, [str(size) for size in sizes])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("training samples per class")
        ax.grid(True, alpha=0.3)
    main.set_ylabel(f"{metric} (mean, 95% interval)")
    if title:
        figure.suptitle(title)
    return figure


def _contenders(summary):
    """{kind: arm}: the best deep and the strongest traditional arm.

    Each is the arm of its kind with the highest mean averaged over the sizes
    (ties to the first), so one line represents its kind at every size.
    """
    means = summary.dropna(subset=["mean"])
    overall = means.groupby(["kind", "arm"], sort=False)["mean"].mean()
    contenders = {}
    for kind in ("deep", "traditional"):
        if kind in overall.index.get_level_values(0):
            contenders[kind] = overall.loc[kind].idxmax()
    return contenders


def _dodge(arms):
    return {arm: 1.025 ** (i - (len(arms) - 1) / 2) for i, arm in enumerate(arms)}


def _style(curve):
    return "--" if curve["kind"].iloc[0] == "traditional" else "-"


def _other_style(index):
    """A distinct (colour, marker) per arm: tab20 without the contenders' hues.

    tab20 pairs each hue with a lighter shade (blue 0-1, orange 2-3, grey
    14-15): the strong shades come first, so that few arms get far-apart
    colours, then the light ones, then grey and light blue and orange.
    """
    from matplotlib import colormaps

    palette = colormaps["tab20"].colors
    hues = (4, 6, 8, 10, 12, 16, 18)
    order = [*hues, *(hue + 1 for hue in hues), 14, 15, 1, 3]
    colours = [palette[i] for i in order]
    return colours[index % len(colours)], _MARKERS[index // len(colours) % 12]


def _errorbar(ax, curve, dodge, colour, marker, zorder):
    kind = curve["kind"].iloc[0]
    return ax.errorbar(
        curve["size"].to_numpy(dtype=float) * dodge,
        curve["mean"].to_numpy(dtype=float),
        yerr=curve["half_width"].fillna(0).to_numpy(),
        label=f"{curve['arm'].iloc[0]} ({kind})",
        color=colour,
        linestyle=_style(curve),
        marker=marker,
        markersize=4,
        capsize=3,
        zorder=zorder,
    )


def augmentation_figure(result):
    """The result's augmented images as a grid, or `None` when it has none."""
    from keras_smalldata.plotting import image_grid

    examples = result.augmentation_examples
    if examples is None:
        return None
    labels = ["original"] + [f"aug. {row}" for row in range(1, len(examples))]
    return image_grid(examples, row_labels=labels)


def samples_figure(result):
    """The result's VAE samples, a real training image first in each row."""
    from keras_smalldata.plotting import image_grid

    samples = result.vae_samples
    if samples is None:
        return None
    real = result.vae_training_images
    if real is not None:
        samples = np.concatenate([real[:, None], samples], axis=1)
    titles = None if real is None else ["real"] + [""] * (samples.shape[1] - 1)
    labels = [str(row) for row in range(len(samples))]
    return image_grid(samples, row_labels=labels, column_titles=titles)
