"""The `study`: which technique helps on this small dataset.

Names are imported on first access, so that `keras-smalldata study --help` and
data validation do not wait for TensorFlow.
"""

import importlib

_EXPORTS = {
    "StudyData": "load_data",
    "check_per_class": "load_data",
    "load_study_data": "load_data",
    "deep_vs_traditional": "report",
    "learning_curve_figure": "report",
    "summarize": "report",
    "winners": "report",
    "write_report": "report",
    "run_study": "run_study",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        module = importlib.import_module(f"{__name__}.{_EXPORTS[name]}")
        # Importing `study.run_study` binds the submodule to the package's
        # `run_study`; bind the function over it.
        globals()[name] = getattr(module, name)
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_EXPORTS))
