"""Hypothesis profiles for the augmentation-layer properties.

`ci` (the default) runs about 50 derandomized examples per property, the same
ones on every run; `long` runs 1000 new ones per property. Choose with the
environment variable, e.g. `HYPOTHESIS_PROFILE=long pytest tests/properties`
(Hypothesis' own `--hypothesis-profile` option takes precedence). The number of
examples run per layer is printed at the end (hooks in `tests/conftest.py`).
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

PROFILES = ("ci", "long")
settings.register_profile(
    "ci", max_examples=50, deadline=None, derandomize=True, database=None
)
settings.register_profile("long", max_examples=1000, deadline=None, print_blob=True)


def pytest_configure(config):
    if config.getoption("hypothesis_profile", None) is not None:
        return
    name = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    if name not in PROFILES:
        raise pytest.UsageError(
            f"HYPOTHESIS_PROFILE must be one of {list(PROFILES)}. "
            f"Received: HYPOTHESIS_PROFILE={name!r}"
        )
    settings.load_profile(name)
