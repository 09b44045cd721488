"""What the tabular and time-series augmentation layers do to a few samples.

Tabular: `FeatureNoise`, `SwapNoise` and `FeatureDropout` on rows of the wine
data that ships with scikit-learn (13 raw, unscaled features). Each layer is
adapted on the rows (where it needs statistics) and called with
`training=True`; the script prints which share of entries changed and by how
much, in units of each feature's standard deviation, and checks that the layer
is the identity at inference. Time series: `Jitter`, `RandomScaling`,
`MagnitudeWarp`, `TimeWarp`, `WindowSlice` and `WindowWarp` on a smooth,
sensor-like series (two sines and a bump, generated here), with the same
printout. Writes two PNGs: two wine features before and after each tabular
layer, and a few random draws of each series layer over the original. Runs
offline.

Usage:

    python examples/tabular_and_series.py --out figures/
    python examples/tabular_and_series.py --quick --out figures/    # fewer rows
"""

import argparse
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import keras_smalldata.layers as ksl  # noqa: E402
from keras_smalldata.datasets import load_wine  # noqa: E402

# Two wine features that separate the classes: flavanoids and color intensity.
PLOTTED = (6, 9)
PLOTTED_NAMES = ("flavanoids", "color intensity")
SERIES_STEPS = 128


def tabular_layers(seed=0):
    """The tabular layers shown, by name; `FeatureNoise` strong enough to see."""
    return {
        "FeatureNoise(stddev=0.2)": ksl.FeatureNoise(stddev=0.2, seed=seed),
        "SwapNoise(rate=0.3)": ksl.SwapNoise(rate=0.3, seed=seed),
        'FeatureDropout(rate=0.3, fill="mean")': ksl.FeatureDropout(
            rate=0.3, fill="mean", seed=seed
        ),
    }


def series_layers(seed=0):
    """The time-series layers shown, by name, at their default strengths."""
    return {
        "Jitter(stddev=0.03)": ksl.Jitter(0.03, seed=seed),
        "RandomScaling(stddev=0.1)": ksl.RandomScaling(0.1, seed=seed),
        "MagnitudeWarp(stddev=0.2)": ksl.MagnitudeWarp(0.2, seed=seed),
        "TimeWarp(stddev=0.2)": ksl.TimeWarp(0.2, seed=seed),
        "WindowSlice(ratio=0.9)": ksl.WindowSlice(0.9, seed=seed),
        "WindowWarp(window_ratio=0.1)": ksl.WindowWarp(0.1, seed=seed),
    }


def sensor_series(num_series, steps=SERIES_STEPS, seed=0):
    """Smooth series `(num_series, steps, 1)`: two sines and a bump, standardized.

    Every series has its own phase and bump position, so that a batch is not
    one series repeated.
    """
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, steps)
    phase = rng.uniform(0, 2 * np.pi, (num_series, 1))
    center = rng.uniform(0.3, 0.7, (num_series, 1))
    series = (
        np.sin(2 * np.pi * 2 * t + phase)
        + 0.5 * np.sin(2 * np.pi * 7 * t)
        + 1.5 * np.exp(-(((t - center) / 0.05) ** 2))
    )
    series = (series - series.mean(axis=1, keepdims=True)) / series.std(
        axis=1, keepdims=True
    )
    return series[..., None].astype("float32")


def augment_tabular(x, seed=0):
    """Applies each tabular layer once to `x`.

    Returns:
        dict `{name: (augmented rows, statistics)}`; the statistics are
        `changed` (share of entries changed), `mean_change` (mean absolute
        change of the changed entries, in feature standard deviations) and
        `identity_at_inference` (bool).
    """
    std = x.std(axis=0)
    results = {}
    for name, layer in tabular_layers(seed).items():
        if hasattr(layer, "adapt"):
            layer.adapt(x)
        out = np.asarray(layer(x, training=True))
        results[name] = (out, _change_stats(layer, x, out, std))
    return results


def augment_series(x, draws, seed=0):
    """Applies each series layer `draws` times to `x`.

    Returns:
        dict `{name: (list of `draws` augmented batches, statistics)}`, with
        the statistics of `augment_tabular` in units of the series' standard
        deviation (1: they are standardized).
    """
    results = {}
    for name, layer in series_layers(seed).items():
        outputs = [np.asarray(layer(x, training=True)) for _ in range(draws)]
        results[name] = (outputs, _change_stats(layer, x, outputs[0], 1.0))
    return results


