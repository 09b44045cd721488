"""Bad inputs of `evaluation`, `datasets`, `study` and `plotting`."""

import os

import keras
import numpy as np
from bad_inputs._cases_common import (
    IMAGES,
    LABELS,
    STRINGS,
    TABLE,
    cached_vae,
    case,
    cases,
    received,
    study_results,
    temporary_dir,
    unconditional_vae,
    with_nan,
)

from keras_smalldata import datasets, evaluation, plotting, study


def _classifier():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def _tstr(make_vae=cached_vae, **kwargs):
    arguments = {"build_classifier": _classifier, "x_train": TABLE, "epochs": 1}
    arguments.update(y_train=LABELS, x_test=TABLE, y_test=LABELS)
    tstr = evaluation.train_synthetic_test_real
    return tstr(**{"vae": make_vae(), **arguments, **kwargs})


def _split(**kwargs):
    return datasets.few_shot_split(
        **{"x": TABLE, "y": LABELS, "per_class": 2, **kwargs}
    )


X30 = np.random.default_rng(0).normal(size=(30, 3))
Y30 = np.arange(30) % 3


def _run(**kwargs):
    arguments = {"x": X30, "y": Y30, "per_class": [2], "arms": ["svc"], "repeats": 1}
    return study.run_study(**{**arguments, "progress": False, **kwargs})


def _load_text_file():
    path = os.path.join(temporary_dir(), "data.txt")
    with open(path, "w") as file:
        file.write("1,2\n")
    return study.load_study_data(path)


def _load_csv(text):
    """`load_study_data` on a CSV file holding `text`, with target `label`."""
    path = os.path.join(temporary_dir(), "data.csv")
    with open(path, "w") as file:
        file.write(text)
    return study.load_study_data(path, target="label")


def _load_npz(damage):
    """`load_study_data` on a file named .npz that numpy cannot read."""
    path = os.path.join(temporary_dir(), "data.npz")
    if damage == "truncated-zip":
        np.savez(path, x=np.zeros((4, 2)), y=LABELS[:4])
        with open(path, "rb") as file:
            head = file.read(200)
        with open(path, "wb") as file:
            file.write(head)
    elif damage == "npy":
        with open(path, "wb") as file:
            np.save(file, np.zeros((4, 2)))
    elif damage == "object-array":
        np.savez(path, x=np.array([{}, {}], dtype=object), y=[0, 1])
    else:
        with open(path, "w") as file:
            file.write(damage)
    return study.load_study_data(path)


def _load_image_folder(damage):
    """`load_study_data` on a folder of PNGs, one of which is `damage` bytes."""
    from PIL import Image

    folder = temporary_dir()
    for label in ("a", "b"):
        os.mkdir(os.path.join(folder, label))
        for index in range(2):
            pixels = np.full((4, 4, 3), 100, np.uint8)
            Image.fromarray(pixels).save(os.path.join(folder, label, f"{index}.png"))
    with open(os.path.join(folder, "b", "bad.png"), "wb") as file:
        file.write(damage)
    return study.load_study_data(folder, image_size=(4, 4))


def _study_result(**kwargs):
    arguments = {"scores": study_results(), "config": study.StudyConfig()}
    return study.StudyResult(**{**arguments, **kwargs})


def _write_report(results, out=None, files=(), overwrite=False):
    """`write_report` into a folder holding `files`, or into `out`."""
    folder = temporary_dir()
    for name in files:
        with open(os.path.join(folder, name), "w") as file:
            file.write("earlier")
    if out == "file":
        out = os.path.join(folder, files[0])
    return study.write_report(results, out or folder, overwrite=overwrite)


def _check_out_dir(files=(), **kwargs):
    """`check_out_dir` of a folder holding `files`."""
    folder = temporary_dir()
    for name in files:
        with open(os.path.join(folder, name), "w") as file:
            file.write("earlier")
    return study.check_out_dir(folder, **kwargs)


def _identity(images, training=False):
    return images


