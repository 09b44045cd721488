"""`StudyConfig`: what a study runs, checked once before any training."""

import dataclasses
import numbers

import numpy as np

from keras_smalldata._validation import check_int, check_positive_int

DEFAULT_SIZES = (5, 10, 20, 50)
KINDS = ("images", "tabular")


@dataclasses.dataclass(frozen=True)
class StudyConfig:
    """What a study runs: its sizes, arms, repeats, seed, budgets and workers.

    Each field is checked when the config is made (a wrong type or value
    raises at once); `resolve(x, y)` then fills the defaults that depend on
    the data and checks the fields against it (sizes against the smallest
    class, arms against the kind and shape of the data), so that `run_study`
    fails before any training. A config is frozen: `dataclasses.replace`
    makes a changed copy, checked again.

    Args:
        per_class: int or list of ints, or `None`. Training sizes in samples
            per class. Defaults to `None`: those of 5, 10, 20 and 50 that
            leave every class at least one test sample.
        arms: list of arm names, or `None` for the default arms of the data's
            kind (see `run_study`). Defaults to `None`.
        repeats: int >= 1, or `None`: 3, or 1 with `quick`. Random splits.
            Defaults to `None`.
        seed: int >= 0. Seeds the splits and every model. Defaults to `0`.
        quick: bool. Smaller training budgets and one repeat by default (a
            fast look, not a verdict). Defaults to `False`.
        kind: `"images"`, `"tabular"` or `None` (inferred from the rank of
            `x`). Defaults to `None`.
        flips: bool. Whether image augmentation may flip horizontally (images
            only). Defaults to `False`.
        epochs: int >= 1 or `None`. Caps the deep arms' training at `epochs`
            chunks of steps instead of the study's cap (only with a deep arm).
            Defaults to `None`.
        n_jobs: nonzero int or `None`. Parallel jobs, as in joblib (`-1`: one
            per core, or per worker thread of the active joblib backend, e.g.
            a Dask cluster). Defaults to `None`: one job at a time, unless a
            `joblib.parallel_config` says otherwise. The numbers do not depend
            on it.

    Example:

    >>> config = keras_smalldata.study.StudyConfig(per_class=[10, 5], repeats=2)
    >>> config.per_class
    (5, 10)
    >>> x, y = keras_smalldata.datasets.load_wine()
    >>> resolved = config.resolve(x, y)
    >>> resolved.kind, resolved.arms[:2]
    ('tabular', ('svc_tuned', 'svc'))
    """

    per_class: tuple | None = None
    arms: tuple | None = None
    repeats: int | None = None
    seed: int = 0
    quick: bool = False
    kind: str | None = None
    flips: bool = False
    epochs: int | None = None
    n_jobs: int | None = None

    def __post_init__(self):
        set_field = object.__setattr__
        if self.per_class is not None:
            set_field(self, "per_class", _check_sizes(self.per_class))
        if self.arms is not None:
            set_field(self, "arms", _check_arm_names(self.arms))
        if self.repeats is not None:
            set_field(self, "repeats", check_positive_int(self.repeats, "repeats"))
        set_field(self, "seed", check_int(self.seed, "seed", low=0))
        for name in ("quick", "flips"):
            value = getattr(self, name)
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(
                    f"`{name}` must be True or False. Received: {name}={value!r}"
                )
            set_field(self, name, bool(value))
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(
                f"`kind` must be one of {list(KINDS)}. Received: kind={self.kind!r}"
            )
        if self.epochs is not None:
            set_field(self, "epochs", check_positive_int(self.epochs, "epochs"))
        n_jobs = self.n_jobs
        integer = isinstance(n_jobs, numbers.Integral) and not isinstance(n_jobs, bool)
        if n_jobs is not None and (not integer or n_jobs == 0):
            raise ValueError(
                "`n_jobs` must be None or a nonzero integer (-1: one per core). "
                f"Received: n_jobs={n_jobs!r}"
            )

    def resolve(self, x, y, unlabeled=None):
        """This config with the data's defaults filled in, checked against it.

        Args:
            x: array `(n, height, width, channels)` or `(n, features)`.
            y: array of `n` labels.
            unlabeled: the unlabeled inputs `run_study` was given, or `None`.

        Returns:
            A `StudyConfig` whose `kind`, `per_class`, `arms` and `repeats`
            are set.

        Raises:
            ValueError: if a field does not suit the data, or the fields do
                not suit each other.
        """
        x, y = np.asarray(x), np.asarray(y)
        kind = _check_kind(self.kind, x, y)
        labels, counts = np.unique(y, return_counts=True)
        if len(labels) < 2:
            raise ValueError(
                f"A study needs at least two classes. Received: y with classes {labels}"
            )
        per_class = self.per_class
        if per_class is None:
            smallest = int(counts.min())
            per_class = tuple(s for s in DEFAULT_SIZES if s < smallest) or (1,)
        # Every class needs its training samples plus at least one test sample.
        if per_class[-1] >= counts.min():
            smallest = labels[counts.argmin()].item()
            raise ValueError(
                f"`per_class` must be smaller than the smallest class ({smallest!r}: "
                f"{counts.min()} samples). Received: per_class={list(per_class)}"
            )
        repeats = self.repeats or (1 if self.quick else 3)
        arms = self.arms if self.arms is not None else default_arms(kind)
        _check_arms_for_data(arms, kind, x.shape, self, unlabeled)
        return dataclasses.replace(
            self, kind=kind, per_class=per_class, arms=arms, repeats=repeats
        )

    @property
    def deep_arms(self):
        """The arms of `arms` that are deep (not a traditional baseline)."""
        from keras_smalldata.study._arms import TRADITIONAL

        return tuple(arm for arm in self.arms or () if arm not in TRADITIONAL)


