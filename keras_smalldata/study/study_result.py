"""`StudyResult`: a study's scores, its config, and what its report shows."""

import dataclasses

import numpy as np

from keras_smalldata.study.study_config import StudyConfig

# The columns every study's scores have, in order; arms may add their own
# after them (e.g. `n_unlabeled`).
SCORE_COLUMNS = (
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


@dataclasses.dataclass(frozen=True, eq=False)
class StudyResult:
    """What `run_study` returns: the scores, and the artefacts of the run.

    Everything the report needs travels here, so that nothing is retrained
    to draw a figure: the VAE samples come from the VAE the synthetic arm
    trained on the first repeat's largest training set, and the augmented
    images from the policy the `augment` arm used.

    Pass a `StudyResult` (or only its `scores`) to `summarize`, `winners`,
    `deep_vs_traditional`, `learning_curve_figure` and `write_report`; with
    the result, they also know the data's kind (the report then says "images"
    and "CNN" rather than "samples" and "network") and draw its figures.

    Args:
        scores: `pandas.DataFrame`, one row per arm, size, repeat and metric:
            `arm`, `kind` ("traditional" or "deep"), `size` (training samples
            per class), `repeat`, `metric`, `value`, `fit_seconds`, `n_train`
            and `n_test` (training and test samples of that repeat), and any
            column an arm adds.
        config: the resolved `StudyConfig` the study ran.
        vae_samples: array `(classes, samples, height, width, channels)` in
            `[0, 1]`, or `None`: samples of the synthetic arm's conditional
            VAE, one row per class.
        vae_training_images: array `(classes, height, width, channels)` or
            `None`: one image of each class from that VAE's training set.
        augmentation_examples: array `(1 + rows, images, height, width,
            channels)` or `None`: training images (first row) and random
            augmentations of them by the `augment` arm's policy.
        augmentation_policy: str or `None`. The `augment` arm's policy in
            words.
        wall_seconds: float. How long the study ran, in seconds.

    Example:

    >>> x, y = keras_smalldata.datasets.load_wine()
    >>> result = keras_smalldata.study.run_study(
    ...     x, y, per_class=[3], arms=["knn"], repeats=2, progress=False
    ... )
    >>> result.scores[["arm", "size", "repeat"]].values.tolist()
    [['knn', 3, 0], ['knn', 3, 1]]
    >>> result.config.kind, result.vae_samples is None
    ('tabular', True)
    """

    scores: object
    config: StudyConfig
    vae_samples: np.ndarray | None = None
    vae_training_images: np.ndarray | None = None
    augmentation_examples: np.ndarray | None = None
    augmentation_policy: str | None = None
    wall_seconds: float = float("nan")

    def __post_init__(self):
        import pandas as pd

        if not isinstance(self.scores, pd.DataFrame):
            raise TypeError(
                "`scores` must be the study's tidy pandas DataFrame. "
                f"Received: scores of type {type(self.scores).__name__}"
            )
        missing = [c for c in SCORE_COLUMNS if c not in self.scores.columns]
        if missing:
            raise ValueError(
                f"`scores` lacks the column(s) {missing}. Received columns: "
                f"{list(self.scores.columns)}"
            )
        if not isinstance(self.config, StudyConfig):
            raise TypeError(
                "`config` must be the `StudyConfig` the study ran. "
                f"Received: config of type {type(self.config).__name__}"
            )
        for name in ("vae_samples", "augmentation_examples"):
            value = getattr(self, name)
            if value is not None and np.ndim(value) != 5:
                raise ValueError(
                    f"`{name}` must be an array of rank 5 (rows, columns, height, "
                    f"width, channels). Received: {name}.shape={np.shape(value)}"
                )