def _grid(**kwargs):
    return plotting.augmentation_grid(
        **{"layer": _identity, "images": IMAGES, **kwargs}
    )


def _samples(**kwargs):
    return plotting.vae_sample_grid(**{"vae": cached_vae(), **kwargs})


# Tables of cases, one row each: kept as written.
# fmt: off
TSTR = cases("evaluation.train_synthetic_test_real", _tstr, [
    ("unconditional-vae", {"make_vae": unconditional_vae}, ValueError,
     r"conditional .*Received: vae=<VAE"),
    ("classifier-not-callable", {"build_classifier": "mlp"}, ValueError,
     received("build_classifier", "'mlp'")),
    ("x-and-y-lengths-differ", {"y_train": LABELS[:5]}, ValueError,
     r"Received: x_train.shape=\(8, 4\), y_train.shape=\(5,\)"),
    ("empty-test-set", {"x_test": TABLE[:0], "y_test": LABELS[:0]}, ValueError,
     r"Received: x_test.shape=\(0, 4\)"),
    ("nan-x-train", {"x_train": with_nan(TABLE, (4, 1))}, ValueError,
     r"Received: x_train\[4, 1\]=nan"),
    ("string-x-test", {"x_test": STRINGS}, TypeError,
     r"Received: x_test.dtype=<U1"),
    ("x-of-other-shape", {"x_train": np.zeros((8, 5))}, ValueError,
     r"data shape \(4,\). Received: x_train.shape=\(8, 5\)"),
    ("labels-out-of-range", {"y_test": LABELS + 2}, ValueError,
     r"Received: y_test with values from 2 to 3"),
    ("zero-synthetic", {"n_synthetic": 0}, ValueError, received("n_synthetic", 0)),
    ("zero-epochs", {"epochs": 0}, ValueError, received("epochs", 0)),
    ("zero-batch-size", {"batch_size": 0}, ValueError, received("batch_size", 0)),
])

DATASETS = [
    case(f"datasets.{loader.__name__}", "sklearn-argument", loader,
         {"return_X_y": True}, TypeError, r"unexpected keyword argument 'return_X_y'")
    for loader in (
        datasets.load_digits, datasets.load_breast_cancer, datasets.load_wine
    )
] + cases("datasets.few_shot_split", _split, [
    ("zero-per-class", {"per_class": 0}, ValueError, received("per_class", 0)),
    ("bool-per-class", {"per_class": True}, ValueError,
     received("per_class", True)),
    ("float-per-class", {"per_class": 2.5}, ValueError,
     received("per_class", 2.5)),
    ("per-class-above-smallest-class", {"per_class": 5}, ValueError,
     received("per_class", 5)),
    ("empty-x", {"x": TABLE[:0], "y": LABELS[:0]}, ValueError,
     r"Received: x.shape=\(0, 4\)"),
    ("x-and-y-lengths-differ", {"y": LABELS[:6]}, ValueError,
     r"Received: len\(x\)=8, len\(y\)=6"),
    ("2d-y", {"y": np.eye(2)[LABELS]}, ValueError, r"Received: y.shape=\(8, 2\)"),
    ("string-y", {"y": np.array(list("abababab"))}, TypeError,
     r"Received: y with dtype=<U1"),
    ("nan-y", {"y": np.where(LABELS == 0, np.nan, 1.0)}, ValueError,
     r"Received: y with dtype=float64, y\[0\]=nan"),
    ("fractional-y", {"y": LABELS + 0.5}, ValueError, r"Received: .*y\[0\]=0.5"),
])

