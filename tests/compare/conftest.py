"""Shared setup of the `keras_smalldata.compare` tests."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def pytest_configure(config):
    # Runs by default; `-m "not slow"` deselects it.
    config.addinivalue_line(
        "markers", "slow: starts a Dask cluster or a subprocess (seconds, not ms)"
    )
