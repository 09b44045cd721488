"""Bad inputs of `keras_smalldata.data`: mixing, sequences, synthetic batches."""

import numpy as np
from bad_inputs._cases_common import (
    IMAGES,
    LABELS,
    ONE_HOT,
    STRINGS,
    TABLE,
    cached_vae,
    case,
    cases,
    received,
    with_inf,
    with_nan,
)

from keras_smalldata import data, layers


def _mix(method, x=TABLE, y=ONE_HOT, batch=4, **kwargs):
    """`method` (mixup or cutmix) on a dataset of `(x, y)` batched by `batch`."""
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if batch:
        dataset = dataset.batch(batch)
    return method(dataset, **kwargs)


def _mix_x_only(method, x):
    import tensorflow as tf

    return method(tf.data.Dataset.from_tensor_slices(x).batch(4))


def _sequence(**kwargs):
    return data.AugmentedSequence(**{"x": TABLE, "y": ONE_HOT, **kwargs})


def _first_batch(**kwargs):
    return _sequence(**kwargs)[0]


def _generator(**kwargs):
    arguments = {"x": TABLE, "y": LABELS, "batch_size": 4, **kwargs}
    return data.SyntheticDataGenerator(cached_vae(), **arguments)


def _image_generator(x):
    """A generator of a Bernoulli (image) VAE's samples."""
    from keras_smalldata.models import VAE

    vae = VAE.for_images((8, 8, 1), latent_dim=2, filters=(2,), hidden_units=2)
    return data.SyntheticDataGenerator(vae, x, filter_model=None, batch_size=2)


def _generator_item(index):
    return _generator()[index]


# Tables of cases, one row each: kept as written.
# fmt: off
MIXING = [
    case(f"data.{method.__name__}", what, call, {"method": method, **kwargs}, *row)
    for method in (data.mixup, data.cutmix)
    for what, call, kwargs, *row in (
        ("zero-alpha", _mix, {"alpha": 0}, ValueError, received("alpha", 0)),
        ("nan-alpha", _mix, {"alpha": float("nan")}, ValueError,
         received("alpha", "nan")),
        ("string-alpha", _mix, {"alpha": "0.2"}, ValueError,
         received("alpha", "'0.2'")),
        ("bool-alpha", _mix, {"alpha": True}, ValueError, received("alpha", True)),
        ("unbatched", _mix, {"batch": 0}, ValueError,
         r"batched dataset.*Received: dataset.element_spec="),
        ("integer-labels", _mix, {"y": LABELS}, ValueError,
         r"not integer class labels.*Received: y.dtype=int64"),
        ("string-labels", _mix, {"y": np.full((8, 2), "a")}, TypeError,
         r"Received: y.dtype=string"),
        ("string-inputs", _mix, {"x": STRINGS}, TypeError,
         r"Received: x.dtype=string"),
        ("x-without-y", _mix_x_only, {"x": TABLE}, ValueError,
         r"pairs \(x, y\).*Received: dataset.element_spec="),
    )
] + [
    case(f"data.{method.__name__}", "numpy-arrays", method, {"dataset": TABLE},
         TypeError, r"(?s)Received: dataset=array.* of type ndarray")
    for method in (data.mixup, data.cutmix)
] + [
    case("data.cutmix", "rank-5-inputs", _mix,
         {"method": data.cutmix, "x": np.zeros((8, 2, 2, 2, 1))}, ValueError,
         r"Received: x.shape=\(None, 2, 2, 2, 1\)"),
]