STUDY = cases("study.run_study", _run, [
    ("x-and-y-lengths-differ", {"y": np.arange(10) % 2}, ValueError,
     r"Received: x.shape=\(30, 3\), y.shape=\(10,\)"),
    ("nan-x", {"x": with_nan(X30, (7, 2))}, ValueError, r"Received: x\[7, 2\]=nan"),
    ("string-x", {"x": np.full((30, 3), "a")}, TypeError, r"Received: x.dtype=<U1"),
    ("rank-3-x", {"x": np.zeros((30, 3, 3))}, ValueError,
     r"Received: x.shape=\(30, 3, 3\)"),
    ("2d-y", {"y": np.eye(3)[Y30]}, ValueError,
     r"Received: x.shape=\(30, 3\), y.shape=\(30, 3\)"),
    ("unknown-kind", {"kind": "audio"}, ValueError, received("kind", "'audio'")),
    ("kind-against-rank", {"kind": "images"}, ValueError,
     r"Received: kind='images', x.shape=\(30, 3\)"),
    ("unknown-arm", {"arms": ["svm"]}, ValueError, received("arms", ["svm"])),
    ("no-arms", {"arms": []}, ValueError, received("arms", [])),
    ("zero-per-class", {"per_class": [0]}, ValueError, received("per_class", 0)),
    ("per-class-too-large", {"per_class": [10]}, ValueError,
     received("per_class", [10])),
    ("one-class", {"y": np.zeros(30, int)}, ValueError,
     r"two classes. Received: y with classes \[0\]"),
    ("zero-repeats", {"repeats": 0}, ValueError, received("repeats", 0)),
    ("string-seed", {"seed": "0"}, ValueError, received("seed", "'0'")),
    ("zero-epochs", {"epochs": 0}, ValueError, received("epochs", 0)),
    ("unlabeled-of-other-shape", {"unlabeled": np.zeros((5, 2))}, ValueError,
     r"Received: unlabeled.shape=\(5, 2\)"),
    ("synthetic-arm-on-a-table", {"arms": ["synthetic"]}, ValueError,
     r"needs image data. Received: arms=\['synthetic'\]"),
    # Arguments valid alone, not together: refused before any training.
    ("vae-arm-on-4x4-images",
     {"x": np.zeros((30, 4, 4, 1)), "arms": ["augment+synthetic"]}, ValueError,
     r"at least 8x8 .*Received: arms=\['augment\+synthetic'\] for images of "
     r"shape \(4, 4, 1\)"),
    ("vae-arm-on-4-channels", {"x": np.zeros((30, 8, 8, 4)), "arms": ["transfer"]},
     ValueError, r"1 or 3 channels. Received: .*shape \(8, 8, 4\)"),
    ("cnn-arm-on-1-pixel-images", {"x": np.zeros((30, 1, 1, 3)), "arms": ["scratch"]},
     ValueError, r"at least 2x2 pixels. Received: .*shape \(1, 1, 3\)"),
    ("flips-on-a-table", {"flips": True}, ValueError,
     r"Received: flips=True for tabular data"),
    ("epochs-without-a-deep-arm", {"epochs": 3}, ValueError,
     r"Received: epochs=3, arms=\['svc'\]"),
    ("unlabeled-without-a-semi-or-transfer-arm", {"unlabeled": X30}, ValueError,
     r"neither. Received: unlabeled.shape=\(30, 3\), arms=\['svc'\]"),
    ("config-is-a-list", {"config": [2]}, TypeError, r"Received: config=\[2\]"),
    ("unknown-option", {"per_klass": [2]}, TypeError,
     r"unknown option\(s\) \['per_klass'\].*Received: per_klass=\[2\]"),
]) + cases("study.StudyConfig", study.StudyConfig, [
    ("zero-repeats", {"repeats": 0}, ValueError, received("repeats", 0)),
    ("one-arm-as-a-string", {"arms": "svc"}, TypeError, received("arms", "'svc'")),
    ("an-arm-twice", {"arms": ["svc", "svc"]}, ValueError,
     received("arms", ["svc", "svc"])),
    ("quick-as-a-string", {"quick": "no"}, TypeError, received("quick", "'no'")),
    ("negative-seed", {"seed": -1}, ValueError, received("seed", -1)),
    ("float-n-jobs", {"n_jobs": 1.5}, ValueError, received("n_jobs", 1.5)),
]) + cases("study.StudyResult", _study_result, [
    ("scores-is-a-dict", {"scores": {"arm": ["svc"]}}, TypeError,
     r"Received: scores of type dict"),
    ("scores-without-n-test", {"scores": study_results(n_test=None)}, ValueError,
     r"lacks the column\(s\) \['n_test'\]"),
    ("config-is-a-dict", {"config": {"repeats": 2}}, TypeError,
     r"Received: config of type dict"),
    ("vae-samples-of-rank-4", {"vae_samples": IMAGES}, ValueError,
     r"Received: vae_samples.shape=\(2, 8, 8, 1\)"),
]) + cases("study.load_study_data", study.load_study_data, [
    ("unknown-name", {"data": "digitz"}, ValueError, received("data", "'digitz'")),
    ("data-is-a-number", {"data": 5}, TypeError, r"Received: data=5 of type int"),
    ("target-for-an-embedded-dataset", {"data": "wine", "target": "class"},
     ValueError, r"Received: data='wine', target='class'"),
]) + cases("study.load_study_data", _load_text_file, [
    ("unknown-extension", {}, ValueError,
     r"Cannot tell how to read .*Received: data='.*data.txt'"),
]) + cases("study.load_study_data", _load_csv, [
    # One typo would make a numeric column one-hot features.
    ("csv-numbers-with-a-typo", {"text": 'x,label\n1,0\n"1,5",1\n2,0\n3,1\n'},
     ValueError, r"column 'x' .*'1,5' \(data row 2\)"),
    ("csv-numbers-with-text", {"text": "x,label\n1,0\n12kg,1\n2,0\n3,1\n"},
     ValueError, r"Received: column 'x' with 1 non-numeric cell\(s\) among 4"),
    ("csv-only-an-id-column", {"text": "id,label\na,0\nb,1\nc,0\n"}, ValueError,
     r"no usable feature columns.*'id' dropped \(a distinct value in every row"),
]) + cases("study.load_study_data", _load_npz, [
    ("npz-that-is-text", {"damage": "x,y\n"}, ValueError,
     r"is not a valid npz file: it is not a zip archive"),
    ("npz-that-is-empty", {"damage": ""}, ValueError,
     r"is not a valid npz file: it is empty"),
    ("npz-that-is-a-npy", {"damage": "npy"}, ValueError,
     r"is not a valid npz file: it is a single .npy array"),
    ("npz-truncated", {"damage": "truncated-zip"}, ValueError,
     r"is not a valid npz file"),
    ("npz-of-objects", {"damage": "object-array"}, ValueError,
     r"cannot read the array 'x': it holds Python objects \(dtype=object\)"),
]) + cases("study.load_study_data", _load_image_folder, [
    ("image-folder-text-file", {"damage": b"not an image"}, ValueError,
     r"1 file\(s\) are not readable images: '.*bad.png' \(Unknown image"),
    ("image-folder-empty-file", {"damage": b""}, ValueError,
     r"1 file\(s\) are not readable images: '.*bad.png' \(Input is empty"),
    ("image-folder-truncated-png", {"damage": b"\x89PNG\r\n\x1a\n\0\0"},
     ValueError, r"not readable images: '.*bad.png'"),
]) + cases("study.check_per_class", study.check_per_class, [
    ("zero", {"y": LABELS, "per_class": 0, "class_names": [0, 1]}, ValueError,
     received("per_class", 0)),
    ("whole-class", {"y": LABELS, "per_class": 4, "class_names": [0, 1]},
     ValueError, received("per_class", 4)),
])

