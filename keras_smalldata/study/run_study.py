"""`run_study`: which technique helps on this small dataset, from what size on."""

import os
import tempfile
import time

import numpy as np
import pandas as pd

from keras_smalldata.layers._validation import check_positive_int
from keras_smalldata.study._deep_arm import TECHNIQUES, DeepArm

TRADITIONAL = (
    "svc",
    "svc_tuned",
    "random_forest",
    "logistic_regression",
    "knn",
    "hist_gradient_boosting",
    "decision_tree",
)
DEFAULT_SIZES = (5, 10, 20, 50)
DEEP = ("scratch", "augment", "synthetic", "transfer", "augment+transfer")
# (steps, vae_steps, pretrain_steps) per run setting.
_BUDGETS = {"default": (600, 400, 1500), "quick": (250, 150, 400)}


def run_study(
    x,
    y,
    per_class=None,
    arms=None,
    repeats=5,
    seed=0,
    unlabeled=None,
    progress=True,
    quick=False,
    kind=None,
    flips=False,
    epochs=None,
):
    """Scores traditional and deep arms on the same few-shot splits.

    For each repeat, `max(per_class)` samples of every class are drawn as the
    labelled pool (seeded); each size trains on a nested subset of it (the same
    subset for every arm) and every arm is scored on all the samples outside
    the pool, so all sizes and arms of a repeat share one test set. Test labels
    are never used. Arms (all run by default):

    - traditional: `default_baselines` (`svc`, `random_forest`,
      `logistic_regression`, `knn`, `hist_gradient_boosting`, `decision_tree`)
      and `svc_tuned` (an RBF SVM with C and gamma chosen by an inner
      stratified cross-validation on the training subset);
    - deep: `scratch` (a small CNN for images, an MLP for tabular data),
      `augment` (+ augmentation layers; images are flipped only with
      `flips=True`), `synthetic` (+ half of each batch sampled from a
      conditional VAE trained on the training subset only; images),
      `transfer` (the encoder of a VAE pretrained without labels on the
      unlabeled pool, frozen then fine-tuned with `fine_tune`), and any `+`
      join of `augment`, `synthetic`, `transfer` (default:
      `augment+transfer`).

    Args:
        x: array `(n, height, width, channels)` (images in [0, 1]) or
            `(n, features)` (tabular).
        y: integer labels `(n,)`.
        per_class: training sizes, in samples per class. Defaults to
            `None`: those of 5, 10, 20 and 50 that leave every class at least
            one test sample.
        arms: list of arm names, or `None` for all of the above.
        repeats: int >= 1. Number of random splits.
        seed: int. Seeds the splits and every model.
        unlabeled: inputs for the `transfer` arm's unsupervised pretraining;
            `None` uses `x` without its labels (all samples, test ones
            included: transductive, labels unused).
        progress: bool, or a callable `progress(done, total, description)`.
        quick: bool. Smaller training budgets (a fast look, not a verdict).
        kind: `"images"` or `"tabular"`; `None` infers it from `x`'s rank.
        flips: bool. Whether image augmentation may flip horizontally.
        epochs: int or `None`. Overrides the deep arms' budget: `epochs * 60`
            training steps.

    Returns:
        `pandas.DataFrame` with one row per arm, size and repeat: `arm`,
        `kind` ("traditional" or "deep"), `size` (per class), `repeat`,
        `metric` ("accuracy"), `value`, `fit_seconds`, `n_train`, `n_test`.
    """
    x = np.asarray(x, "float32")
    y = np.asarray(y)
    kind = kind or ("images" if x.ndim == 4 else "tabular")
    if per_class is None:
        smallest = int(np.unique(y, return_counts=True)[1].min())
        per_class = [size for size in DEFAULT_SIZES if size < smallest] or [1]
    per_class = _check_sizes(per_class, y)
    repeats = check_positive_int(repeats, "repeats")
    arms = list(arms) if arms is not None else _default_arms(kind)
    _check_arms(arms, kind)
    steps, vae_steps, pretrain_steps = _BUDGETS["quick" if quick else "default"]
    if epochs is not None:
        steps = check_positive_int(epochs, "epochs") * 60
    report = _progress_callback(progress)
    total = len(arms) * repeats + 1
    done = 0

    with tempfile.TemporaryDirectory() as workdir:
        backbone_path = None
        if any("transfer" in arm for arm in arms):
            from keras_smalldata.study._vae_cache import pretrain_backbone

            report(done, total, "pretraining the encoder without labels")
            pool = x if unlabeled is None else np.asarray(unlabeled, "float32")
            backbone_path = pretrain_backbone(
                pool, kind, pretrain_steps, seed, os.path.join(workdir, "encoder.keras")
            )
        done += 1
        rows = []
        for repeat in range(repeats):
            pool, test = _split(y, max(per_class), seed + repeat)
            subsets = _nested(pool, y, per_class, seed + repeat)
            for arm in arms:
                report(done, total, f"repeat {repeat + 1}/{repeats}: {arm}")
                estimator = _estimator(
                    arm, kind, steps, vae_steps, backbone_path, flips, seed + repeat
                )
                for size, train in zip(per_class, subsets, strict=True):
                    start = time.perf_counter()
                    fitted = estimator.fit(x[train], y[train])
                    seconds = time.perf_counter() - start
                    accuracy = float(np.mean(fitted.predict(x[test]) == y[test]))
                    rows.append(
                        {
                            "arm": arm,
                            "kind": "deep"
                            if arm in _deep_names(arms)
                            else "traditional",
                            "size": size,
                            "repeat": repeat,
                            "metric": "accuracy",
                            "value": accuracy,
                            "fit_seconds": seconds,
                            "n_train": len(train),
                            "n_test": len(test),
                        }
                    )
                done += 1
        report(done, total, "done")
    return pd.DataFrame(rows)


