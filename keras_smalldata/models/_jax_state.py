"""Keeps a model's variables after an error inside Keras' JAX `fit`/`evaluate`.

Keras' JAX trainer detaches the values of every variable (model, optimizer,
metrics) from the model at the first step of `fit`, `evaluate` and `predict`,
passes them through the compiled steps, and attaches them again at the end
(`jax_state_sync`). An error before the first step completes, such as a batch
of a dataset that fails the VAE's checks, left every variable without a value:
the next call failed with `'NoneType' object is not callable`, and the weights
were lost. `evaluate` and `predict` do not reattach the values on an error at
any step. This relies on Keras' private `Variable._value`, the only way to
tell a detached variable; it lives here alone.
"""

import contextlib

import keras


def _all_variables(model):
    variables = [*model.trainable_variables, *model.non_trainable_variables]
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        variables += list(optimizer.variables)
    return variables + list(model.metrics_variables)


@contextlib.contextmanager
def restored_on_error(model):
    """Reattaches the model's variables if the body raises (JAX backend only)."""
    if keras.backend.backend() != "jax":
        yield
        return
    variables = _all_variables(model)
    values = [variable.value for variable in variables]
    state = getattr(model, "_jax_state", None)
    try:
        yield
    except BaseException:
        # The last state of this call's completed steps, if any ...
        if getattr(model, "_jax_state", None) is not state:
            model.jax_state_sync()
        # ... and the values from before the call for what is still detached.
        for variable, value in zip(variables, values, strict=True):
            if _detached(variable):
                variable.assign(value)
        # Variables created during the call (metric states): zeros, as a reset.
        for variable in _all_variables(model):
            if _detached(variable):
                variable.assign(keras.ops.zeros(variable.shape, variable.dtype))
        raise


def _detached(variable):
    return getattr(variable, "_value", True) is None
