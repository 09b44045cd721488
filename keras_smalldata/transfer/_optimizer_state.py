"""Rebuilding a model's optimizer for a new variable set, keeping its state."""

import keras


def rebuild_optimizer(model, variables):
    """Gives `model` an optimizer built for `variables`, with the old state.

    Keras builds an optimizer for the variables trainable when `fit` starts; a
    variable unfrozen later is "Unknown" to it. The new optimizer (same class
    and config) is built for all of `variables`, and the old one's state
    (iterations, moments, ...) is copied for the variables it already had.
    Retrace the train function afterwards (`make_train_function(force=True)`).
    """
    old = model.optimizer
    new = type(old).from_config(old.get_config())
    new.build(list(variables))
    if old.built:
        copy_state(old, new)
    model.optimizer = new


def copy_state(old, new):
    """Copies optimizer variables of `old` into the same-named ones of `new`."""
    if isinstance(old, keras.optimizers.MultiOptimizer):
        new.iterations.assign(old.iterations)
        for old_inner, new_inner in zip(old.optimizers, new.optimizers, strict=True):
            copy_state(old_inner, new_inner)
        return
    # Slot names are "<variable path>_<slot>", unique within one optimizer.
    by_name = {v.name: v for v in old.variables}
    for variable in new.variables:
        source = by_name.get(variable.name)
        if source is not None and tuple(source.shape) == tuple(variable.shape):
            variable.assign(source)
