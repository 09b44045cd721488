"""Runs the `Example:` block of every public class and function with `doctest`.

Public objects are the classes and functions named in `__all__` of each
`keras_smalldata.<subpackage>` (for a module without `__all__`, such as
`keras_smalldata.plotting`, the public classes and functions it defines), and
`keras_smalldata.cli.main`; `__version__` and the subpackages themselves are not
objects with examples. Each one gets a test that fails if its docstring has no
`Example:` block with doctest lines, or if a line of the example fails.

What examples can rely on:

- The globals `keras`, `np` (numpy) and `keras_smalldata` are set; anything else
  is imported in the example.
- Each example runs in a fresh temporary working directory, so files it writes
  (an export, a report, a figure) vanish afterwards.
- Output is compared with `ELLIPSIS` and `NORMALIZE_WHITESPACE`. Nothing global
  (Keras' random seed, dtype policy) is reset between examples: an example that
  needs reproducible output seeds its own layers, models and splits.
"""

import doctest
import importlib
import inspect
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import keras_smalldata  # noqa: E402
import keras_smalldata.cli  # noqa: E402

GLOBALS = {"keras": keras, "np": np, "keras_smalldata": keras_smalldata}
OPTION_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _module_names(module):
    """`__all__`, or the classes and functions defined in a module without it."""
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__ == module.__name__
    ]


def _public_objects():
    objects = {}
    for subpackage in keras_smalldata._SUBPACKAGES:
        module = importlib.import_module(f"keras_smalldata.{subpackage}")
        for name in _module_names(module):
            value = getattr(module, name)
            if inspect.isclass(value) or inspect.isfunction(value):
                objects[f"keras_smalldata.{subpackage}.{name}"] = value
    objects["keras_smalldata.cli.main"] = keras_smalldata.cli.main
    return objects


PUBLIC_OBJECTS = _public_objects()


def test_public_objects_are_found():
    # Guards the collection itself: an empty or partial list would let every
    # docstring go untested.
    assert len(PUBLIC_OBJECTS) >= 50
    for name in (
        "keras_smalldata.layers.RandomResizedCrop",
        "keras_smalldata.study.run_study",
        "keras_smalldata.plotting.augmentation_grid",
        "keras_smalldata.transfer.TrainableChange",
        "keras_smalldata.cli.main",
    ):
        assert name in PUBLIC_OBJECTS


@pytest.mark.parametrize("name", sorted(PUBLIC_OBJECTS))
def test_docstring_example_runs(name, tmp_path, monkeypatch):
    obj = PUBLIC_OBJECTS[name]
    docstring = inspect.getdoc(obj) or ""
    assert "\nExample:\n" in docstring, f"{name} has no `Example:` block."
    finder = doctest.DocTestFinder(recurse=False)
    tests = finder.find(obj, name, globs=GLOBALS)
    examples = sum(len(test.examples) for test in tests)
    assert examples > 0, f"The `Example:` block of {name} has no `>>>` lines."

    monkeypatch.chdir(tmp_path)
    report = []
    runner = doctest.DocTestRunner(optionflags=OPTION_FLAGS)
    for test in tests:
        runner.run(test, out=report.append)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, "".join(report)


def test_a_failing_example_fails():
    # The runner must report a wrong output and an exception, or the test
    # above could not fail.
    def example():
        """Example:

        >>> 1 + 1
        3
        >>> np.zeros(2).shape
        (2,)
        >>> undefined_name
        """

    tests = doctest.DocTestFinder(recurse=False).find(example, "example", globs=GLOBALS)
    runner = doctest.DocTestRunner(optionflags=OPTION_FLAGS)
    report = []
    for test in tests:
        runner.run(test, out=report.append)
    results = runner.summarize(verbose=False)
    assert (results.failed, results.attempted) == (2, 3)
    assert "NameError" in "".join(report)
