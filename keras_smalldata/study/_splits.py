"""The study's splits: each repeat's labelled pool and its test set."""

import numpy as np


def pool_and_test(y, count, seed):
    """`count` samples of each class as the labelled pool; the rest is test.

    Returns:
        `(pool, test)`: index arrays, the pool in a random order, the test set
        sorted.
    """
    rng = np.random.default_rng(seed)
    pool = np.concatenate(
        [rng.permutation(np.flatnonzero(y == label))[:count] for label in np.unique(y)]
    )
    test = np.setdiff1d(np.arange(len(y)), pool)
    return rng.permutation(pool), test