def default_arms(kind):
    """Every traditional arm for `kind`, then its default deep arms."""
    from keras_smalldata.study._arms import DEEP, TABULAR_ONLY, TRADITIONAL

    traditional = [a for a in TRADITIONAL if kind == "tabular" or a not in TABULAR_ONLY]
    return (*traditional, *DEEP[kind])


def _check_sizes(per_class):
    values = per_class if isinstance(per_class, (list, tuple)) else [per_class]
    values = [v.item() if isinstance(v, np.generic) else v for v in values]
    if not values:
        raise ValueError(
            f"`per_class` needs at least one size. Received: per_class={per_class!r}"
        )
    return tuple(sorted({check_positive_int(v, "per_class") for v in values}))


def _check_arm_names(arms):
    from keras_smalldata.study._arms import TRADITIONAL
    from keras_smalldata.study._deep_arm import TECHNIQUES

    if isinstance(arms, str):
        raise TypeError(
            f"`arms` must be a list of arm names. Received: arms={arms!r}; "
            f"for one arm, pass [{arms!r}]"
        )
    arms = list(arms)
    if not arms:
        raise ValueError("`arms` must name at least one arm. Received: arms=[]")
    for arm in arms:
        if arm in TRADITIONAL or arm == "scratch":
            continue
        parts = arm.split("+") if isinstance(arm, str) else [arm]
        if not all(part in TECHNIQUES for part in parts) or len(set(parts)) != len(
            parts
        ):
            raise ValueError(
                f"Unknown arm {arm!r}: arms are {list(TRADITIONAL)}, 'scratch', or "
                f"'+'-joined techniques from {list(TECHNIQUES)}. Received: arms={arms}"
            )
    if len(set(arms)) != len(arms):
        raise ValueError(f"`arms` names an arm twice. Received: arms={arms}")
    return tuple(arms)


def _check_kind(kind, x, y):
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
    if x.ndim != ranks[kind]:
        raise ValueError(
            f"`kind={kind!r}` needs `x` of rank {ranks[kind]}. "
            f"Received: kind={kind!r}, x.shape={x.shape}"
        )
    return kind


def _check_arms_for_data(arms, kind, shape, config, unlabeled):
    """Arms, and fields valid alone but not together or not for this data.

    The deep arms' CNN pools 2x2 pixels; the VAE of the synthetic and transfer
    arms halves images with stride-2 convolutions and needs at least 8x8
    pixels with 1 or 3 channels (`VAE.for_images`). Each would otherwise fail
    minutes into the study.
    """
    from keras_smalldata.study._arms import TABULAR_ONLY, TRADITIONAL

    arms = list(arms)
    for arm in arms:
        if arm in TABULAR_ONLY and kind != "tabular":
            raise ValueError(
                f"The {arm} arm needs tabular data. Received: arms={arms} for "
                f"{kind} data"
            )
        if kind == "tabular" and "synthetic" in arm.split("+"):
            raise ValueError(
                "The synthetic arm needs image data. "
                f"Received: arms={arms} for tabular data"
            )
    deep = [arm for arm in arms if arm not in TRADITIONAL]
    if config.epochs is not None and not deep:
        raise ValueError(
            "`epochs` sets the deep arms' training budget, and `arms` has no "
            f"deep arm. Received: epochs={config.epochs!r}, arms={arms}"
        )
    if config.flips and kind != "images":
        raise ValueError(
            "`flips` lets image augmentation flip images horizontally; "
            f"{kind} data has none. Received: flips={config.flips!r} for {kind} data"
        )
    users = ("transfer", "semi")
    if unlabeled is not None and not any(
        part in users for arm in arms for part in arm.split("+")
    ):
        raise ValueError(
            "`unlabeled` feeds the semi and transfer arms, and `arms` has "
            f"neither. Received: unlabeled.shape={np.shape(unlabeled)}, arms={arms}"
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
