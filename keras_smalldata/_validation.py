"""Argument checks shared by every subpackage.

Each check raises the package's error (what was expected, then `Received:
name=value`) and returns the value converted (an int, a float, a tuple), so
that a caller stores what it checked. Imports numpy only: a `StudyConfig` or a
scikit-learn estimator checks its arguments before TensorFlow loads.
"""

import math
import numbers

import numpy as np


def check_value_range(value_range, name="value_range"):
    """Returns `value_range` as a tuple of two floats, low < high."""
    if (
        not isinstance(value_range, (tuple, list))
        or len(value_range) != 2
        or not all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value_range
        )
        or not value_range[0] < value_range[1]
    ):
        raise ValueError(
            f"`{name}` must be a pair of numbers (low, high) with low < high. "
            f"Received: {name}={value_range}"
        )
    return tuple(float(v) for v in value_range)


def check_int(value, name, low=1, none_ok=False, hint=None):
    """Returns `value` as an int >= `low` (`None` passes if `none_ok`).

    numpy integers are accepted; bools are not, although Python counts them
    as integers: `epochs=True` is a mistake, not one epoch. `hint`, if given,
    says in the message what the argument is for.
    """
    if value is None and none_ok:
        return None
    value = _python_scalar(value)
    if (
        not isinstance(value, numbers.Integral)
        or isinstance(value, bool)
        or value < low
    ):
        expected = f"an integer >= {low}" + (" or None" if none_ok else "")
        raise ValueError(
            f"{_named(name, hint)} must be {expected}. Received: {name}={value!r}"
        )
    return int(value)


def check_positive_int(value, name):
    """Returns `value` as an int >= 1."""
    return check_int(value, name, low=1)


def check_number(value, name, low=-math.inf, high=math.inf, closed="both", hint=None):
    """Returns `value` as a float between `low` and `high`.

    `closed` says which bounds `value` may equal: `"both"`, `"low"`, `"high"`
    or `"neither"`. Infinities, NaN and bools are refused. `hint`, if given,
    says in the message what the argument is for.
    """
    value = _python_scalar(value)
    low_ok = closed in ("both", "low")
    high_ok = closed in ("both", "high")
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    ok = ok and math.isfinite(value)
    ok = ok and (low <= value if low_ok else low < value)
    ok = ok and (value <= high if high_ok else value < high)
    if not ok:
        raise ValueError(
            f"{_named(name, hint)} must be {_interval(low, high, low_ok, high_ok)}. "
            f"Received: {name}={value!r}"
        )
    return float(value)


def _named(name, hint):
    return f"`{name}`" if hint is None else f"`{name}` ({hint})"


def _python_scalar(value):
    # A numpy scalar as the Python number it holds: its repr in a message is
    # then `3`, not `np.int64(3)`, and a numpy bool becomes a refused bool.
    return value.item() if isinstance(value, np.generic) else value


def _interval(low, high, low_ok, high_ok):
    """`"a number in [0, 1)"`, `"a finite number > 0"`, ..."""
    if math.isinf(low) and math.isinf(high):
        return "a finite number"
    if math.isinf(high):
        return f"a finite number {'>=' if low_ok else '>'} {low:g}"
    if math.isinf(low):
        return f"a finite number {'<=' if high_ok else '<'} {high:g}"
    left, right = "[" if low_ok else "(", "]" if high_ok else ")"
    return f"a number in {left}{low:g}, {high:g}{right}"


def check_fraction(value, name, low_inclusive=True):
    """Checks that `value` is a number in [0, 1] (or (0, 1] if not inclusive)."""
    return check_number(value, name, 0, 1, closed="both" if low_inclusive else "high")


def check_non_negative(value, name):
    """Returns `value` as a finite float >= 0."""
    return check_number(value, name, low=0)


def check_bool(value, name):
    """Returns `value` if it is a Python bool (not 0, 1 or a string)."""
    if not isinstance(value, bool):
        raise ValueError(f"`{name}` must be a bool. Received: {name}={value!r}")
    return value


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
