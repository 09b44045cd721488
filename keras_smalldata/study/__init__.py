"""The `study`: which technique helps on this small dataset.

The pipeline: `load_study_data` -> `StudyConfig` -> `run_study` ->
`StudyResult` -> `summarize`, `winners`, `deep_vs_traditional`,
`learning_curve_figure`, `write_report`. In a terminal (what `keras-smalldata
study` uses): `check_out_dir` before the work, `StudyProgress` during it,
`print_summary` after it.

Names are imported on first access, so that `keras-smalldata study --help` and
data validation do not wait for TensorFlow. No module of this package is named
like one of these names, so importing a module never hides a name.
"""

import importlib

_EXPORTS = {
    "StudyData": "load_data",
    "check_per_class": "load_data",
    "load_study_data": "load_data",
    "StudyConfig": "study_config",
    "run_study": "run",
    "StudyResult": "study_result",
    "summarize": "summary",
    "winners": "summary",
    "deep_vs_traditional": "verdict",
    "learning_curve_figure": "figure",
    "write_report": "report",
    "check_out_dir": "report",
    "StudyProgress": "progress",
    "print_summary": "terminal",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        module = importlib.import_module(f"{__name__}.{_EXPORTS[name]}")
        globals()[name] = getattr(module, name)
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_EXPORTS))
