"""Serving input signatures: derive them from a model, match arrays to them."""

import keras
import numpy as np
import tensorflow as tf


def signature_from_model(model):
    """Returns the `tf.TensorSpec` structure of the model's `inputs` argument.

    Names, dtypes and shapes come from `model.inputs`; the batch dimension is
    left free.
    """
    if isinstance(model, keras.Sequential):
        # A built Sequential has `inputs` but no `input` until it is called.
        structure = model.inputs[0]
    else:
        try:
            structure = model.input
        except AttributeError:
            structure = None
    if structure is None:
        raise ValueError(
            "export_for_serving derives the input signature from `model.inputs`, "
            "which only functional and Sequential models have. Pass "
            "`input_signature=` (e.g. `tf.TensorSpec((None, 32, 32, 3), "
            '"uint8", name="image")`) for a subclassed model. '
            f"Received: model={type(model).__name__}"
        )
    return normalize_signature(structure)


def normalize_signature(structure):
    """Converts a spec, list of specs or dict of specs to named `tf.TensorSpec`s.

    Every spec gets a name, since TF Serving addresses inputs by name: its own,
    else its dict key, else `inputs` / `inputs_<i>`. Names must be unique.
    """
    if isinstance(structure, dict):
        signature = {
            key: _to_tensor_spec(value, default_name=str(key))
            for key, value in structure.items()
        }
        leaves = list(signature.values())
    elif isinstance(structure, (list, tuple)):
        signature = [
            _to_tensor_spec(value, default_name=f"inputs_{i}")
            for i, value in enumerate(structure)
        ]
        leaves = signature
    else:
        signature = _to_tensor_spec(structure, default_name="inputs")
        leaves = [signature]
    if not leaves:
        raise ValueError(
            "The input signature must hold at least one input. "
            f"Received: input_signature={structure!r}"
        )
    names = [spec.name for spec in leaves]
    if len(set(names)) != len(names):
        raise ValueError(
            "Serving input names must be unique; name the model inputs "
            f"(`keras.Input(..., name=...)`). Received input names: {names}"
        )
    return signature


def _to_tensor_spec(value, default_name):
    if isinstance(value, tf.TensorSpec):
        shape, dtype, name = value.shape, value.dtype, value.name
    elif isinstance(value, keras.InputSpec):
        if value.shape is None or value.dtype is None:
            raise ValueError(
                "A `keras.InputSpec` in the input signature needs a shape and a "
                f"dtype. Received: {value!r}"
            )
        shape, dtype, name = value.shape, value.dtype, value.name
    elif isinstance(value, keras.KerasTensor):
        if value.sparse or value.ragged:
            raise ValueError(
                "TF Serving signatures take dense inputs only. Received: a "
                f"sparse or ragged input {value.name!r}"
            )
        shape = (None,) + tuple(value.shape[1:])
        dtype, name = value.dtype, value.name
    else:
        raise TypeError(
            "Each input signature entry must be a `tf.TensorSpec`, a "
            "`keras.InputSpec` or a `keras.KerasTensor` (list or dict of them "
            f"for several inputs). Received: {value!r} of type {type(value)}"
        )
    return tf.TensorSpec(shape, tf.as_dtype(dtype), name=name or default_name)


def match_batch(signature, values, arg_name):
    """Matches arrays to a normalized signature.

    Args:
        signature: what `normalize_signature` returns.
        values: an array for a single input, a list of arrays in signature order
            or a dict keyed like the signature.
        arg_name: the argument name to use in error messages.

    Returns:
        A dict from serving input name to a numpy array of the signature dtype.
    """
    if isinstance(signature, dict):
        if not isinstance(values, dict) or set(values) != set(signature):
            received = (
                f"keys {sorted(values)}"
                if isinstance(values, dict)
                else f"of type {type(values).__name__}"
            )
            raise ValueError(
                f"`{arg_name}` must be a dict with keys {sorted(signature)}. "
                f"Received: {arg_name} {received}"
            )
        pairs = [(signature[key], values[key]) for key in signature]
    elif isinstance(signature, list):
        if not isinstance(values, (list, tuple)) or len(values) != len(signature):
            raise ValueError(
                f"`{arg_name}` must be a list of {len(signature)} arrays, one per "
                f"model input {[spec.name for spec in signature]}. "
                f"Received: {arg_name} of type {type(values).__name__}"
            )
        pairs = list(zip(signature, values, strict=True))
    else:
        if isinstance(values, dict):
            raise ValueError(
                f"`{arg_name}` must be one array for the single model input "
                f"{signature.name!r}. Received: {arg_name} of type dict"
            )
        pairs = [(signature, values)]

    arrays = {}
    batch_sizes = set()
    for spec, value in pairs:
        array = _cast(spec, value, arg_name)
        if array.ndim == 0 or not spec.shape.is_compatible_with(array.shape):
            raise ValueError(
                f"`{arg_name}` for input {spec.name!r} must have shape "
                f"{tuple(spec.shape)} (None: any size). "
                f"Received: {arg_name}[{spec.name!r}].shape={array.shape}"
            )
        batch_sizes.add(array.shape[0])
        arrays[spec.name] = array
    if len(batch_sizes) != 1 or 0 in batch_sizes:
        raise ValueError(
            f"`{arg_name}` must be one non-empty batch: every input needs the "
            "same number of samples, at least 1. Received batch sizes: "
            f"{ {name: a.shape[0] for name, a in arrays.items()} }"
        )
    return arrays


def _cast(spec, value, arg_name):
    try:
        array = np.asarray(value)
    except ValueError as error:
        raise ValueError(
            f"`{arg_name}` for input {spec.name!r} must be an array. "
            f"Received: {arg_name} that numpy cannot convert ({error})"
        ) from None
    if spec.dtype == tf.string:
        if array.dtype.kind not in "SUO":
            raise ValueError(
                f"`{arg_name}` for input {spec.name!r} must hold strings. "
                f"Received: dtype={array.dtype}"
            )
        return array.astype(object)
    target = np.dtype(spec.dtype.as_numpy_dtype)
    if not np.can_cast(array.dtype, target, casting="same_kind"):
        raise ValueError(
            f"`{arg_name}` for input {spec.name!r} must be castable to "
            f"{target.name}. Received: dtype={array.dtype}"
        )
    return array.astype(target)
