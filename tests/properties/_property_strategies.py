"""Hypothesis strategies and checks shared by the augmentation-layer properties.

Arrays are filled by numpy from a drawn seed (Hypothesis draws the shape, the
dtype, the value range and a fill pattern): drawing thousands of elements one by
one would be slow and tells the layers nothing more. Layers are drawn as
`LayerSpec`s, so a test can build two fresh layers from the same arguments.
"""

import dataclasses

import keras
import numpy as np
from hypothesis import strategies as st

DTYPES = ("uint8", "float16", "float32")
DATA_FORMATS = ("channels_last", "channels_first")
# Float value ranges with ends that float16 holds exactly, so a value clipped to
# the range in float32 stays in it once cast to float16.
FLOAT_RANGES = ((0.0, 1.0), (0.0, 255.0), (-1.0, 1.0), (-0.5, 0.5))
PATTERNS = ("uniform", "constant", "extremes")

seeds = st.integers(0, 2**16)


@dataclasses.dataclass(frozen=True, eq=False)
class LayerSpec:
    """A layer class and its arguments; `build()` makes a fresh layer.

    Arguments that are `LayerSpec`s (or lists of them) are built too, so a
    container's spec builds fresh inner layers. With `adapt`, the built layer
    is adapted to that data.
    """

    cls: type
    kwargs: dict
    adapt: np.ndarray = None

    def build(self):
        layer = self.cls(**{key: _build(v) for key, v in self.kwargs.items()})
        if self.adapt is not None:
            layer.adapt(self.adapt)
        return layer

    def __repr__(self):
        args = ", ".join(f"{key}={v!r}" for key, v in self.kwargs.items())
        adapted = "" if self.adapt is None else ".adapt(x)"
        return f"{self.cls.__name__}({args}){adapted}"


def _build(value):
    if isinstance(value, LayerSpec):
        return value.build()
    if isinstance(value, list) and value and isinstance(value[0], LayerSpec):
        return [v.build() for v in value]
    return value


def fractions(exclude_min=False):
    """Floats in [0, 1] (or (0, 1]), with the ends drawn often."""
    ends = [1.0] if exclude_min else [0.0, 1.0]
    return st.sampled_from(ends) | st.floats(
        0.0, 1.0, exclude_min=exclude_min, allow_subnormal=False
    )


def non_negative(high):
    return st.just(0.0) | st.floats(0.0, high, allow_subnormal=False)


@st.composite
def value_ranges(draw, dtype):
    """A `(low, high)` pair the dtype holds exactly, and the layers accept.

    Integer images with a range ending at 1 or below are refused (see
    `unit_ranges`); 2 is the smallest top an integer range may have.
    """
    if dtype == "uint8":
        low = draw(st.sampled_from([0, 0, 10]))
        high = draw(st.sampled_from([255, 255, 2, 100]))
        return (float(low), float(max(high, low + 1)))
    integer_range = st.tuples(st.integers(-100, 100), st.integers(1, 200)).map(
        lambda pair: (float(pair[0]), float(pair[0] + pair[1]))
    )
    return draw(st.sampled_from(FLOAT_RANGES) | integer_range)


def fill(rng, shape, dtype, value_range, pattern):
    """An array of `shape` with values in `value_range`, made by `rng`."""
    low, high = value_range
    if pattern == "constant":
        values = np.full(shape, rng.uniform(low, high))
    elif pattern == "extremes":
        values = rng.choice([low, high], size=shape)
    else:
        values = rng.uniform(low, high, shape)
    if dtype == "uint8":
        values = np.round(values)
    # Casting to float16 rounds to the nearest value, which cannot cross an end
    # of the range since the ends are exact in float16.
    return np.clip(values, low, high).astype(dtype)


@dataclasses.dataclass(frozen=True, eq=False)
class Images:
    """Drawn images and how they were drawn (`fill` with `seed` makes `x`)."""

    x: np.ndarray
    dtype: str
    value_range: tuple
    data_format: str
    pattern: str
    seed: int = None

    @property
    def height(self):
        axis = -3 if self.data_format == "channels_last" else -2
        return self.x.shape[axis]

    @property
    def width(self):
        axis = -2 if self.data_format == "channels_last" else -1
        return self.x.shape[axis]

    def __repr__(self):
        return (
            f"Images(shape={self.x.shape}, dtype={self.dtype}, "
            f"value_range={self.value_range}, data_format={self.data_format}, "
            f"pattern={self.pattern}, seed={self.seed})"
        )


