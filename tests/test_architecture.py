"""Which way imports may point (docs/architecture.md).

A subpackage (or `cli.py`, `plotting.py`) imports another one's public names
only: never a module or a name starting with `_`. Code several of them need
lives in a private module at the package's top level (`_validation.py`,
`_seeding.py`, ...), which anyone may import. Parsed with `ast`, so imports
inside functions count too and nothing is executed.
"""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "keras_smalldata"

# Imports still waiting for their move to a shared home, each as
# `(importing file, imported module)`; an entry goes with its move, so that the
# list only shrinks. Empty since the VAE's helpers moved to the top level.
ALLOWED = set()


def imported(tree, module_parts):
    """`(module, name)` for each import in `tree`; `name` is None for `import x`.

    Relative imports are resolved against `module_parts` (the importing
    module's dotted name, split).
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module_parts[: len(module_parts) - node.level]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield base, alias.name


def violations(source, module):
    """The imports of `source` (the code of dotted `module`) that break the rule.

    `module` is the importing module's dotted name (a package's ends in
    `.__init__`); its unit is its subpackage, or itself at the top level.
    """
    own = module.split(".")
    found = []
    for target, name in imported(ast.parse(source), own):
        parts = target.split(".")
        if parts[0] != "keras_smalldata" or len(parts) < 2:
            continue
        unit = parts[1]
        if unit.startswith("_") or unit == own[1]:
            continue  # a shared top-level module, or the module's own unit
        private = [part for part in parts[2:] if part.startswith("_")]
        if name is not None and name.startswith("_"):
            private.append(name)
        if private:
            found.append((target, name))
    return found


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        parts = ["keras_smalldata", *relative.with_suffix("").parts]
        yield relative.as_posix(), ".".join(parts), path


MODULES = list(_modules())


def test_every_module_is_checked():
    names = {relative for relative, _, _ in MODULES}
    assert "cli.py" in names and "layers/random_resized_crop.py" in names
    assert len(MODULES) > 100


@pytest.mark.parametrize(
    ("relative", "module", "path"), MODULES, ids=[m[0] for m in MODULES]
)
def test_no_module_imports_another_subpackages_private_code(relative, module, path):
    found = [
        f"{target}" + (f" import {name}" if name else "")
        for target, name in violations(path.read_text(encoding="utf-8"), module)
        if (relative, target) not in ALLOWED
    ]
    assert not found, (
        f"{relative} imports private code of another subpackage: {found}. Import "
        "its public names, or move the shared code to a private module at the "
        "package's top level (see docs/architecture.md)."
    )


def test_allowed_imports_still_exist():
    # An entry whose import is gone must leave the list, so that the list
    # only ever shrinks.
    present = {
        (relative, target)
        for relative, module, path in MODULES
        for target, _ in violations(path.read_text(encoding="utf-8"), module)
    }
    assert ALLOWED <= present, sorted(ALLOWED - present)


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        # Another subpackage's private module, at the top or in a function.
        (
            "from keras_smalldata.transfer._x import f",
            "keras_smalldata.callbacks.c",
            [("keras_smalldata.transfer._x", "f")],
        ),
        (
            "def f():\n    import keras_smalldata.study._jobs",
            "keras_smalldata.cli",
            [("keras_smalldata.study._jobs", None)],
        ),
        (
            "from keras_smalldata.layers import _grouping",
            "keras_smalldata.models.m",
            [("keras_smalldata.layers", "_grouping")],
        ),
        # A private name of another subpackage's public module.
        (
            "from keras_smalldata.models.vae import _scale",
            "keras_smalldata.data.d",
            [("keras_smalldata.models.vae", "_scale")],
        ),
        # A relative import that leaves the subpackage.
        (
            "from .._model_layers import f\nfrom ..models import _vae_data",
            "keras_smalldata.data.d",
            [("keras_smalldata.models", "_vae_data")],
        ),
        # Allowed: public names, the module's own subpackage, shared modules.
        ("from keras_smalldata.transfer import freeze", "keras_smalldata.cli", []),
        (
            "from keras_smalldata.layers import _grouping",
            "keras_smalldata.layers.x",
            [],
        ),
        (
            "from keras_smalldata._validation import check_int",
            "keras_smalldata.cli",
            [],
        ),
        ("import keras\nfrom keras import _tf_keras", "keras_smalldata.data.d", []),
    ],
)
def test_violations_finds_exactly_the_private_imports(source, module, expected):
    assert violations(source, module) == expected
