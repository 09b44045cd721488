"""Argument checks shared by the augmentation layers."""

import math
import numbers

import numpy as np


def check_value_range(value_range, name="value_range"):
    """Returns `value_range` as a tuple of two floats, low < high."""
    if (
        not isinstance(value_range, (tuple, list))
        or len(value_range) != 2
        or not all(isinstance(v, numbers.Real) for v in value_range)
        or not value_range[0] < value_range[1]
    ):
        raise ValueError(
            f"`{name}` must be a pair of numbers (low, high) with low < high. "
            f"Received: {name}={value_range}"
        )
    return tuple(float(v) for v in value_range)


def check_fraction(value, name, low_inclusive=True):
    """Checks that `value` is a number in [0, 1] (or (0, 1] if not inclusive)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    ok = ok and (0 <= value if low_inclusive else 0 < value) and value <= 1
    if not ok:
        interval = "[0, 1]" if low_inclusive else "(0, 1]"
        raise ValueError(
            f"`{name}` must be a number in {interval}. Received: {name}={value}"
        )
    return float(value)


def check_non_negative(value, name):
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not 0 <= value < math.inf
    ):
        raise ValueError(
            f"`{name}` must be a finite number >= 0. Received: {name}={value}"
        )
    return float(value)


def check_positive_int(value, name):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value}"
        )
    return int(value)


def check_choice(value, name, choices):
    if value not in choices:
        raise ValueError(
            f"`{name}` must be one of {sorted(choices)}. Received: {name}={value!r}"
        )
    return value


def check_finite_array(value, name):
    """Returns `value` as a numpy array of numbers (bools included), all finite.

    Raises `TypeError` for non-numeric data (strings, objects) and `ValueError`
    naming the first NaN or infinite entry.
    """
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"`{name}` must hold numbers. Received: {name}.dtype={array.dtype}"
        )
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        where = ", ".join(str(i) for i in index)
        raise ValueError(
            f"`{name}` must hold finite numbers; impute or drop NaN and infinite "
            f"values first. Received: {name}[{where}]={array[index]}"
        )
    return array