REPORTS = [
    case(f"study.{name}", what, report, kwargs, *row)
    for name, report in (
        ("summarize", study.summarize), ("winners", study.winners),
        ("deep_vs_traditional", study.deep_vs_traditional),
        ("learning_curve_figure", study.learning_curve_figure),
        ("write_report", _write_report),
        ("print_summary", study.print_summary),
    )
    for what, kwargs, *row in (
        ("results-is-a-dict", {"results": {"arm": ["svc"]}}, TypeError,
         r"Received: results of type dict"),
        ("missing-column", {"results": study_results(value=None)}, ValueError,
         r"lack the column\(s\) \['value'\]"),
        ("unknown-metric", {"results": study_results(), "metric": "f1"},
         ValueError, r"no rows for metric='f1'"),
    )
    if report is not _write_report or "metric" not in kwargs
] + [
    case("study.deep_vs_traditional", "without-sizes", study.deep_vs_traditional,
         {"results": study_results(n_train=None)}, ValueError,
         r"Missing: \['n_train'\]"),
] + cases("study.write_report", _write_report, [
    # Two runs never mix in one folder; nothing is written when refused.
    ("out-dir-is-a-file",
     {"results": study_results(), "out": "file", "files": ["results.csv"]},
     ValueError, r"must be a folder, and '.*results.csv' is a file"),
    ("out-dir-holds-a-report", {"results": study_results(), "files": ["report.md"]},
     ValueError, r"already holds a report \(report.md\).*overwrite=True"),
    ("overwrite-other-files",
     {"results": study_results(), "files": ["a.txt"], "overwrite": True},
     ValueError, r"not a study's report \(a.txt\)"),
]) + cases("study.check_out_dir", study.check_out_dir, [
    ("out-dir-is-a-number", {"out_dir": 3}, ValueError, received("out_dir", 3)),
]) + cases("study.check_out_dir", _check_out_dir, [
    ("holds-a-report", {"files": ["report.md"]}, ValueError,
     r"already holds a report \(report.md\).*overwrite=True"),
    ("holds-other-files", {"files": ["a.txt"], "overwrite": True}, ValueError,
     r"not a study's report \(a.txt\)"),
]) + cases("study.StudyProgress", study.StudyProgress, [
    ("console-is-a-file", {"console": "stderr"}, TypeError,
     r"Received: console of type str"),
])