SEQUENCE = cases("data.AugmentedSequence", _sequence, [
    ("empty-x", {"x": TABLE[:0], "y": ONE_HOT[:0]}, ValueError,
     r"Received: x.shape=\(0, 4\)"),
    ("x-and-y-lengths-differ", {"y": ONE_HOT[:5]}, ValueError,
     r"Received: x.shape=\(8, 4\), y.shape=\(5, 2\)"),
    ("nan-x", {"x": with_nan(TABLE, (3, 2))}, ValueError,
     r"Received: x\[3, 2\]=nan"),
    ("inf-x", {"x": with_inf(TABLE)}, ValueError, r"Received: x\[0, 0\]=inf"),
    ("string-x", {"x": STRINGS}, TypeError, r"Received: x.dtype=<U1"),
    ("zero-batch-size", {"batch_size": 0}, ValueError, received("batch_size", 0)),
    ("negative-batch-size", {"batch_size": -8}, ValueError,
     received("batch_size", -8)),
    ("unknown-mix", {"mix": "mixmatch"}, ValueError, received("mix", "'mixmatch'")),
    ("alpha-without-mix", {"alpha": 0.4}, ValueError,
     r"Received: alpha=0.4, mix=None"),
    ("negative-alpha", {"mix": "mixup", "alpha": -1}, ValueError,
     received("alpha", -1)),
    ("mix-integer-labels", {"y": LABELS, "mix": "cutmix"}, ValueError,
     r"Received: y.dtype=int64"),
    ("mix-string-labels", {"y": np.full((8, 2), "a"), "mix": "mixup"}, TypeError,
     r"Received: y.dtype=<U1"),
    ("augmentation-not-a-layer", {"augmentation": "noise"}, ValueError,
     received("augmentation", "'noise'")),
    ("string-shuffle", {"shuffle": "yes"}, ValueError, received("shuffle", "'yes'")),
    ("negative-seed", {"seed": -1}, ValueError, received("seed", -1)),
]) + cases("data.AugmentedSequence", _first_batch, [
    ("image-layer-on-a-table", {"augmentation": layers.RandomGaussianNoise()},
     ValueError, r"Received: inputs.shape=\(8, 4\)"),
])

GENERATOR = cases("data.SyntheticDataGenerator", _generator, [
    ("x-of-other-shape", {"x": IMAGES}, ValueError,
     r"data shape \(4,\). Received: x.shape=\(2, 8, 8, 1\)"),
    ("nan-x", {"x": with_nan(TABLE, (5, 0))}, ValueError,
     r"Received: x\[5, 0\]=nan"),
    ("string-x", {"x": STRINGS}, TypeError, r"Received: x.dtype=<U1"),
    ("x-and-y-lengths-differ", {"y": LABELS[:3]}, ValueError,
     r"Received: x.shape=\(8, 4\), y.shape=\(3,\)"),
    ("labels-out-of-range", {"y": LABELS + 2}, ValueError,
     r"Received: y with values from 2 to 3"),
    ("zero-batch-size", {"batch_size": 0}, ValueError, received("batch_size", 0)),
    ("fraction-above-1", {"synthetic_fraction": 1.5}, ValueError,
     received("synthetic_fraction", 1.5)),
    ("min-confidence-without-filter", {"min_confidence": 0.5}, ValueError,
     r"Received: min_confidence=0.5, filter_model=None"),
    ("filter-not-callable", {"filter_model": "classifier"}, ValueError,
     received("filter_model", "'classifier'")),
    ("negative-seed", {"seed": -3}, ValueError, received("seed", -3)),
    ("string-shuffle", {"shuffle": "no"}, ValueError, received("shuffle", "'no'")),
]) + [
    # Real samples of 0-255 would be mixed with a Bernoulli VAE's in [0, 1].
    case("data.SyntheticDataGenerator", "bernoulli-vae-x-of-0-to-255",
         _image_generator, {"x": IMAGES * 255}, ValueError,
         r"models data in \[0, 1\].*Received: x with values from "),
    case("data.SyntheticDataGenerator", "vae-is-a-string",
         data.SyntheticDataGenerator, {"vae": "vae", "x": TABLE}, ValueError,
         received("vae", "'vae'")),
    case("data.SyntheticDataGenerator", "batch-index-out-of-range",
         _generator_item, {"index": 99}, IndexError, r"Received: index=99"),
]
# fmt: on

CASES = [*MIXING, *SEQUENCE, *GENERATOR]
