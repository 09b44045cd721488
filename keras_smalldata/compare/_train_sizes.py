"""Training sizes of a learning curve: their subsets, and where a model overtakes."""

import numbers

import numpy as np


def resolve_train_sizes(train_sizes, per_class, splits, y, task):
    """Validates `train_sizes`; returns `(requested sizes, size -> count fn)`.

    Sizes are counts of training samples (ints), fractions of each training
    fold (floats in (0, 1]), or, with `per_class`, samples of each class.
    """
    sizes = np.atleast_1d(np.asarray(train_sizes, dtype=object)).tolist()

    def invalid(expected):
        return ValueError(
            f"learning_curve expects `train_sizes` to be {expected}. "
            f"Received: train_sizes={train_sizes!r}"
        )

    if not sizes or np.ndim(train_sizes) > 1:
        raise invalid("a non-empty 1-D list of sizes")
    integral = all(
        isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in sizes
    )
    fractions = all(
        isinstance(s, numbers.Real) and not isinstance(s, numbers.Integral)
        for s in sizes
    )
    sizes = sorted(set(sizes))
    if per_class:
        if task != "classification":
            raise ValueError(
                "learning_curve(per_class=True) needs a classification task. "
                f"Received: per_class={per_class!r} for a regression task"
            )
        if not integral or sizes[0] < 1:
            raise invalid("positive ints (samples per class) with per_class=True")
        available = min(
            np.unique(y[train], return_counts=True)[1].min() for train, _ in splits
        )
        if sizes[-1] > available:
            raise invalid(
                f"at most {available} per class (the smallest class of a training fold)"
            )
        return sizes, int
    smallest_fold = min(len(train) for train, _ in splits)
    if integral:
        if sizes[0] < 1 or sizes[-1] > smallest_fold:
            raise invalid(
                f"counts from 1 to {smallest_fold} (the smallest training fold)"
            )
        return sizes, int
    if fractions and 0 < sizes[0] and sizes[-1] <= 1:
        if int(sizes[0] * smallest_fold) < 1:
            raise invalid("fractions large enough for at least 1 sample")
        return sizes, lambda size: int(size * smallest_fold)
    raise invalid("all ints (counts) or all floats in (0, 1] (fractions)")


def nested_subsets(train, y, counts, per_class, stratify, rng):
    """Training subsets of `train` of each count, each one inside the next.

    With `per_class`, `count` samples of each class. With `stratify`, the
    classes keep (nearly) their proportions in `train` at every size.
    """
    train = np.asarray(train)
    labels = y[train]
    order = rng.permutation(len(train))
    if per_class or stratify:
        # Rank of each sample within its class in a random order.
        rank = np.empty(len(train))
        share = np.empty(len(train))
        for label in np.unique(labels):
            members = order[labels[order] == label]
            rank[members] = np.arange(len(members))
            share[members] = len(members)
        if per_class:
            return [np.sort(train[rank < count]) for count in counts]
        # Interleave the classes by their share: a prefix of any length holds
        # each class in proportion (ties broken by the random order).
        position = np.empty(len(train))
        position[order] = np.arange(len(train))
        order = np.lexsort((position, (rank + 0.5) / share))
    return [np.sort(train[order[:count]]) for count in counts]


def first_size_beating(curve, metric, names, traditional):
    """For each of `names`, the first train size at which its mean `metric`
    beats the best of the traditional estimators other than itself."""
    means = curve.pivot(
        index="train_size", columns="estimator", values=f"{metric}_mean"
    )
    result = {}
    for name in names:
        others = [other for other in traditional if other != name]
        if not others:
            result[name] = np.nan
            continue
        best_other = means[others].max(axis=1, skipna=True)
        beats = means[name] > best_other
        result[name] = beats.index[beats.to_numpy()][0] if beats.any() else np.nan
    return result