def _change_stats(layer, x, out, scale):
    changed = ~np.isclose(out, x, rtol=0, atol=1e-6)
    change = np.abs(out - x) / np.maximum(scale, 1e-12)
    return {
        "changed": float(changed.mean()),
        "mean_change": float(change[changed].mean()) if changed.any() else 0.0,
        "identity_at_inference": bool(
            np.array_equal(np.asarray(layer(x, training=False)), x)
        ),
    }


def tabular_figure(x, y, results):
    """Figure: the two `PLOTTED` features of every row, before and after."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4 * len(results), 3.8), layout="constrained")
    axes = figure.subplots(1, len(results), sharex=True, sharey=True, squeeze=False)
    i, j = PLOTTED
    for ax, (name, (out, _)) in zip(axes[0], results.items(), strict=True):
        moved = (out[:, i] != x[:, i]) | (out[:, j] != x[:, j])
        for row in np.flatnonzero(moved):
            ax.plot(
                [x[row, i], out[row, i]],
                [x[row, j], out[row, j]],
                color="0.6",
                linewidth=0.7,
            )
        ax.scatter(x[:, i], x[:, j], c=y, cmap="viridis", s=14, label="original")
        ax.scatter(
            out[moved, i],
            out[moved, j],
            c=y[moved],
            cmap="viridis",
            marker="x",
            s=22,
            label="augmented",
        )
        ax.set_title(name, fontsize=9)
        ax.set_xlabel(PLOTTED_NAMES[0])
    axes[0, 0].set_ylabel(PLOTTED_NAMES[1])
    axes[0, 0].legend(fontsize=8, loc="upper right")
    figure.suptitle("Wine rows (color: class); gray lines join a row to its draw")
    return figure


def series_figure(x, results):
    """Figure: the first series and its augmented draws, one panel per layer."""
    from matplotlib.figure import Figure

    columns = 3
    rows = -(-len(results) // columns)
    figure = Figure(figsize=(4.2 * columns, 2.6 * rows), layout="constrained")
    axes = figure.subplots(rows, columns, sharex=True, sharey=True, squeeze=False)
    for ax, (name, (outputs, _)) in zip(axes.flat, results.items(), strict=False):
        ax.plot(x[0, :, 0], color="black", linewidth=2.2, label="original")
        for draw, out in enumerate(outputs):
            ax.plot(
                out[0, :, 0], linewidth=0.9, label="augmented" if not draw else None
            )
        ax.set_title(name, fontsize=9)
    for ax in axes.flat[len(results) :]:
        ax.set_visible(False)
    axes[0, 0].legend(fontsize=8, loc="lower left")
    figure.suptitle("One series (black) and random draws of each layer")
    return figure


def _print_stats(title, results, unit):
    print(title)
    width = max(len(name) for name in results)
    print(
        f"  {'layer':<{width}}  entries changed  mean |change| ({unit})  "
        "identity at inference"
    )
    for name, (_, stats) in results.items():
        print(
            f"  {name:<{width}}  {stats['changed']:>15.1%}  "
            f"{stats['mean_change']:>{18 + len(unit)}.3f}  "
            f"{'yes' if stats['identity_at_inference'] else 'NO'}"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rows and draws")
    parser.add_argument("--out", default=".", help="folder for the two PNGs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out_dir = pathlib.Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)

    x, y = load_wine()
    rows = np.random.default_rng(args.seed).permutation(len(x))
    rows = rows[: 40 if args.quick else 90]
    x, y = x[rows], y[rows]
    tabular = augment_tabular(x, seed=args.seed)
    _print_stats(f"Tabular: {len(x)} wine rows, 13 raw features", tabular, "std")

    series = sensor_series(8 if args.quick else 32, seed=args.seed)
    draws = augment_series(series, draws=2 if args.quick else 3, seed=args.seed)
    print()
    _print_stats(
        f"Time series: {len(series)} series of {SERIES_STEPS} steps", draws, "std"
    )

    paths = {
        "tabular": out_dir / "tabular_augmentation.png",
        "series": out_dir / "series_augmentation.png",
    }
    tabular_figure(x, y, tabular).savefig(paths["tabular"], dpi=90)
    series_figure(series, draws).savefig(paths["series"], dpi=90)
    print()
    for path in paths.values():
        print(f"Wrote {path}")
    return {"tabular": tabular, "series": draws, "paths": paths}


if __name__ == "__main__":
    main()
