"""`run_study`: which technique helps on this small dataset, from what size on.

The pipeline, in order: the config is checked (`StudyConfig`) and resolved
against the data; the transfer arms' encoder is pretrained (when one runs);
the jobs (`_jobs.plan`: one repeat of a group of arms each) run here, in
worker processes or on a Dask cluster; their rows become the tidy `scores`
of a `StudyResult`, with the artefacts the report draws (`_artefacts`).
"""

import dataclasses
import os
import tempfile
import time

import numpy as np

from keras_smalldata._validation import check_finite_array
from keras_smalldata.study import _artefacts, _jobs
from keras_smalldata.study._splits import pool_and_test
from keras_smalldata.study.study_config import StudyConfig
from keras_smalldata.study.study_result import SCORE_COLUMNS, StudyResult


def run_study(x, y, config=None, *, unlabeled=None, progress=True, **options):
    """Scores traditional and deep arms on the same few-shot splits.

    For each repeat, `max(per_class)` samples of every class are drawn as the
    labelled pool (seeded); each size trains on a nested subset of it (the same
    subset for every arm, drawn by `compare.learning_curve` with one
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
      unlabeled pool, frozen then fine-tuned with `fine_tune`), `semi`
      (`keras_smalldata.models.SemiSupervised`: FixMatch on the training
      subset and, without their labels, the rest of the repeat's pool and
      `unlabeled`; never the test samples), and any `+` join of `augment`,
      `synthetic`, `transfer`.

    Every deep arm trains until its training loss stops improving (`semi`:
    its supervised loss and mask rate), within a cap of steps.

    By default all traditional arms run, with `scratch`, `augment` and `semi`
    (`transfer` and `synthetic` scored below `augment` on digits; they run
    when named).

    Jobs (one repeat of one deep arm; the synthetic-sample arms together, as
    they share a VAE; the traditional arms together) run in parallel with
    `n_jobs`, on joblib's local worker processes or on the backend of a
    `joblib.parallel_config`, e.g. a Dask cluster:

    ```python
    from dask.distributed import Client

    with Client("tcp://scheduler:8786"), joblib.parallel_config(backend="dask"):
        result = run_study(x, y, n_jobs=-1)
    ```

    The numbers do not depend on where the jobs ran.

    Args:
        x: array `(n, height, width, channels)` (images in [0, 1]) or
            `(n, features)` (tabular).
        y: integer labels `(n,)`.
        config: a `StudyConfig`, or `None` for its defaults.
        unlabeled: the user's own unlabeled inputs, shaped like `x`, or
            `None`. The `semi` arms use them beside the rest of each repeat's
            pool; the `transfer` arms pretrain on them (with `None`, on `x`
            without its labels: all samples, test ones included).
        progress: bool, or a callable `progress(done, total, description)`.
        **options: fields of `StudyConfig` (`per_class`, `arms`, `repeats`,
            `seed`, `quick`, `kind`, `flips`, `epochs`, `n_jobs`), set on
            `config` (or on the defaults). On images, the deep arms need at
            least 2x2 pixels, and those with `synthetic` or `transfer` (a VAE)
            at least 8x8 with 1 or 3 channels. `epochs` caps the deep arms'
            training at `epochs * 100` steps instead of 3000 (600 with
            `quick`).

    Returns:
        A `StudyResult`: `scores` (a `pandas.DataFrame` with one row per arm,
        size and repeat: `arm`, `kind` ("traditional" or "deep"), `size` (per
        class), `repeat`, `metric` ("accuracy"), `value`, `fit_seconds`,
        `n_train`, `n_test`, `n_unlabeled`), the resolved `config`, and what
        the report draws (VAE samples, augmented images).

    Raises:
        TypeError, ValueError: for a bad argument, before any training.

    Example:

    >>> x, y = keras_smalldata.datasets.load_wine()
    >>> result = keras_smalldata.study.run_study(
    ...     x, y, per_class=[5], arms=["knn", "scratch"], repeats=2, epochs=1,
    ...     progress=False,
    ... )
    >>> result.scores[["arm", "kind", "size", "repeat"]].values.tolist()
    [['knn', 'traditional', 5, 0], ['scratch', 'deep', 5, 0],
     ['knn', 'traditional', 5, 1], ['scratch', 'deep', 5, 1]]
    >>> bool(result.scores["value"].between(0, 1).all())
    True
    >>> result.config.repeats, result.config.kind
    (2, 'tabular')
    """
    config = _config(config, options)
    x = check_finite_array(x, "x").astype("float32")
    y = np.asarray(y)
    if unlabeled is not None:
        unlabeled = check_finite_array(unlabeled, "unlabeled").astype("float32")
        if unlabeled.shape[1:] != x.shape[1:] or len(unlabeled) == 0:
            raise ValueError(
                "`unlabeled` must hold samples shaped like those of `x`, "
                f"{x.shape[1:]}. Received: unlabeled.shape={unlabeled.shape}"
            )
    config = config.resolve(x, y, unlabeled)
    report = _progress_callback(progress)
    started = time.perf_counter()
    folds = [
        pool_and_test(y, config.per_class[-1], config.seed + r)
        for r in range(config.repeats)
    ]
    jobs = _jobs.plan(config, x.shape, folds)
    total = len(jobs) + 1
    settings = _deep_settings(config, unlabeled)
    if any("transfer" in arm.split("+") for arm in config.arms):
        report(0, total, "pretraining the encoder without labels")
        pool = x if unlabeled is None else unlabeled
        settings["backbone_bytes"] = _pretrained_encoder(pool, config)
    frames, samples = _jobs.run_jobs(jobs, x, y, config, settings, report, total)
    report(total, total, "done")
    artefacts = {}
    if samples is not None:
        artefacts["vae_samples"], artefacts["vae_training_images"] = samples
    if _artefacts.draws_images(config, x.shape) and any(
        "augment" in arm.split("+") for arm in config.arms
    ):
        artefacts["augmentation_examples"] = _artefacts.augmentation_examples(
            x, y, folds[0][0], config.flips, config.seed
        )
    return StudyResult(
        scores=_tidy(frames, config),
        config=config,
        augmentation_policy=_artefacts.augmentation_policy(config, x.shape),
        wall_seconds=time.perf_counter() - started,
        **artefacts,
    )


