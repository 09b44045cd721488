"""Seeded runs that other threads of the process cannot disturb.

`keras.utils.set_random_seed` seeds Python's global `random`, and Keras draws
the seed of every initializer and `keras.random.SeedGenerator` created without
one from it. Another thread that uses `random` between the seeding and the
model build (a Dask worker's event loop, a threading joblib backend) shifts
those draws, and a "seeded" fit starts from other weights: measured, 1 of 3
seeded `KerasClassifier` fits differed while a thread called `random.random()`
every half millisecond. `seeded(seed)` also gives the calling thread its own
`random.Random(seed)` for Keras' draws, for as long as the block runs.

`seed_from` turns a scikit-learn `random_state` into such a seed. Keras is
imported inside the functions: `keras_smalldata.compare` imports this module
and must not pay for TensorFlow when it only runs scikit-learn models.
"""

import contextlib
import numbers
import random
import threading

import numpy as np

_INSTALL_LOCK = threading.Lock()


class _ThreadRandom:
    """Stands in for the `random` module inside Keras' seed generation.

    A thread inside `seeded` draws from its own `random.Random`; every other
    thread draws from the global `random`, as before.
    """

    def __init__(self):
        self.local = threading.local()

    def __getattr__(self, name):
        return getattr(getattr(self.local, "generator", None) or random, name)


def _thread_random():
    """Installs `_ThreadRandom` in Keras once; `None` if Keras has no hook."""
    from keras.src.random import seed_generator

    with _INSTALL_LOCK:
        current = getattr(seed_generator, "python_random", None)
        if isinstance(current, _ThreadRandom):
            return current
        if current is not random:
            return None  # A Keras that draws its default seeds elsewhere.
        proxy = _ThreadRandom()
        seed_generator.python_random = proxy
        return proxy


@contextlib.contextmanager
def seeded(seed):
    """`keras.utils.set_random_seed(seed)`, with Keras' draws kept to this thread.

    Single-threaded, the draws are exactly those of `set_random_seed` alone
    (`random.Random(seed)` and `random.seed(seed)` give the same sequence).

    Args:
        seed: int, or `None` to leave every random state as it is.
    """
    if seed is None:
        yield
        return
    import keras

    keras.utils.set_random_seed(seed)
    proxy = _thread_random()
    if proxy is None:
        yield
        return
    previous = getattr(proxy.local, "generator", None)
    proxy.local.generator = random.Random(seed)
    try:
        yield
    finally:
        proxy.local.generator = previous


def seed_from(random_state, owner):
    """An int seed (or `None`) from a scikit-learn `random_state`.

    A `numpy.random.RandomState` is drawn from, as scikit-learn estimators
    do: two fits given one instance get different seeds.

    Args:
        random_state: `None`, an int or a `numpy.random.RandomState`.
        owner: str. Who takes `random_state`, named in the error.
    """
    if random_state is None:
        return None
    if isinstance(random_state, numbers.Integral) and not isinstance(
        random_state, bool
    ):
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    raise ValueError(
        f"{owner} expects `random_state` to be None, an int or a numpy "
        f"RandomState. Received: random_state={random_state!r}"
    )