PLOTTING = cases("plotting.image_grid", plotting.image_grid, [
    ("rank-4-images", {"images": IMAGES}, ValueError,
     r"Received: images.shape=\(2, 8, 8, 1\)"),
    ("string-images", {"images": np.full((1, 1, 2, 2, 1), "a")}, TypeError,
     r"Received: images.dtype=<U1"),
    ("labels-for-other-rows", {"images": IMAGES[None], "row_labels": ["a", "b"]},
     ValueError, r"1 rows. Received: row_labels=\['a', 'b'\]"),
]) + cases("plotting.augmentation_grid", _grid, [
    ("rank-3-images", {"images": IMAGES[0]}, ValueError,
     r"Received: images.shape=\(8, 8, 1\)"),
    ("two-channels", {"images": np.zeros((2, 4, 4, 2))}, ValueError,
     r"Received: images.shape=\(2, 4, 4, 2\)"),
    ("empty-batch", {"images": IMAGES[:0]}, ValueError,
     r"Received: images.shape=\(0, 8, 8, 1\)"),
    ("string-images", {"images": np.full((2, 4, 4, 1), "a")}, TypeError,
     r"Received: images.dtype=<U1"),
    ("zero-rows", {"num_rows": 0}, ValueError, received("num_rows", 0)),
    ("reversed-value-range", {"value_range": (1, 0)}, ValueError,
     received("value_range", (1, 0))),
    ("number-value-range", {"value_range": 5}, ValueError,
     received("value_range", 5)),
    ("layer-is-a-string", {"layer": "flip"}, TypeError, received("layer", "'flip'")),
    ("layer-drops-images", {"layer": lambda images, training: images[:1]},
     ValueError, r"batch size 2. Received: output.shape=\(1, 8, 8, 1\)"),
]) + cases("plotting.vae_sample_grid", _samples, [
    ("zero-per-class", {"per_class": 0}, ValueError, received("per_class", 0)),
    ("vae-for-tables", {"per_class": 1}, ValueError,
     r"Received: samples.shape=\(2, 4\)"),
])
# fmt: on

CASES = [*TSTR, *DATASETS, *STUDY, *REPORTS, *PLOTTING]