def _config(config, options):
    if config is not None and not isinstance(config, StudyConfig):
        raise TypeError(
            "`config` must be a StudyConfig, or None. Pass the study's settings "
            "as keyword arguments (per_class=..., arms=...) or in a StudyConfig. "
            f"Received: config={config!r}"
        )
    fields = {field.name for field in dataclasses.fields(StudyConfig)}
    unknown = sorted(set(options) - fields)
    if unknown:
        raise TypeError(
            f"run_study got unknown option(s) {unknown}; its options are the "
            f"fields of StudyConfig: {sorted(fields)}. Received: {unknown[0]}="
            f"{options[unknown[0]]!r}"
        )
    if config is None:
        return StudyConfig(**options)
    return dataclasses.replace(config, **options)


def _deep_settings(config, unlabeled):
    """The `DeepArm` arguments every deep arm shares, and the unlabeled data."""
    from keras_smalldata.study._arms import BUDGETS
    from keras_smalldata.study._convergence import CHUNK

    steps, vae_steps, _ = BUDGETS["quick" if config.quick else "default"]
    if config.epochs is not None:
        steps = config.epochs * CHUNK
    return dict(
        kind=config.kind,
        steps=steps,
        vae_steps=vae_steps,
        backbone_path=None,
        flips=config.flips,
        unlabeled=unlabeled,
    )


def _pretrained_encoder(pool, config):
    """The transfer arms' encoder, pretrained without labels, as file bytes."""
    from keras_smalldata.study._arms import BUDGETS
    from keras_smalldata.study._vae_cache import pretrain_backbone

    pretrain_steps = BUDGETS["quick" if config.quick else "default"][2]
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "encoder.keras")
        pretrain_backbone(pool, config.kind, pretrain_steps, config.seed, path)
        with open(path, "rb") as file:
            return file.read()


def _tidy(frames, config):
    """One frame of every job's rows, repeat by repeat and arm by arm."""
    import pandas as pd

    rows = [
        frames[repeat, arm].assign(repeat=repeat)
        for repeat in range(config.repeats)
        for arm in config.arms
    ]
    scores = pd.concat(rows, ignore_index=True)
    deep = set(config.deep_arms)
    scores["kind"] = np.where(scores["arm"].isin(deep), "deep", "traditional")
    extra = [column for column in scores.columns if column not in SCORE_COLUMNS]
    return scores[[*SCORE_COLUMNS, *extra]]


def _progress_callback(progress):
    if callable(progress):
        return progress
    if not progress:
        return lambda done, total, description: None

    def report(done, total, description):
        print(f"[{done}/{total}] {description}", flush=True)

    return report
