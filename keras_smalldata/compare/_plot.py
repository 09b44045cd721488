"""Matplotlib figures of `ModelComparison` and `LearningCurve` (the `plot` extra)."""


def new_axes(ax):
    """`ax`, or the axes of a new figure made without pyplot (any backend)."""
    if ax is not None:
        return ax
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(
            "Plotting fold scores requires matplotlib. Install it with: "
            'pip install "keras-smalldata[plot]"'
        ) from error
    return Figure(figsize=(7, 4.5), layout="constrained").subplots()


def plot_scores(fold_scores, order, metric, ax=None):
    """Fold scores of each estimator (dots) with mean and std, best on top."""
    import numpy as np

    ax = new_axes(ax)
    scores = fold_scores[fold_scores["metric"] == metric]
    names = list(reversed(order))
    jitter = np.random.default_rng(0)
    for row, name in enumerate(names):
        values = scores.loc[scores["estimator"] == name, "score"].dropna()
        ax.scatter(
            values,
            row + jitter.uniform(-0.15, 0.15, len(values)),
            s=12,
            alpha=0.5,
        )
        if len(values):
            ax.errorbar(values.mean(), row, xerr=values.std(), fmt="D", color="black")
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel(f"{metric} (dots: folds; diamond: mean and std)")
    ax.set_title("Cross-validated scores")
    ax.grid(axis="x", alpha=0.3)
    return ax


def plot_learning_curve(curve, metric, deep, x_label, ax=None):
    """Mean score against training size, a band of one standard deviation."""
    ax = new_axes(ax)
    for name, rows in curve.groupby("estimator", sort=False):
        x = rows["train_size"].to_numpy(dtype=float)
        mean = rows[f"{metric}_mean"].to_numpy(dtype=float)
        std = rows[f"{metric}_std"].to_numpy(dtype=float)
        style = "-" if name in deep else "--"
        (line,) = ax.plot(x, mean, style, marker="o", label=name)
        ax.fill_between(x, mean - std, mean + std, color=line.get_color(), alpha=0.15)
    ax.set_xscale("log")
    sizes = sorted(curve["train_size"].unique())
    ax.set_xticks(sizes, [f"{size:g}" for size in sizes])
    ax.minorticks_off()
    ax.set_xlabel(x_label)
    ax.set_ylabel(metric)
    ax.set_title("Learning curves (solid: deep models)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return ax
