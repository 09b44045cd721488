import importlib.util
import re
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
DOCS = ROOT / "docs"
AUGMENTATION_PREVIEW = EXAMPLES / "augmentation_preview.py"
POLICIES = [
    "trivial",
    "crop",
    "apply",
    "gaussian_noise",
    "salt_pepper",
    "noise",
    "default",
]
PNG_POLICIES = ["trivial", "crop", "noise", "default"]


def _load_augmentation_preview():
    spec = importlib.util.spec_from_file_location(
        "augmentation_preview", AUGMENTATION_PREVIEW
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _check_png(path):
    import matplotlib.image

    image = matplotlib.image.imread(path)
    height, width, _ = image.shape
    assert height > 100 and width > 100
    # Not a blank canvas: the digits put dark and light pixels on it.
    assert image[..., :3].std() > 0.05


def test_augmentation_preview_runs_as_a_script(tmp_path):
    out = tmp_path / "preview.png"
    result = subprocess.run(
        [sys.executable, str(AUGMENTATION_PREVIEW), "--rows", "2", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout and "default" in result.stdout
    _check_png(out)


@pytest.mark.parametrize("policy", PNG_POLICIES)
def test_augmentation_preview_writes_png(tmp_path, capsys, policy):
    out = tmp_path / f"{policy}.png"
    args = ["--policy", policy, "--num-images", "3", "--rows", "2", "--out", str(out)]
    _load_augmentation_preview().main(args)
    assert policy in capsys.readouterr().out
    _check_png(out)


@pytest.mark.parametrize("policy", POLICIES)
def test_policies_keep_shape_and_value_range(policy):
    from keras_smalldata.datasets import load_digits

    images, _ = load_digits()
    images = images[:4]
    layer = _load_augmentation_preview().build_policy(policy, seed=0)
    out = np.asarray(layer(images, training=True))
    assert out.shape == images.shape
    assert out.min() >= 0.0 and out.max() <= 1.0
    np.testing.assert_array_equal(np.asarray(layer(images, training=False)), images)


def test_unknown_policy():
    with pytest.raises(ValueError, match="Received: name='flip'"):
        _load_augmentation_preview().build_policy("flip", seed=0)


def test_policies_are_the_examples():
    assert POLICIES == list(_load_augmentation_preview().POLICIES)


def _load(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tabular_and_series_quick(tmp_path, capsys):
    result = _load(EXAMPLES / "tabular_and_series.py").main(
        ["--quick", "--out", str(tmp_path)]
    )
    out = capsys.readouterr().out
    tabular, series = result["tabular"], result["series"]
    assert len(tabular) == 3 and len(series) == 6
    for name, (_, stats) in {**tabular, **series}.items():
        assert name in out
        assert stats["identity_at_inference"], name
        assert stats["mean_change"] > 0, name
    changed = {
        name.split("(")[0]: stats["changed"] for name, (_, stats) in tabular.items()
    }
    assert changed["FeatureNoise"] == 1.0
    # About `rate` of the entries (fewer: a swap can draw an equal value).
    assert 0.15 < changed["SwapNoise"] <= 0.45
    assert 0.15 < changed["FeatureDropout"] <= 0.45
    augmented, _ = tabular['FeatureDropout(rate=0.3, fill="mean")']
    assert augmented.shape == (40, 13)
    outputs, _ = series["TimeWarp(stddev=0.2)"]
    assert len(outputs) == 2 and outputs[0].shape == (8, 128, 1)
    for path in result["paths"].values():
        assert str(path) in out
        _check_png(path)


def test_mixing_and_tta_quick(tmp_path, capsys):
    results = _load(EXAMPLES / "mixing_and_tta.py").main(
        ["--quick", "--out", str(tmp_path)]
    )
    out = capsys.readouterr().out
    assert list(results) == ["none", "mixup", "cutmix"]
    for mix, scores in results.items():
        assert mix in out
        # One repeat; well above chance (0.1) with and without TTA.
        assert len(scores["plain"]) == len(scores["tta"]) == 1
        assert 0.5 < scores["plain"][0] <= 1 and 0.5 < scores["tta"][0] <= 1
    _check_png(tmp_path / "mixing.png")


def test_mixed_batch_labels_are_distributions():
    example = _load(EXAMPLES / "mixing_and_tta.py")
    from keras_smalldata.datasets import load_digits

    x, y = load_digits()
    one_hot = np.eye(10, dtype="float32")[y[:6]]
    for mix in ("mixup", "cutmix"):
        images, labels = example.mixed_batch(x[:6], one_hot, mix, seed=0)
        assert images.shape == (6, 8, 8, 1) and labels.shape == (6, 10)
        np.testing.assert_allclose(labels.sum(axis=1), 1.0, rtol=1e-5)


def test_serving_export_quick(tmp_path, capsys):
    path = _load(EXAMPLES / "serving_export.py").main(
        ["--quick", "--out", str(tmp_path)]
    )
    out = capsys.readouterr().out
    assert path == tmp_path / "digits" / "1"
    assert (path / "saved_model.pb").is_file()
    assert (path / "assets.extra" / "tf_serving_warmup_requests").is_file()
    # Keras' own export keeps augmenting; ours does not.
    plain = float(re.search(r"requests differ by up to ([\d.]+)", out).group(1))
    assert plain > 1e-3
    assert "export_for_serving: identical requests differ by 0.0e+00" in out
    assert "verify_export (TensorFlow alone, separate process): passed" in out


def test_study_digits_quick(tmp_path, capsys):
    example = _load(EXAMPLES / "study_digits.py")
    results, paths = example.main(["--quick", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert set(results["arm"]) == set(example.QUICK_ARMS)
    assert sorted(set(results["size"])) == [5, 10]
    assert results["value"].between(0.3, 1).all()
    assert "Best arm per size" in out and "corrected t-test" in out
    assert paths["report"].read_text().startswith("#")
    _check_png(paths["learning_curve"])


def test_semi_supervised_digits_quick(tmp_path, capsys):
    out = tmp_path / "semi.png"
    history = _load(EXAMPLES / "semi_supervised_digits.py").main(
        ["--quick", "--out", str(out)]
    )
    printed = capsys.readouterr().out
    assert "5 labelled per class, 450 unlabeled, 50 steps" in printed
    assert len(history["mask_rate"]) == len(history["val_accuracy"]) == 10
    assert all(0 <= rate <= 1 for rate in history["mask_rate"])
    _check_png(out)


def test_transfer_results_figure(tmp_path):
    example = _load(EXAMPLES / "transfer_digits.py")
    results = {
        (shots, method): {"accuracy": [0.2 + 0.1 * i, 0.3 + 0.1 * i], "seconds": [1]}
        for shots in (5, 10)
        for i, method in enumerate(example.METHODS)
    }
    figure = example.results_figure(results)
    (ax,) = figure.axes
    assert len(ax.containers) >= len(example.METHODS)
    heights = [bar.get_height() for bar in ax.patches]
    np.testing.assert_allclose(
        sorted(set(np.round(heights, 6))), [0.25, 0.35, 0.45, 0.55]
    )
    figure.savefig(tmp_path / "bars.png", dpi=90)
    _check_png(tmp_path / "bars.png")


# The documentation site: figures made by docs/make_figures.py, API pages.


def _make_figures():
    return _load(DOCS / "make_figures.py")


def test_make_figures_quick_writes_the_cheap_groups(tmp_path, capsys):
    make_figures = _make_figures()
    groups = ["augmentation", "tabular_and_series", "mixing"]
    paths = make_figures.main(["--quick", "--out", str(tmp_path), "--only", *groups])
    expected = [name for group in groups for name in make_figures.FIGURES[group]]
    assert [path.name for path in paths] == expected
    for path in paths:
        _check_png(path)
    assert f"{len(expected)} figures in {tmp_path}" in capsys.readouterr().out


@pytest.mark.parametrize(
    "group", ["vae", "transfer", "compare", "semi_supervised", "study"]
)
def test_make_figures_runs_each_example_quick(tmp_path, monkeypatch, group):
    # The examples themselves are tested above and in tests/<subpackage>/; this
    # checks what make_figures passes them and where their figures end up.
    make_figures = _make_figures()
    calls = []

    def fake_main(argv):
        calls.append(argv)
        out = Path(argv[argv.index("--out") + 1])
        if group == "study":
            out.mkdir(parents=True, exist_ok=True)
            (out / "learning_curve.png").write_bytes(b"png")
            return None, {"learning_curve": out / "learning_curve.png"}
        out.write_bytes(b"png")
        return None

    monkeypatch.setattr(
        make_figures, "load_example", lambda name: types.SimpleNamespace(main=fake_main)
    )
    paths = make_figures.main(["--quick", "--out", str(tmp_path), "--only", group])
    assert [path.name for path in paths] == make_figures.FIGURES[group]
    assert all(path.read_bytes() == b"png" for path in paths)
    (argv,) = calls
    assert "--quick" in argv


def test_make_figures_reports_a_missing_figure(tmp_path, monkeypatch):
    make_figures = _make_figures()
    monkeypatch.setattr(
        make_figures,
        "load_example",
        lambda name: types.SimpleNamespace(main=lambda argv: print("no figure")),
    )
    with pytest.raises(RuntimeError, match=r"vae did not write \['vae_samples.png'\]"):
        make_figures.main(["--quick", "--out", str(tmp_path), "--only", "vae"])


def test_docs_show_exactly_the_generated_figures():
    make_figures = _make_figures()
    generated = {name for names in make_figures.FIGURES.values() for name in names}
    used = set()
    for page in DOCS.rglob("*.md"):
        used |= set(re.findall(r"\]\(images/([\w.-]+\.png)\)", page.read_text()))
    assert used == generated
    images = DOCS / "images"
    assert {path.name for path in images.glob("*.png")} == generated
    assert sum(path.stat().st_size for path in images.glob("*.png")) < 3_000_000


SUBPACKAGES = [
    "layers",
    "data",
    "models",
    "callbacks",
    "transfer",
    "compare",
    "export",
    "evaluation",
    "datasets",
    "plotting",
]


def test_api_pages_cover_every_public_name():
    import keras_smalldata
    import keras_smalldata.study

    nav = (ROOT / "mkdocs.yml").read_text()
    for name in [*SUBPACKAGES, "study"]:
        assert f"api/{name}.md" in nav
    assert sorted([*SUBPACKAGES, "study"]) == sorted(
        name for name in keras_smalldata.__all__ if name != "__version__"
    )
    for name in SUBPACKAGES:
        page = (DOCS / "api" / f"{name}.md").read_text()
        # The module directive renders every name of the subpackage's __all__.
        assert f"::: keras_smalldata.{name}\n" in page
    study = (DOCS / "api" / "study.md").read_text()
    # The study's names are imported lazily, which static analysis cannot
    # follow: each is listed from the module that defines it.
    for name, module in keras_smalldata.study._EXPORTS.items():
        assert f"::: keras_smalldata.study.{module}.{name}\n" in study, name


KERAS_STYLE = """Adds noise.

Args:
    rate: float. How much.

Example:

>>> layer = Noise(0.1)
>>> layer(x).shape
(2, 3)

```python
model.fit(x, y)
```
"""


def test_griffe_extension_makes_example_blocks_sections():
    import griffe

    extension = _load(DOCS / "griffe_extensions.py")
    text = extension.rewrite_examples(KERAS_STYLE.strip())
    assert (
        "Examples:\n    >>> layer = Noise(0.1)\n    >>> layer(x).shape\n    (2, 3)"
        in text
    )
    assert "\n    ```python\n    model.fit(x, y)\n    ```" in text
    # Already a Google section: unchanged.
    assert extension.rewrite_examples(text) == text

    sections = griffe.Docstring(text).parse("google")
    kinds = [section.kind.value for section in sections]
    assert kinds == ["text", "parameters", "examples"]
    examples = sections[-1].value
    assert examples[0] == (
        griffe.DocstringSectionKind.examples,
        ">>> layer = Noise(0.1)\n>>> layer(x).shape\n(2, 3)",
    )


def test_griffe_extension_stops_at_the_next_section():
    extension = _load(DOCS / "griffe_extensions.py")
    text = "Summary.\n\nExample:\n\n>>> f()\n1\n\nReturns:\n    int. One."
    assert extension.rewrite_examples(text) == (
        "Summary.\n\nExamples:\n    >>> f()\n    1\n\nReturns:\n    int. One."
    )


def test_griffe_sees_every_exported_name_as_its_object():
    # `from .mixup import mixup` in keras_smalldata/data/__init__.py: griffe
    # keeps the submodule under that name unless the extension replaces it, and
    # the API page would then skip the function.
    import griffe

    import keras_smalldata

    extension = _load(DOCS / "griffe_extensions.py")
    package = griffe.load("keras_smalldata", search_paths=[str(ROOT)])
    replaced = extension.export_shadowed_names(package)
    assert "keras_smalldata.data.mixup" in replaced
    for name in SUBPACKAGES:
        subpackage = package[name]
        exported = getattr(keras_smalldata, name).__all__ if name != "plotting" else []
        for export in exported:
            member = subpackage.members[export]
            assert not member.is_module, f"{name}.{export}"
            assert member.docstring is not None, f"{name}.{export}"
    # Aliases through a replaced submodule's path still resolve.
    optimizer = package["transfer"].members["DiscriminativeOptimizer"]
    assert optimizer.target.is_class
