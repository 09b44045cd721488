"""`verify_export`: run an exported model as a serving host would, and check it."""

import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

from keras_smalldata._validation import check_non_negative
from keras_smalldata.export import _signature

_WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_verify_worker.py")


def verify_export(path, inputs, expected=None, atol=1e-5):
    """Checks an exported SavedModel the way a serving host runs it.

    Loads `path` with `tf.saved_model.load` in a separate Python process (the
    same interpreter) in which neither `keras_smalldata` nor Keras can be
    imported, as on a serving host that has TensorFlow alone, so the check
    fails if the export still needs this package's code. There it calls the
    `serving_default` signature, the one TF Serving uses, twice on `inputs`.
    The two calls must agree (no augmentation or dropout left active) and
    match `expected` when it is given, within `atol`.

    Args:
        path: `str` or `os.PathLike`. A SavedModel directory, such as the path
            `keras_smalldata.export.export_for_serving` returns.
        inputs: One batch: an array for a single-input model, or a dict of
            arrays keyed by the signature's input names (the model's input
            names). Arrays are cast to the signature's dtypes where numpy's
            `same_kind` casting allows it (`int64` to `uint8`, `float64` to
            `float32`, not `float32` to `uint8`).
        expected: The outputs the served model must give, typically
            `model.predict(inputs)`: an array for a single output, a list
            of arrays in output order, or a dict keyed by output name.
            Defaults to `None`: only determinism is checked.
        atol: `float`. The largest absolute difference accepted, between the
            two calls and between a call and `expected`. Defaults to `1e-5`.

    Returns:
        The largest absolute difference found, as a float: between the two
        calls, and between the first call and `expected` when given.

    Raises:
        AssertionError: if the two calls differ, or differ from `expected`, by
            more than `atol`, or output shapes differ from `expected`. The
            message gives the output name, the largest difference and `atol`.
        ValueError: if an argument is invalid, the SavedModel has no
            `serving_default` signature, or `inputs` / `expected` do not fit it
            (names, shapes, dtypes, number of outputs). These are checked
            before the separate process starts.
        RuntimeError: if `saved_model.pb` (or `.pbtxt`) is corrupt, truncated
            or unreadable, or the separate process fails, e.g. the SavedModel
            does not load; the message names `path` and, for a failed
            process, ends with its error output.

    Example:

    >>> model = keras.Sequential(
    ...     [keras.Input((4,)), keras.layers.Dropout(0.5), keras.layers.Dense(2)]
    ... )
    >>> path = keras_smalldata.export.export_for_serving(model, "models/tiny")
    >>> x = np.ones((3, 4), dtype="float32")
    >>> max_diff = keras_smalldata.export.verify_export(
    ...     path, x, expected=model.predict(x, verbose=0), atol=1e-5
    ... )
    >>> max_diff <= 1e-5
    True
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            "`path` must be a SavedModel directory path. "
            f"Received: path={path!r} of type {type(path)}"
        )
    path = os.path.abspath(os.fspath(path))
    if not any(
        os.path.isfile(os.path.join(path, name))
        for name in ("saved_model.pb", "saved_model.pbtxt")
    ):
        raise ValueError(
            "`path` must be a SavedModel directory (holding saved_model.pb), "
            "such as the path export_for_serving returns, not its parent "
            f"`export_dir`. Received: path={path!r}"
        )
    atol = check_non_negative(atol, "atol")
    # Arguments are checked against the signature before the slow part, a
    # process that imports TensorFlow.
    specs, output_names = _read_serving_signature(path)
    if isinstance(inputs, dict) or len(specs) != 1:
        arrays = _signature.match_batch(specs, inputs, "inputs")
    else:
        arrays = _signature.match_batch(next(iter(specs.values())), inputs, "inputs")
    expected = None if expected is None else _expected_by_name(expected, output_names)

    with tempfile.TemporaryDirectory(prefix="keras_smalldata-verify-") as workdir:
        with open(os.path.join(workdir, "inputs.json"), "w") as file:
            json.dump({"names": list(arrays)}, file)
        np.savez(
            os.path.join(workdir, "inputs.npz"),
            **{f"input_{i}": _storable(a) for i, a in enumerate(arrays.values())},
        )
        _, calls = _run_worker(path, workdir)

    first, second = calls
    max_diff = 0.0
    for name in first:
        diff = _max_abs_diff(first[name], second[name])
        if diff > atol:
            raise AssertionError(
                f"The served model is not deterministic: two calls of "
                f"serving_default on the same inputs differ by up to {diff:.6g} "
                f"on output {name!r} (atol={atol}). A random layer (augmentation, "
                "dropout) still runs in training mode; export with "
                "keras_smalldata.export.export_for_serving."
            )
        max_diff = max(max_diff, diff)
    if expected is not None:
        for name, want in expected.items():
            got = first[name]
            if got.shape != want.shape:
                raise AssertionError(
                    f"Output {name!r} of the served model has shape {got.shape}, "
                    f"`expected` has shape {want.shape}."
                )
            diff = _max_abs_diff(got, want)
            if diff > atol:
                raise AssertionError(
                    f"Output {name!r} of the served model differs from "
                    f"`expected` by up to {diff:.6g} (atol={atol})."
                )
            max_diff = max(max_diff, diff)
    return max_diff


def _read_serving_signature(path):
    """Returns the `serving_default` input specs by name, and its output names.

    Read from the SavedModel's protocol buffer, without loading the model.
    """
    import tensorflow as tf
    from google.protobuf import text_format
    from tensorflow.core.protobuf import saved_model_pb2

    saved_model = saved_model_pb2.SavedModel()
    binary = os.path.join(path, "saved_model.pb")
    source = binary if os.path.isfile(binary) else binary + "txt"
    try:
        if source == binary:
            with open(binary, "rb") as file:
                saved_model.ParseFromString(file.read())
        else:
            with open(source, encoding="utf-8") as file:
                text_format.Parse(file.read(), saved_model)
    except Exception as error:  # DecodeError, ParseError, UnicodeError, OSError
        raise RuntimeError(
            f"The SavedModel at {path!r} cannot be read: "
            f"{os.path.basename(source)} is corrupt, truncated or unreadable "
            f"({type(error).__name__}: {error}). Export it again."
        ) from error
    if not saved_model.meta_graphs:
        # An empty file parses as an empty SavedModel.
        raise RuntimeError(
            f"The SavedModel at {path!r} cannot be read: "
            f"{os.path.basename(source)} holds no meta graph (an empty or "
            "truncated file). Export it again."
        )
    signatures = {}
    for meta_graph in saved_model.meta_graphs:
        if "serve" in meta_graph.meta_info_def.tags:
            signatures = meta_graph.signature_def
    if "serving_default" not in signatures:
        raise ValueError(
            "TF Serving needs a `serving_default` signature in the meta graph "
            f"tagged `serve`. Received: path={path!r} with signatures "
            f"{sorted(signatures)}"
        )
    signature = signatures["serving_default"]
    specs = {}
    for name, info in signature.inputs.items():
        shape = info.tensor_shape
        dims = (
            None
            if shape.unknown_rank
            else [d.size if d.size >= 0 else None for d in shape.dim]
        )
        specs[name] = tf.TensorSpec(dims, tf.as_dtype(info.dtype), name=name)
    return specs, list(signature.outputs)


def _run_worker(path, workdir):
    """Runs `_verify_worker.py` on `path` in a process without keras_smalldata.

    Returns:
        `(report, [outputs of call 1, outputs of call 2])`, outputs being dicts
        from output name to array.
    """
    with open(_WORKER) as file:
        source = file.read()
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # The cwd is the scratch directory, so the repository (or wherever the
    # caller runs) is not on the worker's sys.path either.
    result = subprocess.run(
        [sys.executable, "-c", source, path, workdir],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
    )
    report_path = os.path.join(workdir, "report.json")
    if result.returncode != 0 or not os.path.exists(report_path):
        raise RuntimeError(
            f"Running the SavedModel at {path!r} in a separate TensorFlow-only "
            f"process failed (exit code {result.returncode}):\n"
            f"{result.stderr[-3000:]}"
        )
    with open(report_path) as file:
        report = json.load(file)
    leaked = [name for name, how in report["blocked"].items() if how == "importable"]
    if leaked or report["loaded"]:
        raise RuntimeError(
            "verify_export could not keep Keras and keras_smalldata out of its "
            "serving process, so it cannot tell whether the export runs without "
            f"them. Received: importable={leaked}, loaded={report['loaded']}"
        )
    calls = []
    for call in range(2):
        npz = os.path.join(workdir, f"outputs_{call}.npz")
        with np.load(npz, allow_pickle=False) as data:
            calls.append(
                {
                    name: data[f"output_{i}"]
                    for i, name in enumerate(report["output_names"])
                }
            )
    return report, calls


def _storable(array):
    # Strings arrive as object arrays, which .npz only holds by pickling.
    return array.astype(bytes) if array.dtype == object else array


def _expected_by_name(expected, output_names):
    if isinstance(expected, dict):
        if set(expected) != set(output_names):
            raise ValueError(
                f"`expected` as a dict must have the signature's output names "
                f"{sorted(output_names)} as keys. "
                f"Received: expected keys {sorted(expected)}"
            )
        return {name: np.asarray(value) for name, value in expected.items()}
    if isinstance(expected, (list, tuple)):
        indices = [re.fullmatch(r"output_(\d+)", name) for name in output_names]
        if not all(indices) or len(expected) != len(output_names):
            raise ValueError(
                f"`expected` as a list must hold one array per output, in order; "
                f"the signature's outputs are {output_names}. "
                f"Received: expected of length {len(expected)}"
            )
        ordered = sorted(output_names, key=lambda name: int(name.split("_")[-1]))
        return {
            name: np.asarray(value)
            for name, value in zip(ordered, expected, strict=True)
        }
    if len(output_names) != 1:
        raise ValueError(
            f"The signature has several outputs {output_names}; pass `expected` "
            "as a list or dict. Received: expected=a single array"
        )
    return {output_names[0]: np.asarray(expected)}


def _max_abs_diff(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return float("inf")
    if a.size == 0:
        return 0.0
    if a.dtype.kind in "SUO" or b.dtype.kind in "SUO":
        return 0.0 if np.array_equal(a, b) else float("inf")
    a, b = a.astype(np.float64), b.astype(np.float64)
    both_nan = np.isnan(a) & np.isnan(b)
    diff = np.abs(a - b)
    diff[both_nan] = 0.0
    diff[np.isnan(diff)] = np.inf
    return float(diff.max())
