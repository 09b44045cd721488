"""One job of a study: some arms on one repeat's `(pool, test)` fold.

Jobs are independent, so that `run_study(n_jobs=...)` can run them in worker
processes; the arms that use synthetic samples share a job, so that they share
one conditional VAE per split (cached in the worker's memory).
"""

import numpy as np
import pandas as pd

from keras_smalldata.study._deep_arm import DeepArm

# The traditional arms: `default_baselines` for the data's kind (the tuned
# gradient boosting runs on tabular data only).
TRADITIONAL = (
    "svc_tuned",
    "svc",
    "logistic_regression_tuned",
    "nearest_neighbor",
    "knn",
    "random_forest",
    "hist_gradient_boosting",
    "hist_gradient_boosting_tuned",
    "decision_tree",
)
TABULAR_ONLY = ("hist_gradient_boosting_tuned",)
# The default deep arms. `transfer` (a VAE encoder pretrained without labels)
# scored 5-13 points below `scratch` at every size on digits, and `synthetic`
# (conditional-VAE samples) took 63% of the study's fit time for +0.004 over
# `augment` at 5 per class (docs/benchmarks.md); both run when named.
DEEP = {
    "images": ("scratch", "augment", "semi"),
    "tabular": ("scratch", "augment", "semi"),
}
# (most training steps, vae_steps, pretrain_steps) per run setting.
BUDGETS = {"default": (3000, 300, 1000), "quick": (600, 150, 400)}


def job_groups(arms):
    """Splits `arms` into jobs, the slowest first (they balance the workers).

    All synthetic-sample arms form one job (they share a VAE); so do all the
    traditional arms (seconds in all); every other deep arm is its own job.
    """
    synthetic = [arm for arm in arms if "synthetic" in arm.split("+")]
    traditional = [arm for arm in arms if arm in TRADITIONAL]
    others = [arm for arm in arms if arm not in synthetic and arm not in traditional]
    groups = [synthetic] + [[arm] for arm in others] + [traditional]
    return [group for group in groups if group]


def run_group(group, x, y, fold, per_class, seed, settings, threads=None):
    """Learning-curve rows of every arm of `group` on `fold`, in order.

    Args:
        settings: dict of `DeepArm` arguments shared by the deep arms (`kind`,
            `steps`, `vae_steps`, `backbone_path`, `flips`), and `unlabeled`:
            the user's unlabeled samples or `None`.
        threads: int or `None`. For a worker process: its TensorFlow threads
            (set when it has not run TensorFlow yet) and quiet TensorFlow logs.
    """
    if threads is not None:
        _limit_tensorflow_threads(threads)
    settings = dict(settings)
    extra = settings.pop("unlabeled", None)
    extra = np.zeros((0, *x.shape[1:]), x.dtype) if extra is None else extra
    rows = []
    for arm in group:
        estimator = _estimator(arm, settings, seed)
        n_unlabeled = None
        if "semi" in arm.split("+"):
            # The repeat's pool (the training subset is dropped from it at
            # fit) and the user's unlabeled samples; never the test samples.
            pool = fold[0][0]
            estimator.set_params(unlabeled_pool=np.concatenate([x[pool], extra]))
            n_unlabeled = len(pool) + len(extra)
        curve = _learning_curve(arm, estimator, x, y, fold, per_class, seed)
        curve["n_unlabeled"] = (
            0 if n_unlabeled is None else (n_unlabeled - curve["n_train"])
        )
        rows.append(curve)
    return rows


def _limit_tensorflow_threads(threads):
    import tensorflow as tf

    # A worker's fresh models trace their own functions; TensorFlow's
    # retracing warnings say nothing to the study's user.
    tf.get_logger().setLevel("ERROR")
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        pass  # This worker has run TensorFlow before: set by its first job.


def _learning_curve(arm, estimator, x, y, fold, per_class, seed):
    """Scores of `estimator` on the nested subsets of one `(pool, test)` fold.

    Through `keras_smalldata.compare.learning_curve`, seeded by the fold's
    own seed, so every arm of a repeat trains on the same subsets.
    """
    from keras_smalldata.compare import learning_curve

    curve = learning_curve(
        {arm: estimator},
        x,
        y,
        per_class,
        per_class=True,
        cv=fold,
        random_state=seed,
        error_score="raise",
    )
    scores = curve.fold_scores
    return pd.DataFrame(
        {
            "arm": arm,
            "size": scores["train_size"].to_numpy(),
            "metric": scores["metric"].to_numpy(),
            "value": scores["score"].to_numpy(),
            "fit_seconds": scores["fit_time"].to_numpy(),
            "n_train": scores["n_train"].to_numpy(),
            "n_test": len(fold[0][1]),
        }
    )


def _estimator(arm, settings, seed):
    if arm in TRADITIONAL:
        return _traditional(arm, seed, settings["kind"])
    techniques = () if arm == "scratch" else tuple(arm.split("+"))
    return DeepArm(techniques=techniques, seed=seed, **settings)


def _traditional(arm, seed, kind):
    from keras_smalldata.compare import default_baselines

    return default_baselines(random_state=seed, data_kind=kind)[arm]
