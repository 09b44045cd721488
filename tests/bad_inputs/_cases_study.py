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


def _write_report(results):
    return study.write_report(results, temporary_dir())


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
]) + cases("study.load_study_data", study.load_study_data, [
    ("unknown-name", {"data": "digitz"}, ValueError, received("data", "'digitz'")),
    ("data-is-a-number", {"data": 5}, TypeError, r"Received: data=5 of type int"),
    ("target-for-an-embedded-dataset", {"data": "wine", "target": "class"},
     ValueError, r"Received: data='wine', target='class'"),
]) + cases("study.load_study_data", _load_text_file, [
    ("unknown-extension", {}, ValueError,
     r"Cannot tell how to read .*Received: data='.*data.txt'"),
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
]

PLOTTING = cases("plotting.augmentation_grid", _grid, [
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
