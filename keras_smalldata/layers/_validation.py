"""Argument checks shared by the augmentation layers."""

import math
import numbers


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