@st.composite
def images(draw, max_height=8, max_width=12):
    """Single images (HWC / CHW) or batches of 1 to 8, down to 1x1 pixels."""
    dtype = draw(st.sampled_from(DTYPES))
    value_range = draw(value_ranges(dtype))
    data_format = draw(st.sampled_from(DATA_FORMATS))
    batch = draw(st.one_of(st.none(), st.integers(1, 8)))
    height = draw(st.integers(1, max_height))
    width = draw(st.integers(1, max_width))
    channels = draw(st.sampled_from([1, 3, 4]))
    pattern = draw(st.sampled_from(PATTERNS))
    shape = (height, width, channels)
    if data_format == "channels_first":
        shape = (channels, height, width)
    if batch is not None:
        shape = (batch, *shape)
    seed = draw(seeds)
    x = fill(np.random.default_rng(seed), shape, dtype, value_range, pattern)
    return Images(x, dtype, value_range, data_format, pattern, seed)


@st.composite
def rows(draw, max_batch=8, max_features=6):
    """`(batch, features)` rows: batch 1 to 8, 1 to 6 features."""
    dtype = draw(st.sampled_from(DTYPES))
    batch = draw(st.integers(1, max_batch))
    features = draw(st.integers(1, max_features))
    pattern = draw(st.sampled_from((*PATTERNS, "codes")))
    value_range = (0.0, 255.0) if dtype == "uint8" else (-100.0, 100.0)
    rng = np.random.default_rng(draw(seeds))
    if pattern == "codes":  # small integer category codes
        value_range = (0.0, 3.0)
        pattern = "uniform"
        x = fill(rng, (batch, features), "uint8", value_range, pattern)
        return x.astype(dtype)
    return fill(rng, (batch, features), dtype, value_range, pattern)


@st.composite
def columns(draw, num_features):
    """None, a list of indices (negative ones too) or a boolean mask."""
    indices = st.lists(
        st.integers(-num_features, num_features - 1), min_size=1, max_size=4
    )
    mask = st.lists(st.booleans(), min_size=num_features, max_size=num_features)
    return draw(st.none() | indices | mask)


def selected(columns_arg, num_features):
    """Boolean `(num_features,)`: the columns a tabular layer may change."""
    if columns_arg is None:
        return np.ones(num_features, bool)
    if isinstance(columns_arg[0], bool):
        return np.asarray(columns_arg, bool)
    mask = np.zeros(num_features, bool)
    mask[list(columns_arg)] = True
    return mask


@st.composite
def series(draw, max_batch=8, max_steps=16, max_channels=4):
    """`(batch, steps, channels)` series with 2 to 16 steps (the layers' minimum).

    Besides the fill patterns, "ramp" draws series rising along time.
    """
    dtype = draw(st.sampled_from(DTYPES))
    batch = draw(st.integers(1, max_batch))
    steps = draw(st.integers(2, max_steps))
    channels = draw(st.integers(1, max_channels))
    pattern = draw(st.sampled_from((*PATTERNS, "ramp")))
    value_range = (0.0, 255.0) if dtype == "uint8" else (-10.0, 10.0)
    rng = np.random.default_rng(draw(seeds))
    shape = (batch, steps, channels)
    if pattern == "ramp":
        x = np.sort(fill(rng, shape, dtype, value_range, "uniform"), axis=1)
    else:
        x = fill(rng, shape, dtype, value_range, pattern)
    return x, pattern


# Checks.


def to_numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def check_output(output, x, shape=None):
    """Checks shape and dtype (the input's unless `shape` is given), no NaN/Inf.

    Returns the output as a numpy array.
    """
    assert x.dtype.name in DTYPES  # the drawn input itself
    assert keras.backend.standardize_dtype(output.dtype) == x.dtype.name
    output = to_numpy(output)
    assert output.shape == (x.shape if shape is None else shape)
    assert np.all(np.isfinite(output)), "NaN or Inf in the output"
    return output


def check_in_range(output, low, high):
    assert output.min() >= low and output.max() <= high, (
        f"values in [{output.min()}, {output.max()}], outside [{low}, {high}]"
    )


def check_layer(spec, x, expected_inference=None, shape=None):
    """The properties every augmentation layer keeps on input `x`.

    Training output has the documented shape, the input's dtype and no NaN/Inf;
    two fresh layers with the same seed give the same output; inference returns
    `x` unchanged (or `expected_inference`, a callable of the inference output,
    for layers that transform at inference). Returns the training output.
    """
    layer = spec.build()
    output = check_output(layer(x, training=True), x, shape)
    again = to_numpy(spec.build()(x, training=True))
    np.testing.assert_array_equal(output, again, err_msg="same seed, new output")
    inferred = layer(x, training=False)
    if expected_inference is None:
        np.testing.assert_array_equal(to_numpy(inferred), x)
        assert keras.backend.standardize_dtype(inferred.dtype) == x.dtype.name
    else:
        expected_inference(check_output(inferred, x, shape))
    return output
