"""keras-smalldata: train deep Keras models on small datasets.

Subpackages are imported on first access (`keras_smalldata.layers`), so that
`import keras_smalldata` stays cheap. Import a subpackage before loading a saved
model that uses its objects: `import keras_smalldata.layers`.
"""

import importlib

__version__ = "0.1.0"

_SUBPACKAGES = (
    "callbacks",
    "compare",
    "data",
    "datasets",
    "evaluation",
    "export",
    "layers",
    "models",
    "plotting",
    "study",
    "transfer",
)

__all__ = ["__version__", *_SUBPACKAGES]


def __getattr__(name):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBPACKAGES))
