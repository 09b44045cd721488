"""`run_study`: which technique helps on this small dataset, from what size on."""

import numbers
import os
import tempfile

import joblib
import numpy as np
import pandas as pd

from keras_smalldata.layers._validation import (
    check_choice,
    check_finite_array,
    check_positive_int,
)
from keras_smalldata.study._arms import (
    BUDGETS,
    DEEP,
    TABULAR_ONLY,
    TRADITIONAL,
    job_groups,
    run_group,
)
from keras_smalldata.study._deep_arm import TECHNIQUES

DEFAULT_SIZES = (5, 10, 20, 50)
COLUMNS = (
    "arm",
    "kind",
    "size",
    "repeat",
    "metric",
    "value",
    "fit_seconds",
    "n_train",
    "n_test",
)


def run_study(
    x,
    y,
    per_class=None,
    arms=None,
    repeats=None,
    seed=0,
    unlabeled=None,
    progress=True,
    quick=False,
    kind=None,
    flips=False,
    epochs=None,
    n_jobs=None,
):
    """Scores traditional and deep arms on the same few-shot splits.

    For each repeat, `max(per_class)` samples of every class are drawn as the
    labelled pool (seeded); each size trains on a nested subset of it (the same
    subset for every arm, drawn by `ModelComparison.learning_curve` with one
    `(pool, test)` fold per repeat) and every arm is scored on all the samples
    outside the pool, so all sizes and arms of a repeat share one test set.
    Test labels are never used. Arms:

    - traditional: `default_baselines` for the data's kind (`svc_tuned`,
      `svc`, `logistic_regression_tuned`, `nearest_neighbor`, `knn`,
      `random_forest`, `hist_gradient_boosting`, `decision_tree`, and for
      tabular data `hist_gradient_boosting_tuned`): images are not
      standardised per pixel, and the tuned arms choose their settings by an
      inner cross-validation on the training subset only;
    - deep: `scratch` (a small CNN for images, an MLP for tabular data),
      `augment` (+ augmentation layers; images are flipped only with
      `flips=True`), `synthetic` (+ half of each batch sampled from a
      conditional VAE trained on the training subset only; images),
      `transfer` (the encoder of a VAE pretrained without labels on the
      unlabeled pool, frozen then fine-tuned with `fine_tune`), and any `+`
      join of `augment`, `synthetic`, `transfer`.

    By default all traditional arms run, with `scratch`, `augment`,
    `synthetic`, `transfer` and `augment+synthetic` for images (the
    combination that did best in a pilot on other splits) or `scratch`,
    `augment`, `transfer` and `augment+transfer` for tabular data.

    Args:
        x: array `(n, height, width, channels)` (images in [0, 1]) or
            `(n, features)` (tabular).
        y: integer labels `(n,)`.
        per_class: training sizes, in samples per class. Defaults to
            `None`: those of 5, 10, 20 and 50 that leave every class at least
            one test sample.
        arms: list of arm names, or `None` for all of the above. On images,
            the deep arms need at least 2x2 pixels, and those with `synthetic`
            or `transfer` (a VAE) at least 8x8 with 1 or 3 channels.
        repeats: int >= 1, or `None`: 5, or 1 with `quick`. Number of random
            splits.
        seed: int. Seeds the splits and every model.
        unlabeled: inputs for the `transfer` arm's unsupervised pretraining
            (only with a transfer arm); `None` uses `x` without its labels
            (all samples, test ones included: transductive, labels unused).
        progress: bool, or a callable `progress(done, total, description)`.
        quick: bool. Smaller training budgets and one repeat by default (a
            fast look, not a verdict).
        kind: `"images"` or `"tabular"`; `None` infers it from `x`'s rank.
        flips: bool. Whether image augmentation may flip horizontally (images
            only).
        epochs: int or `None`. Overrides the deep arms' budget of 400 training
            steps (200 with `quick`): `epochs * 60` steps. Arms without
            `augment` or `transfer` train 25 epochs within half that budget and
            all of it. Only with a deep arm.

        n_jobs: int or `None`. Worker processes, as in joblib (`-1`: one per
            core). Defaults to `None`: one, this process. Each job is one
            repeat of one deep arm (the synthetic-sample arms together, as
            they share a VAE, and the traditional arms together); the numbers
            do not depend on `n_jobs`.

    Returns:
        `pandas.DataFrame` with one row per arm, size and repeat: `arm`,
        `kind` ("traditional" or "deep"), `size` (per class), `repeat`,
        `metric` ("accuracy"), `value`, `fit_seconds`, `n_train`, `n_test`.

    Example:

    >>> x, y = keras_smalldata.datasets.load_wine()
    >>> results = keras_smalldata.study.run_study(
    ...     x, y, per_class=[5], arms=["knn", "scratch"], repeats=2, epochs=1,
    ...     progress=False,
    ... )
    >>> results[["arm", "kind", "size", "repeat"]].values.tolist()
    [['knn', 'traditional', 5, 0], ['scratch', 'deep', 5, 0],
     ['knn', 'traditional', 5, 1], ['scratch', 'deep', 5, 1]]
    >>> bool(results["value"].between(0, 1).all())
    True
    """
    x = check_finite_array(x, "x").astype("float32")
    y = np.asarray(y)
    kind = _check_data(x, y, kind)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"`seed` must be an integer >= 0. Received: seed={seed!r}")
    if unlabeled is not None:
        unlabeled = check_finite_array(unlabeled, "unlabeled").astype("float32")
        if unlabeled.shape[1:] != x.shape[1:] or len(unlabeled) == 0:
            raise ValueError(
                "`unlabeled` must hold samples shaped like those of `x`, "
                f"{x.shape[1:]}. Received: unlabeled.shape={unlabeled.shape}"
            )
    if per_class is None:
        smallest = int(np.unique(y, return_counts=True)[1].min())
        per_class = [size for size in DEFAULT_SIZES if size < smallest] or [1]
    per_class = _check_sizes(per_class, y)
    if repeats is None:
        repeats = 1 if quick else 5
    repeats = check_positive_int(repeats, "repeats")
    arms = list(arms) if arms is not None else _default_arms(kind)
    _check_arms(arms, kind)
    steps, vae_steps, pretrain_steps = BUDGETS["quick" if quick else "default"]
    if epochs is not None:
        steps = check_positive_int(epochs, "epochs") * 60
    n_workers = _check_n_jobs(n_jobs)
    _check_combinations(arms, kind, x.shape, flips, epochs, unlabeled)
    report = _progress_callback(progress)
    groups = job_groups(arms)
    total = len(groups) * repeats + 1

    with tempfile.TemporaryDirectory() as workdir:
        backbone_path = None
        if any("transfer" in arm for arm in arms):
            from keras_smalldata.study._vae_cache import pretrain_backbone

            report(0, total, "pretraining the encoder without labels")
            pool = x if unlabeled is None else unlabeled
            backbone_path = pretrain_backbone(
                pool, kind, pretrain_steps, seed, os.path.join(workdir, "encoder.keras")
            )
        settings = dict(
            kind=kind,
            steps=steps,
            vae_steps=vae_steps,
            backbone_path=backbone_path,
            flips=flips,
        )
        folds = [[pool_and_test(y, max(per_class), seed + r)] for r in range(repeats)]
        # Group by group, the slowest first, so that the workers end together.
        jobs = [
            (repeat, group, folds[repeat])
            for group in groups
            for repeat in range(repeats)
        ]
        frames = _run_jobs(
            jobs, x, y, per_class, seed, settings, n_workers, report, total, repeats
        )
        report(total, total, "done")
    rows = []
    for repeat in range(repeats):
        for arm in arms:
            rows.append(frames[repeat, arm].assign(repeat=repeat))
    results = pd.concat(rows, ignore_index=True)
    results["kind"] = np.where(
        results["arm"].isin(_deep_names(arms)), "deep", "traditional"
    )
    return results[list(COLUMNS)]


