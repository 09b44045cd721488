"""The learning curve shows its two contenders; images come from the result."""

import numpy as np
import pytest
from _study_fakes import make_result, make_results

from keras_smalldata.study import learning_curve_figure
from keras_smalldata.study.figure import augmentation_figure, samples_figure

TWELVE = {
    (f"trad_{i}", "traditional"): {5: 0.70 + 0.01 * i, 10: 0.80 + 0.01 * i}
    for i in range(7)
} | {(f"deep_{i}", "deep"): {5: 0.72 + 0.02 * i, 10: 0.83 + 0.01 * i} for i in range(5)}
NOISE = {
    arm: np.array([-0.01, 0.0, 0.01]) * (1 + i % 3) for i, (arm, _) in enumerate(TWELVE)
}


def twelve_arms():
    return make_results(repeats=3, means=TWELVE, noise=NOISE)


def _colour(container):
    from matplotlib.colors import to_hex

    return to_hex(container.lines[0].get_color())


def test_the_contenders_stand_out_and_every_other_arm_has_its_own_colour():
    figure = learning_curve_figure(twelve_arms(), title="digits")
    main, side = figure.axes
    assert figure.get_suptitle() == "digits"
    assert main.get_xscale() == "log" and side.get_xscale() == "log"
    # Left: the best deep arm (deep_4) and the strongest traditional (trad_6),
    # in colour with error bars; the other ten in grey behind them.
    labels = [container.get_label() for container in main.containers]
    assert labels == ["deep_4 (deep)", "trad_6 (traditional)"]
    colours = [_colour(container) for container in main.containers]
    assert colours == ["#1f77b4", "#ff7f0e"]
    styles = [container.lines[0].get_linestyle() for container in main.containers]
    assert styles == ["-", "--"]
    grey = [line for line in main.lines if line.get_color() == "0.8"]
    assert len(grey) == 10
    deep_line = main.containers[0].lines[0]
    np.testing.assert_allclose(deep_line.get_ydata(), [0.80, 0.87])
    np.testing.assert_allclose(deep_line.get_xdata(), [5, 10], rtol=0.2)
    # Right: the ten others, each its own colour, none a contender's.
    others = [_colour(container) for container in side.containers]
    assert len(others) == len(set(others)) == 10
    assert not set(others) & {"#1f77b4", "#ff7f0e"}
    legend = [text.get_text() for text in side.get_legend().get_texts()]
    assert len(legend) == 10 and "deep_4 (deep)" not in legend


def test_no_legend_covers_data():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = learning_curve_figure(twelve_arms())
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    axes_boxes = [ax.get_window_extent(renderer) for ax in figure.axes]
    for ax in figure.axes:
        legend = ax.get_legend().get_window_extent(renderer)
        for box in axes_boxes:
            assert not legend.overlaps(box)


def test_contenders_alone_make_one_panel():
    results = make_results()
    two = results[results["arm"].isin(["svc", "cnn"])]
    figure = learning_curve_figure(two)
    (axes,) = figure.axes
    assert [c.get_label() for c in axes.containers] == [
        "cnn (deep)",
        "svc (traditional)",
    ]


def test_only_traditional_arms():
    results = make_results()
    figure = learning_curve_figure(results[results["kind"] == "traditional"])
    main, side = figure.axes
    assert [c.get_label() for c in main.containers] == ["svc (traditional)"]
    assert [c.get_label() for c in side.containers] == ["knn (traditional)"]


def test_figures_drawn_from_the_arrays_the_result_carries():
    rng = np.random.default_rng(0)
    samples = rng.uniform(size=(3, 8, 8, 8, 1)).astype("float32")
    real = rng.uniform(size=(3, 8, 8, 1)).astype("float32")
    examples = rng.uniform(size=(5, 4, 8, 8, 1)).astype("float32")
    result = make_result(
        vae_samples=samples, vae_training_images=real, augmentation_examples=examples
    )
    figure = samples_figure(result)
    axes = np.array(figure.axes).reshape(3, 9)
    np.testing.assert_allclose(axes[1, 0].images[0].get_array(), real[1, ..., 0])
    np.testing.assert_allclose(axes[2, 3].images[0].get_array(), samples[2, 2, ..., 0])
    assert axes[0, 0].get_title() == "real"
    figure = augmentation_figure(result)
    axes = np.array(figure.axes).reshape(5, 4)
    np.testing.assert_allclose(axes[4, 1].images[0].get_array(), examples[4, 1, ..., 0])
    assert axes[0, 0].get_ylabel() == "original"
    assert samples_figure(make_result()) is None
    assert augmentation_figure(make_result()) is None


def test_missing_matplotlib_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r'pip install "keras-smalldata\[plot\]"'):
        learning_curve_figure(make_results())
