"""Every public layer, registered once, with the data the shared tests feed it.

The layer contract (`tests/layers/test_layer_contract.py`), the determinism
tests (`tests/test_determinism.py`) and the image-specific tests take their
layers from `CASES`, the way Keras' `run_layer_test` takes a layer class and its
arguments. A new public layer gets one entry here and runs them all.

Each case's `make(seed=None, **overrides)` builds the layer (containers seed
their inner layers from `seed`; image layers take `value_range` and
`data_format` overrides, tabular layers `columns`), adapted where it needs
statistics. `data(rng)` is a float32 batch of distinct samples within the
layer's value range; `identical(rng)` a batch of one sample repeated, whose
outputs in training differ from sample to sample (at least `min_distinct` of
them) unless `needs_distinct` says that only distinct samples do.
"""

import dataclasses
from collections.abc import Callable

import numpy as np

from keras_smalldata import layers

IMAGE_SIZE = 8
CROP = 6  # RandomResizedCrop's output size here.
CHANNELS = 3
STEPS = 16
SERIES_CHANNELS = 2
FEATURES = 6
BATCH = 16

# Training rows the adapted tabular layers learn from: columns of other scales.
REFERENCE_ROWS = (
    np.random.default_rng(123)
    .normal([0, 5, -3, 10, 1, 2], [1, 2, 0.5, 3, 1, 4], (64, FEATURES))
    .astype("float32")
)


def image_batch(rng, batch=BATCH):
    shape = (batch, IMAGE_SIZE, IMAGE_SIZE, CHANNELS)
    return rng.uniform(0, 255, shape).astype("float32")


def wave(steps, rng):
    """A positive, non-monotone series `(steps, SERIES_CHANNELS)` in [20, 180]."""
    t = np.linspace(0, 2 * np.pi, steps)[:, None]
    noise = rng.uniform(-20, 20, (steps, SERIES_CHANNELS))
    return 100 + 50 * np.sin(t * [1.0, 2.0]) + noise


