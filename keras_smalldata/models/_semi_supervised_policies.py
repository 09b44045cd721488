"""Default weak and strong augmentation policies of `SemiSupervised`, per data kind.

FixMatch (Sohn et al. 2020) pairs a weak view (flip and a shift of up to 12.5%
of the image) that gives the pseudo-label with a strong view (RandAugment or
CTAugment ops, then Cutout) that learns it. The image policies follow that with
this package's `TrivialAugment` (one op at a random strength per image, no
tuning) and Keras' `RandomErasing` as the cutout. Tabular and time-series data
get noise of two strengths, in units of each feature's standard deviation
(`SwapNoise`, the corruption of SCARF, Bahri et al. 2022, hurt where one
feature decides the class; see `_tabular`), and time series jitter, scaling and
magnitude and time warps (Um et al. 2017).
"""

import keras

from keras_smalldata import layers

DATA_KINDS = ("images", "tabular", "series")
# Input rank (batch axis included) -> data kind.
_KIND_OF_RANK = {4: "images", 2: "tabular", 3: "series"}


def kind_of_rank(rank):
    return _KIND_OF_RANK.get(rank)


def sublayers(layer):
    """`layer` and the layers inside it: `keras.Sequential`, `RandomApply`,
    `RandomChoice` and other containers holding `layers` or `layer`."""
    found = [layer]
    children = list(getattr(layer, "layers", None) or [])
    inner = getattr(layer, "layer", None)
    if isinstance(inner, keras.layers.Layer):
        children.append(inner)
    for child in children:
        found.extend(sublayers(child))
    return found


def unadapted(policy):
    """The layers of `policy` that need `adapt` before they can run."""
    return [
        layer
        for layer in sublayers(policy)
        if (isinstance(layer, layers.FeatureNoise) and layer.feature_std is None)
        or (
            isinstance(layer, layers.FeatureDropout)
            and layer.fill == "mean"
            and layer.feature_mean is None
        )
    ]


def default_policies(data_kind, value_range, flips, seed):
    """`(weak, strong)` `keras.Sequential` policies for `data_kind`."""
    builders = {"images": _images, "tabular": _tabular, "series": _series}
    weak, strong = builders[data_kind](value_range, flips, _Seeds(seed))
    return (
        keras.Sequential(weak, name="weak_augmentation"),
        keras.Sequential(strong, name="strong_augmentation"),
    )


class _Seeds:
    """Distinct seeds for the layers of a policy: `seed`, `seed + 1`, ..."""

    def __init__(self, seed):
        self.seed = seed
        self.count = 0

    def __call__(self):
        if self.seed is None:
            return None
        self.count += 1
        return self.seed + self.count - 1


def _images(value_range, flips, seeds):
    low, high = value_range

    def shift():
        # Up to 1/8 of the side, FixMatch's weak shift; the border takes the
        # low end of the value range (a digit's background, a photo's black).
        return keras.layers.RandomTranslation(
            0.125,
            0.125,
            fill_mode="constant",
            fill_value=low,
            seed=seeds(),
        )

    def flip():
        return [keras.layers.RandomFlip("horizontal", seed=seeds())] if flips else []

    weak = [*flip(), shift()]
    strong = [
        *flip(),
        shift(),
        layers.TrivialAugment(value_range=value_range, seed=seeds()),
        # Cutout: a patch of up to half of each side, always, filled with gray.
        keras.layers.RandomErasing(
            factor=(1.0, 1.0),
            scale=(0.02, 0.25),
            fill_value=(low + high) / 2,
            value_range=value_range,
            seed=seeds(),
        ),
    ]
    return weak, strong


def _tabular(value_range, flips, seeds):
    # Noise in units of each feature's standard deviation (`adapt`). Swap noise
    # moves a sample across the boundary when one feature decides the class:
    # as the weak view it broke supervised training on 4 labelled rows of 10
    # features, 1 informative (accuracy 0.54-0.62 against 0.86-0.91 with
    # noise), and in the strong view (rate 0.1) it made FixMatch worse than
    # the labels alone there (0.63 against 0.88).
    weak = [layers.FeatureNoise(stddev=0.05, seed=seeds())]
    strong = [layers.FeatureNoise(stddev=0.3, seed=seeds())]
    return weak, strong


def _series(value_range, flips, seeds):
    weak = [
        layers.Jitter(stddev=0.03, seed=seeds()),
        layers.RandomScaling(stddev=0.1, seed=seeds()),
    ]
    strong = [
        layers.Jitter(stddev=0.1, seed=seeds()),
        layers.RandomScaling(stddev=0.2, seed=seeds()),
        layers.MagnitudeWarp(stddev=0.2, seed=seeds()),
        layers.TimeWarp(stddev=0.2, seed=seeds()),
    ]
    return weak, strong
