"""One job of a study: some arms on one repeat's `(pool, test)` fold.

Jobs are independent, so that `run_study(n_jobs=...)` can run them in worker
processes; the arms that use synthetic samples share a job, so that they share
one conditional VAE per split (cached in the worker's memory).
"""

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
# The default deep arms. The combination is the pair that did best in a pilot
# on digits (seed 10, so none of the default run's splits): augment+synthetic
# 0.901 / 0.959 at 5 / 20 per class, augment+transfer 0.807 / 0.817.
DEEP = {
    "images": ("scratch", "augment", "synthetic", "transfer", "augment+synthetic"),
    "tabular": ("scratch", "augment", "transfer", "augment+transfer"),
}
# (steps, vae_steps, pretrain_steps) per run setting.
BUDGETS = {"default": (400, 300, 1000), "quick": (200, 150, 400)}


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
            `steps`, `vae_steps`, `backbone_path`, `flips`).
        threads: int or `None`. For a worker process: its TensorFlow threads
            (set when it has not run TensorFlow yet) and quiet TensorFlow logs.
    """
    if threads is not None:
        _limit_tensorflow_threads(threads)
    return [
        _learning_curve(
            arm, _estimator(arm, settings, seed), x, y, fold, per_class, seed
        )
        for arm in group
    ]


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

    Through `ModelComparison.learning_curve`, seeded by the fold's own seed,
    so every arm of a repeat trains on the same subsets.
    """
    from keras_smalldata.compare import ModelComparison

    comparison = ModelComparison(
        {arm: estimator}, cv=fold, random_state=seed, error_score="raise"
    )
    comparison.learning_curve(x, y, per_class, per_class=True)
    scores = comparison.learning_curve_scores_
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
