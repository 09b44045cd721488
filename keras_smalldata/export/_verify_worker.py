"""Runs an exported SavedModel the way a serving host does: TensorFlow alone.

`verify_export` runs this file's source with `python -c <source> <path>
<workdir>`; it is not meant to be imported. It feeds the arrays of
`workdir/inputs.npz` (named by `workdir/inputs.json`) to the `serving_default`
signature twice and writes `outputs_0.npz`, `outputs_1.npz` and `report.json`
to `workdir`.
"""

import sys

# A serving host has TensorFlow but neither keras_smalldata nor Keras. `None` in
# `sys.modules` makes `import name` raise ModuleNotFoundError and makes
# `importlib.util.find_spec(name)` report the module as absent, which is how
# TensorFlow probes for Keras when it is imported.
BLOCKED = ("keras_smalldata", "keras", "tf_keras")
for _name in BLOCKED:
    sys.modules[_name] = None

import json  # noqa: E402
import os  # noqa: E402


def _probe_blocked():
    results = {}
    for name in BLOCKED:
        try:
            __import__(name)
        except ImportError as error:
            results[name] = f"{type(error).__name__}: {error}"
        else:
            results[name] = "importable"
    return results


def _to_numpy(tensor):
    array = tensor.numpy()
    # String outputs come back as object arrays, which .npz cannot hold safely.
    return array.astype(bytes) if array.dtype == object else array


def main(path, workdir):
    report = {"blocked": _probe_blocked()}

    import numpy as np
    import tensorflow as tf

    with open(os.path.join(workdir, "inputs.json")) as file:
        names = json.load(file)["names"]
    with np.load(os.path.join(workdir, "inputs.npz"), allow_pickle=False) as data:
        feed = {name: tf.constant(data[f"input_{i}"]) for i, name in enumerate(names)}

    function = tf.saved_model.load(path).signatures["serving_default"]
    for call in range(2):
        outputs = function(**feed)
        report["output_names"] = list(outputs)
        np.savez(
            os.path.join(workdir, f"outputs_{call}.npz"),
            **{
                f"output_{i}": _to_numpy(outputs[name])
                for i, name in enumerate(outputs)
            },
        )
    report["loaded"] = sorted(
        name
        for name, module in sys.modules.items()
        if module is not None and name.split(".")[0] in BLOCKED
    )
    with open(os.path.join(workdir, "report.json"), "w") as file:
        json.dump(report, file)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
