"""Runs each scenario group of `_scenarios.py` once, in a subprocess.

Two logical CPU devices can only be configured before TensorFlow initializes
its devices, which the pytest process has already done; so the scenarios run in
a fresh interpreter and report back as JSON. Each group's subprocess is shared
by all the tests that use its fixture. When the first of them runs, every group
the session collected is started at once, so that the groups use both cores
(under pytest-xdist each worker starts only the groups it needs; pass
`--dist loadgroup` to keep a group on one worker).
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile

import pytest

_SCRIPT = pathlib.Path(__file__).with_name("_scenarios.py")
_GROUPS = ("draws", "training")
_needed = set()
_processes = {}


def pytest_collection_modifyitems(config, items):
    here = _SCRIPT.parent
    for item in items:
        if here in pathlib.Path(item.path).parents:
            _needed.update(set(getattr(item, "fixturenames", ())) & set(_GROUPS))


def _start(group):
    env = dict(
        os.environ,
        CUDA_VISIBLE_DEVICES="",
        KERAS_BACKEND="tensorflow",
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    stdout, stderr = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
    process = subprocess.Popen(
        [sys.executable, str(_SCRIPT), group],
        stdout=stdout,
        stderr=stderr,
        text=True,
        env=env,
    )
    _processes[group] = (process, stdout, stderr)


def _run_group(group):
    if group not in _processes:
        together = {group}
        if "PYTEST_XDIST_WORKER" not in os.environ:
            together |= _needed
        for name in sorted(together - set(_processes)):
            _start(name)
    process, stdout, stderr = _processes[group]
    try:
        returncode = process.wait(timeout=900)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"_scenarios.py {group} did not finish within 900 s")
    stdout.seek(0)
    stderr.seek(0)
    out, err = stdout.read(), stderr.read()
    if returncode != 0:
        pytest.fail(f"_scenarios.py {group} exited with {returncode}:\n{err[-5000:]}")
    results = json.loads(out.strip().splitlines()[-1])
    assert results["num_replicas"] == 2, results

    def scenario(name):
        result = results[name]
        if isinstance(result, dict) and "error" in result:
            pytest.fail(f"scenario {name!r} raised:\n{result['error']}")
        return result

    return scenario


@pytest.fixture(scope="session")
def draws():
    """`draws(name)`: the result of a scenario of the "draws" group."""
    return _run_group("draws")


@pytest.fixture(scope="session")
def training():
    """`training(name)`: the result of a scenario of the "training" group."""
    return _run_group("training")


def pytest_sessionfinish(session):
    # A group started but never waited for (its tests deselected or the run
    # interrupted) must not outlive the session.
    for process, stdout, stderr in _processes.values():
        if process.poll() is None:
            process.kill()
            process.wait()
        stdout.close()
        stderr.close()
