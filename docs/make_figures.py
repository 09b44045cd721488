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
  (`examples/study_digits.py`);
- `masks_and_boxes`: a photo of `sklearn.datasets.load_sample_images()`, its
  mask and its boxes, augmented together (`masks_and_boxes` below).

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

import numpy as np

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
    "masks_and_boxes": ["masks_and_boxes.png"],
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


def masks_and_boxes(out, quick):
    """A photo, its sky mask and two boxes through one augmentation pipeline."""
    import keras
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.datasets import load_sample_images

    from keras_smalldata import layers

    photo = load_sample_images().images[0]  # china.jpg, 427 x 640
    image = keras.ops.convert_to_numpy(
        keras.ops.image.resize(photo.astype("float32"), (160, 240))
    )
    # The sky: bright, and bluer than it is red.
    sky = (image.mean(-1) > 150) & (image[..., 2] > image[..., 0])
    # The temple's upper pavilion and its lower hall, in pixels of the
    # 160 x 240 image.
    boxes = np.array([[[40, 10, 125, 80], [30, 80, 132, 150]]], "float32")
    data = {
        "images": np.round(image)[None].astype("uint8"),
        "segmentation_masks": sky[None, ..., None].astype("uint8"),
        "bounding_boxes": {"boxes": boxes, "labels": np.array([[1, 2]])},
    }
    augment = keras.Sequential(
        [
            keras.layers.RandomFlip("horizontal", bounding_box_format="xyxy", seed=0),
            layers.RandomResizedCrop(
                160, 240, scale=(0.3, 1.0), bounding_box_format="xyxy", seed=1
            ),
            layers.TrivialAugment(bounding_box_format="xyxy", seed=2),
        ]
    )
    draws = 3 if quick else 7
    batch = {
        "images": np.repeat(data["images"], draws, axis=0),
        "segmentation_masks": np.repeat(data["segmentation_masks"], draws, axis=0),
        "bounding_boxes": {
            key: np.repeat(value, draws, axis=0)
            for key, value in data["bounding_boxes"].items()
        },
    }
    augmented = augment(batch, training=True)
    panels = [data] + [
        {
            "images": keras.ops.convert_to_numpy(augmented["images"])[i : i + 1],
            "segmentation_masks": keras.ops.convert_to_numpy(
                augmented["segmentation_masks"]
            )[i : i + 1],
            "bounding_boxes": {
                key: keras.ops.convert_to_numpy(value)[i : i + 1]
                for key, value in augmented["bounding_boxes"].items()
            },
        }
        for i in range(draws)
    ]
    columns = 4
    rows = -(-len(panels) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(3 * columns, 2.2 * rows))
    for ax in axes.ravel():
        ax.axis("off")
    for ax, panel, title in zip(
        axes.ravel(),
        panels,
        ["input"] + [f"draw {i + 1}" for i in range(draws)],
        strict=True,
    ):
        ax.imshow(np.asarray(panel["images"][0], "uint8"))
        mask = np.asarray(panel["segmentation_masks"][0, ..., 0]) > 0
        ax.imshow(np.ma.masked_where(~mask, mask), cmap="winter", alpha=0.45)
        for box, label in zip(
            panel["bounding_boxes"]["boxes"][0],
            panel["bounding_boxes"]["labels"][0],
            strict=True,
        ):
            if label < 0:  # the box left the image
                continue
            x1, y1, x2, y2 = box
            color = "orange" if label == 1 else "magenta"
            ax.add_patch(
                plt.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, color=color)
            )
        ax.set_title(title, fontsize=9)
    figure.tight_layout()
    figure.savefig(out / "masks_and_boxes.png", dpi=80)
    plt.close(figure)


GROUPS = {
    "augmentation": augmentation,
    "tabular_and_series": tabular_and_series,
    "mixing": mixing,
    "vae": vae,
    "transfer": transfer,
    "compare": compare,
    "semi_supervised": semi_supervised,
    "study": study,
    "masks_and_boxes": masks_and_boxes,
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
