"""Checks a saved config against the class that loads it.

A `.keras` file written by a newer keras-smalldata may hold arguments that the
installed version does not know. Keras would pass them to the constructor and
report a `TypeError` wrapped twice in advice about `from_config` (keras 3.15);
`check_config` names the class, the argument and the likely cause instead.
"""

import inspect

import keras

# Keyword arguments that `keras.layers.Layer.__init__` takes from `**kwargs`.
_LAYER_KWARGS = ("input_dim", "input_shape")
_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def accepted_arguments(cls):
    """Names of the keyword arguments that constructing layer class `cls` takes.

    Follows `**kwargs` up the class hierarchy to `keras.layers.Layer`, whose
    own arguments (`name`, `trainable`, `dtype`, ...) are included.

    Args:
        cls: a subclass of `keras.layers.Layer` (models included).

    Returns:
        A set of argument names.
    """
    names = set()
    for klass in cls.__mro__:
        if not issubclass(klass, keras.layers.Layer) or "__init__" not in vars(klass):
            continue
        parameters = inspect.signature(klass.__init__).parameters.values()
        names.update(p.name for p in parameters if p.kind in _NAMED)
        if klass is keras.layers.Layer:
            names.update(_LAYER_KWARGS)
            break
        if not any(p.kind == inspect.Parameter.VAR_KEYWORD for p in parameters):
            break
    names.discard("self")
    return names


def check_config(cls, config, accepted=None):
    """Raises `ValueError` if `config` holds arguments that `cls` does not take.

    Args:
        cls: the class being deserialized.
        config: dict, the config given to `cls.from_config`.
        accepted: iterable of the config keys `cls.from_config` understands.
            Defaults to `accepted_arguments(cls)`.

    Raises:
        ValueError: naming the class and every unknown argument.
    """
    from keras_smalldata import __version__

    accepted = accepted_arguments(cls) if accepted is None else set(accepted)
    unknown = [key for key in config if key not in accepted]
    if not unknown:
        return
    plural = "s" if len(unknown) > 1 else ""
    received = ", ".join(f"{key}={config[key]!r}" for key in unknown)
    raise ValueError(
        f"Cannot load {cls.__name__}: its saved config has the argument{plural} "
        f"{', '.join(repr(key) for key in unknown)}, which {cls.__name__} in the "
        f"installed keras-smalldata {__version__} does not accept. The file may "
        "come from a newer keras-smalldata version: upgrade it "
        "(`pip install -U keras-smalldata`) to load the file. "
        f"Received: {received}"
    )