def series_batch(rng, batch=BATCH // 2):
    return np.stack([wave(STEPS, rng) for _ in range(batch)]).astype("float32")


def row_batch(rng, batch=BATCH):
    # Distinct, non-zero values in every column, away from the column means.
    values = rng.permutation(batch * FEATURES).reshape(batch, FEATURES) + 100
    return values.astype("float32")


@dataclasses.dataclass(frozen=True)
class Kind:
    """What a data kind's samples look like."""

    data: Callable
    sample_shape: tuple
    # Input ranks that must be refused.
    bad_shapes: tuple


KINDS = {
    "image": Kind(
        image_batch,
        (IMAGE_SIZE, IMAGE_SIZE, CHANNELS),
        ((IMAGE_SIZE, IMAGE_SIZE), (1, 1, IMAGE_SIZE, IMAGE_SIZE, CHANNELS)),
    ),
    "series": Kind(
        series_batch,
        (STEPS, SERIES_CHANNELS),
        ((BATCH, STEPS), (STEPS,), (1, 1, STEPS, 1)),
    ),
    "tabular": Kind(row_batch, (FEATURES,), ((2, 3, FEATURES), (FEATURES,))),
}


@dataclasses.dataclass(frozen=True)
class LayerCase:
    name: str
    kind: str
    make: Callable
    min_distinct: int
    # Swapping moves values between rows: identical rows stay identical.
    needs_distinct: bool = False
    # RandomResizedCrop resizes, at inference too.
    resizes: bool = False
    takes_data_format: bool = False
    takes_value_range: bool = False

    def __str__(self):
        return self.name

    def data(self, rng):
        return KINDS[self.kind].data(rng)

    def identical(self, rng):
        batch = self.data(rng)
        return np.repeat(batch[:1], len(batch), axis=0)

    def per_sample_input(self, rng):
        """Samples whose outputs must differ from sample to sample in training."""
        return self.data(rng) if self.needs_distinct else self.identical(rng)

    def expected_inference(self, x):
        """The layer's output when not training."""
        if self.resizes:
            import keras

            # A square input's center crop is the whole image.
            return np.asarray(keras.ops.image.resize(x, (CROP, CROP)))
        return x

    def output_shape(self, input_shape):
        if not self.resizes:
            return tuple(input_shape)
        return (*input_shape[:-3], CROP, CROP, input_shape[-1])


def _inner(seed, offset):
    return None if seed is None else seed + offset


def _images(name, make, min_distinct, container=False, resizes=False):
    return LayerCase(
        name,
        "image",
        make,
        min_distinct,
        resizes=resizes,
        # Containers pass these on to the layers they hold.
        takes_data_format=not container,
        takes_value_range=not container and not resizes,
    )


def _crop(seed=None, data_format=None, value_range=None):
    return layers.RandomResizedCrop(CROP, CROP, seed=seed, data_format=data_format)


def _trivial(seed=None, data_format=None, value_range=(0, 255)):
    return layers.TrivialAugment(value_range, seed=seed, data_format=data_format)


def _gaussian(seed=None, data_format=None, value_range=(0, 255)):
    return layers.RandomGaussianNoise(
        0.1, value_range=value_range, seed=seed, data_format=data_format
    )


def _salt_pepper(seed=None, data_format=None, value_range=(0, 255)):
    return layers.RandomSaltPepper(
        0.3, value_range=value_range, seed=seed, data_format=data_format
    )


def _random_apply(seed=None, data_format=None, value_range=(0, 255)):
    inner = _gaussian(_inner(seed, 1), data_format, value_range)
    return layers.RandomApply(inner, rate=0.5, seed=seed)


def _random_choice(seed=None, data_format=None, value_range=(0, 255)):
    inner = [
        _salt_pepper(_inner(seed, 1), data_format, value_range),
        _gaussian(_inner(seed, 2), data_format, value_range),
    ]
    return layers.RandomChoice(inner, seed=seed)


def _feature_noise(seed=None, columns=None):
    layer = layers.FeatureNoise(0.5, columns=columns, seed=seed)
    layer.adapt(REFERENCE_ROWS)
    return layer


def _feature_dropout(seed=None, columns=None):
    layer = layers.FeatureDropout(0.5, fill="mean", columns=columns, seed=seed)
    layer.adapt(REFERENCE_ROWS)
    return layer


CASES = [
    _images("RandomResizedCrop", _crop, BATCH, resizes=True),
    _images("TrivialAugment", _trivial, 8),
    _images("RandomGaussianNoise", _gaussian, BATCH),
    _images("RandomSaltPepper", _salt_pepper, BATCH),
    # About half the images pass through unchanged, and those are all equal.
    _images("RandomApply", _random_apply, 4, container=True),
    _images("RandomChoice", _random_choice, BATCH, container=True),
    LayerCase("FeatureNoise", "tabular", _feature_noise, BATCH - 2),
    LayerCase(
        "SwapNoise",
        "tabular",
        lambda seed=None, columns=None: layers.SwapNoise(
            0.5, columns=columns, seed=seed
        ),
        BATCH - 2,
        needs_distinct=True,
    ),
    LayerCase("FeatureDropout", "tabular", _feature_dropout, BATCH - 2),
    LayerCase("Jitter", "series", lambda seed=None: layers.Jitter(1.0, seed=seed), 8),
    LayerCase(
        "RandomScaling",
        "series",
        lambda seed=None: layers.RandomScaling(0.3, seed=seed),
        8,
    ),
    LayerCase(
        "MagnitudeWarp",
        "series",
        lambda seed=None: layers.MagnitudeWarp(0.3, knots=3, seed=seed),
        8,
    ),
    LayerCase(
        "TimeWarp",
        "series",
        lambda seed=None: layers.TimeWarp(0.5, knots=3, seed=seed),
        8,
    ),
    LayerCase(
        "WindowSlice", "series", lambda seed=None: layers.WindowSlice(0.5, seed=seed), 8
    ),
    LayerCase(
        "WindowWarp",
        "series",
        lambda seed=None: layers.WindowWarp(0.3, scales=(0.5, 2.0), seed=seed),
        8,
    ),
]
BY_NAME = {case.name: case for case in CASES}
IMAGE_CASES = [case for case in CASES if case.kind == "image"]
TABULAR_CASES = [case for case in CASES if case.kind == "tabular"]
SERIES_CASES = [case for case in CASES if case.kind == "series"]