def _run_jobs(jobs, x, y, per_class, seed, settings, n_workers, report, total, repeats):
    """{(repeat, arm): learning-curve rows}, reporting each job.

    One worker runs the jobs here, in order; more run them in joblib's
    processes, each with its share of the cores for TensorFlow.
    """
    frames = {}
    if n_workers == 1:
        for done, (repeat, group, fold) in enumerate(jobs, start=1):
            report(done, total, f"repeat {repeat + 1}/{repeats}: {', '.join(group)}")
            frames.update(
                _job(repeat, group, x, y, fold, per_class, seed, settings, None)
            )
        return frames
    n_workers = min(n_workers, len(jobs))
    threads = max(1, joblib.cpu_count() // n_workers)
    parallel = joblib.Parallel(n_jobs=n_workers, return_as="generator_unordered")
    calls = (
        joblib.delayed(_job)(
            repeat, group, x, y, fold, per_class, seed, settings, threads
        )
        for repeat, group, fold in jobs
    )
    for done, job_frames in enumerate(parallel(calls), start=2):
        frames.update(job_frames)
        repeat = next(iter(job_frames))[0]
        names = ", ".join(arm for _, arm in job_frames)
        report(done, total, f"finished repeat {repeat + 1}/{repeats}: {names}")
    return frames


def _job(repeat, group, x, y, fold, per_class, seed, settings, threads):
    """{(repeat, arm): rows} for the arms of `group`: keyed, as jobs end unordered."""
    outputs = run_group(group, x, y, fold, per_class, seed + repeat, settings, threads)
    return {(repeat, arm): rows for arm, rows in zip(group, outputs, strict=True)}


def _check_n_jobs(n_jobs):
    integer = isinstance(n_jobs, numbers.Integral) and not isinstance(n_jobs, bool)
    if n_jobs is not None and (not integer or n_jobs == 0):
        raise ValueError(
            "`n_jobs` must be None or a nonzero integer (-1: one per core). "
            f"Received: n_jobs={n_jobs!r}"
        )
    return joblib.effective_n_jobs(n_jobs)


def _check_combinations(arms, kind, shape, flips, epochs, unlabeled):
    """Arguments valid alone but not together, or not for these arms' networks.

    The deep arms' CNN pools 2x2 pixels; the VAE of the synthetic and transfer
    arms halves images with stride-2 convolutions and needs at least 8x8
    pixels with 1 or 3 channels (`VAE.for_images`). Each would otherwise fail
    minutes into the study.
    """
    deep = _deep_names(arms)
    if epochs is not None and not deep:
        raise ValueError(
            "`epochs` sets the deep arms' training budget, and `arms` has no "
            f"deep arm. Received: epochs={epochs!r}, arms={arms}"
        )
    if flips and kind != "images":
        raise ValueError(
            "`flips` lets image augmentation flip images horizontally; "
            f"{kind} data has none. Received: flips={flips!r} for {kind} data"
        )
    if unlabeled is not None and not any("transfer" in a.split("+") for a in arms):
        raise ValueError(
            "`unlabeled` feeds the transfer arms' pretraining, and `arms` has no "
            f"transfer arm. Received: unlabeled.shape={unlabeled.shape}, "
            f"arms={arms}"
        )
    if kind != "images":
        return
    height, width, channels = shape[1:]
    for arm in deep:
        parts = arm.split("+")
        if "synthetic" in parts or "transfer" in parts:
            if min(height, width) < 8 or channels not in (1, 3):
                raise ValueError(
                    f"The {arm} arm trains a VAE, which needs images of at least "
                    "8x8 pixels with 1 or 3 channels. Received: "
                    f"arms={arms} for images of shape {tuple(shape[1:])}"
                )
        elif min(height, width) < 2:
            raise ValueError(
                f"The {arm} arm's network pools 2x2 pixels, so it needs images "
                f"of at least 2x2 pixels. Received: arms={arms} for images of "
                f"shape {tuple(shape[1:])}"
            )


def _default_arms(kind):
    return _traditional_arms(kind) + list(DEEP[kind])


def _traditional_arms(kind):
    return [a for a in TRADITIONAL if kind == "tabular" or a not in TABULAR_ONLY]


def _deep_names(arms):
    return [arm for arm in arms if arm not in TRADITIONAL]


def _check_arms(arms, kind):
    if not arms:
        raise ValueError("`arms` must name at least one arm. Received: arms=[]")
    for arm in arms:
        if arm in TABULAR_ONLY and kind != "tabular":
            raise ValueError(
                f"The {arm} arm needs tabular data. Received: arms={arms} for "
                f"{kind} data"
            )
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


def _check_data(x, y, kind):
    """Checks the shapes of `x` and `y` against `kind`; returns the kind."""
    ranks = {"images": 4, "tabular": 2}
    if x.ndim not in ranks.values():
        raise ValueError(
            "`x` must be images (n, height, width, channels) or features "
            f"(n, num_features). Received: x.shape={x.shape}"
        )
    if y.ndim != 1 or len(y) != len(x):
        raise ValueError(
            "`y` must hold one label per sample of `x`. "
            f"Received: x.shape={x.shape}, y.shape={y.shape}"
        )
    if kind is None:
        return "images" if x.ndim == 4 else "tabular"
    check_choice(kind, "kind", set(ranks))
    if x.ndim != ranks[kind]:
        raise ValueError(
            f"`kind={kind!r}` needs `x` of rank {ranks[kind]}. "
            f"Received: kind={kind!r}, x.shape={x.shape}"
        )
    return kind


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


def pool_and_test(y, count, seed):
    """`count` samples of each class as the labelled pool; the rest is test."""
    rng = np.random.default_rng(seed)
    pool = np.concatenate(
        [rng.permutation(np.flatnonzero(y == label))[:count] for label in np.unique(y)]
    )
    test = np.setdiff1d(np.arange(len(y)), pool)
    return rng.permutation(pool), test


def _progress_callback(progress):
    if callable(progress):
        return progress
    if not progress:
        return lambda done, total, description: None

    def report(done, total, description):
        print(f"[{done}/{total}] {description}", flush=True)

    return report
