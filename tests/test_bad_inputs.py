"""The bad-input catalogue: every public entry point, driven with wrong input.

Each case (see `bad_inputs/_cases_common.py`) calls one entry point with one
bad input (wrong rank or dtype, NaN or infinity, empty arrays, `x` and `y` of
different lengths, unknown option strings, negative sizes) and expects a
`ValueError` or `TypeError` whose message names the argument and what was
received. That no bad input corrupts state is tested in
`test_bad_input_state.py`.
"""

import importlib
import inspect

import pytest
from bad_inputs import (
    _cases_compare,
    _cases_data,
    _cases_export,
    _cases_layers,
    _cases_models,
    _cases_semi_supervised,
    _cases_study,
    _cases_transfer,
)

import keras_smalldata

CASES = [
    *_cases_layers.CASES,
    *_cases_data.CASES,
    *_cases_models.CASES,
    *_cases_semi_supervised.CASES,
    *_cases_transfer.CASES,
    *_cases_compare.CASES,
    *_cases_export.CASES,
    *_cases_study.CASES,
]

# Public names with no bad-input case, and why.
EXEMPT = {
    "transfer.TrainableChange": "a frozen record that freeze/unfreeze return",
    "study.StudyData": "a record that load_study_data returns, already checked",
}


@pytest.mark.parametrize("call, kwargs, error, match", CASES)
def test_bad_input_raises_a_clear_error(call, kwargs, error, match):
    with pytest.raises(error, match=match):
        call(**kwargs)


def _entry(case):
    """`subpackage.Name` from a case id `subpackage.Name[.method]:what`."""
    return ".".join(case.id.split(":")[0].split(".")[:2])


def _public_names(subpackage):
    module = importlib.import_module(f"keras_smalldata.{subpackage}")
    names = getattr(module, "__all__", None)
    if names is None:  # A plain module: what it defines itself.
        names = [
            name
            for name, value in vars(module).items()
            if not name.startswith("_")
            and (inspect.isfunction(value) or inspect.isclass(value))
            and value.__module__ == module.__name__
        ]
    return [f"{subpackage}.{name}" for name in names]


def test_every_public_entry_point_has_a_case():
    public = {
        name
        for subpackage in keras_smalldata._SUBPACKAGES
        for name in _public_names(subpackage)
    }
    covered = {_entry(case) for case in CASES}
    assert sorted(public - covered - set(EXEMPT)) == []
    # No case for a name that is not public, no stale exemption.
    assert sorted(covered - public) == []
    assert sorted(set(EXEMPT) - public) == []
    assert sorted(set(EXEMPT) & covered) == []


def test_case_ids_are_unique():
    ids = [case.id for case in CASES]
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