def _default_arms(kind):
    deep = [arm for arm in DEEP if not (kind == "tabular" and "synthetic" in arm)]
    return list(TRADITIONAL) + deep


def _deep_names(arms):
    return [arm for arm in arms if arm not in TRADITIONAL]


def _check_arms(arms, kind):
    if not arms:
        raise ValueError("`arms` must name at least one arm. Received: arms=[]")
    for arm in arms:
        if arm in TRADITIONAL or arm == "scratch":
            continue
        parts = arm.split("+")
        if not all(part in TECHNIQUES for part in parts) or len(set(parts)) != len(
            parts
        ):
            raise ValueError(
                f"Unknown arm {arm!r}: arms are {list(TRADITIONAL)}, 'scratch', or "
                f"'+'-joined techniques from {list(TECHNIQUES)}. Received: arms={arms}"
            )
        if kind == "tabular" and "synthetic" in parts:
            raise ValueError(
                "The synthetic arm needs image data. "
                f"Received: arms={arms} for tabular data"
            )


def _check_sizes(per_class, y):
    values = per_class if isinstance(per_class, (list, tuple)) else [per_class]
    values = [v.item() if isinstance(v, np.generic) else v for v in values]
    if not values:
        raise ValueError(
            f"`per_class` needs at least one size. Received: per_class={per_class!r}"
        )
    sizes = sorted({check_positive_int(v, "per_class") for v in values})
    labels, counts = np.unique(y, return_counts=True)
    if len(labels) < 2:
        raise ValueError(
            f"A study needs at least two classes. Received: y with classes {labels}"
        )
    # Every class needs its training samples plus at least one test sample.
    if sizes[-1] >= counts.min():
        smallest = labels[counts.argmin()].item()
        raise ValueError(
            f"`per_class` must be smaller than the smallest class ({smallest!r}: "
            f"{counts.min()} samples). Received: per_class={list(sizes)}"
        )
    return sizes


def _split(y, count, seed):
    """`count` samples of each class as the labelled pool; the rest is test."""
    rng = np.random.default_rng(seed)
    pool = np.concatenate(
        [rng.permutation(np.flatnonzero(y == label))[:count] for label in np.unique(y)]
    )
    test = np.setdiff1d(np.arange(len(y)), pool)
    return rng.permutation(pool), test


def _nested(pool, y, sizes, seed):
    """For each size, its first `size` pool samples of each class."""
    rank = np.empty(len(pool), int)
    for label in np.unique(y[pool]):
        members = np.flatnonzero(y[pool] == label)
        rank[members] = np.arange(len(members))
    return [np.sort(pool[rank < size]) for size in sizes]


def _estimator(arm, kind, steps, vae_steps, backbone_path, flips, seed):
    if arm in TRADITIONAL:
        return _traditional(arm, seed)
    techniques = () if arm == "scratch" else tuple(arm.split("+"))
    return DeepArm(
        techniques=techniques,
        kind=kind,
        steps=steps,
        vae_steps=vae_steps,
        backbone_path=backbone_path,
        flips=flips,
        seed=seed,
    )


def _traditional(arm, seed):
    from keras_smalldata.compare import default_baselines

    if arm == "svc_tuned":
        return _TunedSVC(seed)
    return default_baselines(random_state=seed)[arm]


class _TunedSVC:
    """A scaled RBF SVM with C and gamma chosen by an inner grid search.

    The inner stratified folds (3 at most) shrink to the smallest class size.
    """

    grid = {"svc__C": [0.1, 1, 10, 100], "svc__gamma": ["scale", 0.001, 0.01, 0.1]}

    def __init__(self, seed):
        self.seed = seed

    def fit(self, X, y):
        from sklearn.model_selection import GridSearchCV, StratifiedKFold

        from keras_smalldata.compare import default_baselines

        folds = max(2, min(3, int(np.unique(y, return_counts=True)[1].min())))
        cv = StratifiedKFold(folds, shuffle=True, random_state=self.seed)
        pipeline = default_baselines(random_state=self.seed)["svc"]
        self.search_ = GridSearchCV(pipeline, self.grid, cv=cv).fit(X, y)
        return self

    def predict(self, X):
        return self.search_.predict(X)


def _progress_callback(progress):
    if callable(progress):
        return progress
    if not progress:
        return lambda done, total, description: None

    def report(done, total, description):
        print(f"[{done}/{total}] {description}", flush=True)

    return report
