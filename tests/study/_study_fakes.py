"""Fake study scores with known means and noise, and a result around them."""

import numpy as np
import pandas as pd

# Accuracy per arm and size; each repeat adds the same offsets, so arms are
# paired the way run_study pairs them (same split per repeat).
MEANS = {
    ("svc", "traditional"): {5: 0.80, 10: 0.90},
    ("knn", "traditional"): {5: 0.70, 10: 0.85},
    ("cnn", "deep"): {5: 0.81, 10: 0.97},
    ("cnn_aug", "deep"): {5: 0.75, 10: 0.95},
}
# Zero-mean noise per repeat; the deep arms' differs a little from svc's, so
# the paired differences have a small, non-zero spread.
NOISE = {
    "svc": np.array([-0.02, -0.01, 0.0, 0.01, 0.02]),
    "knn": np.array([0.02, -0.02, 0.01, -0.01, 0.0]),
    "cnn": np.array([-0.01, -0.02, 0.005, 0.02, 0.005]),
    "cnn_aug": np.array([0.0, 0.01, -0.01, 0.02, -0.02]),
}


def make_results(repeats=5, n_train=True, means=None, noise=None, n_test=100):
    """Tidy scores; `n_train` is `size * 3` (3 classes), `n_test` fixed."""
    means = MEANS if means is None else means
    noise = NOISE if noise is None else noise
    rows = []
    for (arm, kind), by_size in means.items():
        for size, mean in by_size.items():
            for repeat in range(repeats):
                offset = noise[arm][repeat] if repeats > 1 else 0.0
                row = {
                    "arm": arm,
                    "kind": kind,
                    "size": size,
                    "repeat": repeat,
                    "metric": "accuracy",
                    "value": mean + offset,
                    "fit_seconds": 2.0 if kind == "deep" else 0.5,
                }
                if n_train:
                    row.update(n_train=size * 3, n_test=n_test)
                rows.append(row)
    return pd.DataFrame(rows)


def two_arms(differences, size=10, deep="augment", traditional="svc_tuned", base=0.9):
    """Scores of one deep and one traditional arm whose paired differences are
    `differences` (deep minus traditional), one per repeat."""
    differences = np.asarray(differences, dtype=float)
    spread = np.linspace(-0.01, 0.01, len(differences))
    return make_results(
        repeats=len(differences),
        means={
            (traditional, "traditional"): {size: base},
            (deep, "deep"): {size: base},
        },
        noise={traditional: spread, deep: spread + differences},
    )


def make_result(scores=None, kind="images", **artefacts):
    from keras_smalldata.study import StudyConfig, StudyResult

    scores = make_results() if scores is None else scores
    config = StudyConfig(
        per_class=sorted(set(scores["size"])),
        arms=None,
        repeats=int(scores["repeat"].nunique()),
        kind=kind,
    )
    return StudyResult(scores=scores, config=config, **artefacts)
