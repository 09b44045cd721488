"""Seeded runs that other threads of the process cannot disturb.

`keras.utils.set_random_seed` seeds Python's global `random`, and Keras draws
the seed of every initializer and `keras.random.SeedGenerator` created without
one from it. Another thread that uses `random` between the seeding and the
model build (a Dask worker's event loop, a threading joblib backend) shifts
those draws, and a "seeded" fit starts from other weights: measured, 1 of 3
seeded `KerasClassifier` fits differed while a thread called `random.random()`
every half millisecond. `seeded(seed)` also gives the calling thread its own
`random.Random(seed)` for Keras' draws, for as long as the block runs.
"""

import contextlib
import random
import threading

import keras

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
