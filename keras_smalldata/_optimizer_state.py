"""Rebuilding a model's optimizer for a new variable set, keeping its state.

Keras builds an optimizer for the variables trainable when `fit` starts; a
variable unfrozen later is "Unknown" to it, and Keras maps much of an
optimizer's state by position in the list it was built for (the EMA copies
that `finalize_variable_values` writes back, the state `load_own_variables`
restores). So when the trainable set changes, the optimizer is rebuilt for
exactly the new set, and every piece of its state is carried over by the
identity of the model variable it belongs to, never by position or name
(names collide: Adafactor names its factored moments after `variable.name`,
and nested models give several variables the same path after loading).

An optimizer's variables are matched as Keras itself indexes them: a list
attribute with one entry per built variable (`_momentums`,
`_model_variables_moving_average`, `_accumulated_gradients`, Adafactor's
`_r`, ...) holds per-variable state at `_get_variable_index(variable)`; a
variable attribute (`_iterations`, `_learning_rate`, a loss scale) is global.
An optimizer holding state any other way cannot be rebuilt safely and is
refused with an error naming the variable.
"""

import keras

# Python state that `get_config` leaves out but the rebuilt optimizer needs.
_UNCONFIGURED = ("_exclude_from_weight_decay", "_exclude_from_weight_decay_pattern")
# The model variables themselves and Keras' bookkeeping, not state.
_NOT_STATE = ("_variables", "_trainable_variables")
# Per-variable state that starts from the variable's value, not from zeros:
# an average started at zero after the first step would pull the variable
# towards zero when `fit` writes the averages back.
_STARTS_FROM_VARIABLE = ("_model_variables_moving_average",)


def check_rebuildable(optimizer, caller):
    """Raises if `optimizer` cannot be rebuilt with its state carried over."""
    # Imported here: `transfer` imports this module.
    from keras_smalldata.transfer import DiscriminativeOptimizer

    for inner in _walk(optimizer):
        if isinstance(inner, keras.optimizers.MultiOptimizer) and not isinstance(
            inner, DiscriminativeOptimizer
        ):
            raise ValueError(
                f"{caller} does not support a plain "
                "`keras.optimizers.MultiOptimizer`: it is built for a fixed "
                "variable set and cannot be rebuilt as blocks are unfrozen. Use "
                "`keras_smalldata.transfer.discriminative_optimizer(model, ...)` "
                "for per-group learning rates. "
                f"Received: optimizer={type(inner).__name__}(name={inner.name!r})"
            )
    if optimizer.built:
        state_by_key(optimizer, caller)


def rebuild_optimizer(model, variables, caller="GradualUnfreezing"):
    """Gives `model` an optimizer built for `variables`, with the old state.

    The new optimizer (same class and config) is built for exactly
    `variables`; the old one's state is copied by variable identity (see the
    module docstring). Retrace the train function afterwards
    (`make_train_function(force=True)`).
    """
    # Imported here: `transfer` imports this module.
    from keras_smalldata.transfer import DiscriminativeOptimizer

    old = model.optimizer
    check_rebuildable(old, caller)
    try:
        new = type(old).from_config(old.get_config())
    except Exception as error:
        raise ValueError(
            f"{caller} rebuilds the optimizer from its config, which failed "
            f"({type(error).__name__}: {error}). "
            f"Received: optimizer={type(old).__name__}(name={old.name!r})"
        ) from error
    for old_inner, new_inner in zip(_walk(old), _walk(new), strict=True):
        for attribute in _UNCONFIGURED:
            if hasattr(old_inner, attribute):
                setattr(new_inner, attribute, getattr(old_inner, attribute))
    if isinstance(new, DiscriminativeOptimizer):
        new._adopt_groups(old, model.weights)
    new.build(list(variables))
    copy_state(old, new, caller)
    model.optimizer = new


def copy_state(old, new, caller="GradualUnfreezing"):
    """Copies the state of `old` into `new`, matched by variable identity.

    An unbuilt `old` has no state to copy; `new` is checked all the same.
    """
    old_state = state_by_key(old, caller) if old.built else {}
    for key, (slot, variable) in state_by_key(new, caller).items():
        if key in old_state:
            source = old_state[key][0]
            if tuple(source.shape) != tuple(slot.shape):
                raise ValueError(
                    f"{caller}: the optimizer state {key!r} changed shape when "
                    "rebuilt, so it cannot be carried over. "
                    f"Received: {tuple(source.shape)} and {tuple(slot.shape)}"
                )
            slot.assign(source)
        elif variable is not None and key[-2] in _STARTS_FROM_VARIABLE:
            slot.assign(keras.ops.cast(variable, slot.dtype))


def state_by_key(optimizer, caller="GradualUnfreezing"):
    """`{key: (optimizer variable, model variable or None)}` for all its state.

    A key is `(path..., attribute)` for global state and `(path...,
    attribute, variable key)` for per-variable state, where `path` locates an
    inner optimizer (`("optimizers", 0)`, `("inner_optimizer",)`).
    """
    state = {}
    _collect(optimizer, (), state)
    keyed = {id(slot) for slot, _ in state.values()}
    unkeyed = [v for v in optimizer.variables if id(v) not in keyed]
    if unkeyed:
        raise ValueError(
            f"{caller} cannot carry the state of {type(optimizer).__name__} "
            "over when it rebuilds it for the newly trainable variables: "
            f"the optimizer variable {unkeyed[0].path!r} is neither a "
            "per-variable list entry nor a variable attribute, so which model "
            "variable it belongs to is unknown. Use a Keras optimizer, or "
            "unfreeze before compiling instead. "
            f"Received: optimizer={type(optimizer).__name__}(name={optimizer.name!r})"
        )
    return state


def _walk(optimizer):
    """`optimizer` and its inner optimizers, depth first."""
    yield optimizer
    if isinstance(optimizer, keras.optimizers.MultiOptimizer):
        for inner in optimizer.optimizers:
            yield from _walk(inner)
    elif isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        yield from _walk(optimizer.inner_optimizer)


def _collect(optimizer, path, state):
    built_for = list(getattr(optimizer, "_trainable_variables", None) or [])
    model_ids = {id(v) for v in built_for}
    for attribute, value in vars(optimizer).items():
        if attribute in _NOT_STATE:
            continue
        if isinstance(value, keras.Variable):
            state.setdefault((*path, attribute), (value, None))
        elif _is_per_variable(value, built_for, model_ids):
            for variable, slot in zip(built_for, value, strict=True):
                if slot is not None:
                    key = (*path, attribute, optimizer._var_key(variable))
                    state.setdefault(key, (slot, variable))
    if isinstance(optimizer, keras.optimizers.MultiOptimizer):
        for index, inner in enumerate(optimizer.optimizers):
            _collect(inner, (*path, "optimizers", index), state)
    elif isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        _collect(optimizer.inner_optimizer, (*path, "inner_optimizer"), state)


def _is_per_variable(value, built_for, model_ids):
    return (
        isinstance(value, (list, tuple))
        and len(value) == len(built_for) > 0
        and all(v is None or isinstance(v, keras.Variable) for v in value)
        and any(v is not None for v in value)
        and not any(id(v) in model_ids for v in value)
    )
