"""Reports how many property-based examples ran (tests in tests/properties).

These hooks sit in the root conftest because under pytest-xdist the controller
process collects no tests, so it never loads `tests/properties/conftest.py`; a
root conftest is loaded by the controller and by every worker. Each worker sends
its counts back through `config.workeroutput`, and the controller adds them up in
`pytest_testnodedown`; without xdist the counts are printed directly.
"""

import collections

import pytest

_CASES = pytest.StashKey[collections.Counter]()
_PROFILE = pytest.StashKey[str]()
_WORKER_KEY = "property_cases"


def pytest_configure(config):
    config.stash[_CASES] = collections.Counter()


@pytest.fixture(scope="session")
def count_case(pytestconfig):
    """`count_case(name)` records one executed example for layer `name`."""
    from hypothesis import settings

    pytestconfig.stash[_PROFILE] = settings.get_current_profile_name()
    cases = pytestconfig.stash[_CASES]

    def count(name):
        cases[name] += 1

    return count


def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker
        workeroutput[_WORKER_KEY] = {
            "cases": dict(session.config.stash[_CASES]),
            "profile": session.config.stash.get(_PROFILE, None),
        }


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    report = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    if report is None:  # the worker crashed or ran no property test
        return
    node.config.stash[_CASES].update(report["cases"])
    if report["profile"] is not None:
        node.config.stash[_PROFILE] = report["profile"]


def pytest_terminal_summary(terminalreporter, config):
    cases = config.stash[_CASES]
    if not cases:
        return
    profile = config.stash.get(_PROFILE, "?")
    terminalreporter.write_sep(
        "-", f"property-based examples run (hypothesis profile {profile!r})"
    )
    width = max(len(name) for name in cases)
    for name, count in sorted(cases.items()):
        terminalreporter.write_line(f"{name:<{width}}  {count:>6}")
    terminalreporter.write_line(f"{'total':<{width}}  {sum(cases.values()):>6}")
