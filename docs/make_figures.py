"""Writes every picture of the documentation site, from the examples' own code.

Each group runs the functions of one script in `examples/` and writes its PNGs
under `--out` (by default `docs/images/`, where the guides link them):

- `augmentation`: one grid per image layer (`examples/augmentation_preview.py`);
- `tabular_and_series`: the tabular and the time-series layers
  (`examples/tabular_and_series.py`);
- `mixing`: MixUp and CutMix batches (`examples/mixing_and_tta.py`);
- `vae`: a conditional VAE's samples of every digit (`examples/vae_digits.py`);
- `transfer`: scratch / frozen / fine_tune / gradual accuracy
  (`examples/transfer_digits.py`);
- `compare`: learning curves of a CNN and the baselines
  (`examples/compare_digits.py`);
- `semi_supervised`: weak and strong views, mask rate and accuracy while
  training (`examples/semi_supervised_digits.py`);
- `study`: the learning curve of a small study's report
  (`examples/study_digits.py`).

Usage:

    python docs/make_figures.py                  # all, documentation quality
    python docs/make_figures.py --only vae study
    python docs/make_figures.py --quick --out /tmp/figures   # every example's
                                                            # --quick setting

The default setting takes about 20 CPU minutes (an hour of wall time on a
busy two-core machine), more than half of it in `compare`, the full learning
curve of `examples/compare_digits.py`; regenerate one group with `--only`.
`--quick` is for checking that the script works, not for pictures worth
publishing.
"""

import argparse
import contextlib
import importlib.util
import io
import os
import pathlib
import shutil
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
DEFAULT_OUT = ROOT / "docs" / "images"

# Image layer -> augmentation_preview policy that shows it alone.
LAYER_POLICIES = {
    "random_resized_crop": "crop",
    "trivial_augment": "trivial",
    "random_apply": "apply",
    "random_choice": "noise",
    "random_gaussian_noise": "gaussian_noise",
    "random_salt_pepper": "salt_pepper",
}

# Every picture the documentation uses, by group.
FIGURES = {
    "augmentation": [
        *(f"augmentation_{layer}.png" for layer in LAYER_POLICIES),
        "augmentation_default.png",
    ],
    "tabular_and_series": ["tabular_augmentation.png", "series_augmentation.png"],
    "mixing": ["mixing.png"],
    "vae": ["vae_samples.png"],
    "transfer": ["transfer_digits.png"],
    "compare": ["compare_learning_curve.png"],
    "semi_supervised": ["semi_supervised.png"],
    "study": ["study_learning_curve.png"],
}


def load_example(name):
    """Imports `examples/<name>.py` as a module."""
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def augmentation(out, quick):
    example = load_example("augmentation_preview")
    policies = {**LAYER_POLICIES, "default": "default"}
    for stem, policy in policies.items():
        rows = "2" if quick else "3"
        path = out / f"augmentation_{stem}.png"
        example.main(["--policy", policy, "--rows", rows, "--out", str(path)])


def tabular_and_series(out, quick):
    example = load_example("tabular_and_series")
    example.main(["--out", str(out), *(["--quick"] if quick else [])])


def mixing(out, quick):
    import keras
    import numpy as np

    from keras_smalldata.datasets import load_digits

    example = load_example("mixing_and_tta")
    x, y = load_digits()
    picked = np.random.default_rng(0).choice(len(x), 8, replace=False)
    one_hot = keras.utils.to_categorical(y[picked], example.NUM_CLASSES)
    batches = {"original": (x[picked], one_hot)}
    for mix in ("mixup", "cutmix"):
        batches[mix] = example.mixed_batch(x[picked], one_hot, mix, seed=0)
    example.mixing_figure(batches).savefig(out / "mixing.png", dpi=90)


def vae(out, quick):
    example = load_example("vae_digits")
    path = out / "vae_samples.png"
    settings = ["--quick"] if quick else ["--epochs", "40", "--per-class", "8"]
    example.main(["--out", str(path), *settings])


def transfer(out, quick):
    example = load_example("transfer_digits")
    settings = ["--quick"] if quick else ["--repeats", "3"]
    example.main(["--out", str(out / "transfer_digits.png"), *settings])


def compare(out, quick):
    example = load_example("compare_digits")
    path = out / "compare_learning_curve.png"
    example.main(["--out", str(path), *(["--quick"] if quick else [])])


def semi_supervised(out, quick):
    example = load_example("semi_supervised_digits")
    path = out / "semi_supervised.png"
    example.main(["--out", str(path), *(["--quick"] if quick else [])])


def study(out, quick):
    example = load_example("study_digits")
    with tempfile.TemporaryDirectory() as directory:
        _, paths = example.main(["--out", directory, *(["--quick"] if quick else [])])
        shutil.copyfile(paths["learning_curve"], out / "study_learning_curve.png")


GROUPS = {
    "augmentation": augmentation,
    "tabular_and_series": tabular_and_series,
    "mixing": mixing,
    "vae": vae,
    "transfer": transfer,
    "compare": compare,
    "semi_supervised": semi_supervised,
    "study": study,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="folder for PNGs")
    parser.add_argument(
        "--quick", action="store_true", help="every example's quick setting"
    )
    parser.add_argument("--only", nargs="+", choices=list(GROUPS), default=list(GROUPS))
    parser.add_argument(
        "--verbose", action="store_true", help="show the examples' own output"
    )
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    written = []
    for group in args.only:
        start = time.perf_counter()
        output = io.StringIO()
        with contextlib.redirect_stdout(sys.stdout if args.verbose else output):
            GROUPS[group](out, args.quick)
        names = FIGURES[group]
        missing = [name for name in names if not (out / name).is_file()]
        if missing:
            raise RuntimeError(f"{group} did not write {missing}:\n{output.getvalue()}")
        written += names
        seconds = time.perf_counter() - start
        print(f"{group:<20} {seconds:>5.0f} s  {', '.join(names)}")
    total = sum((out / name).stat().st_size for name in written)
    print(f"{len(written)} figures in {out}, {total / 1e6:.2f} MB")
    return [out / name for name in written]


if __name__ == "__main__":
    main()
