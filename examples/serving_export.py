"""Export a digits classifier with augmentation layers for TensorFlow Serving.

A small CNN on the 8x8 digits (10 labelled digits per class) holds Keras'
`RandomRotation` and `RandomZoom` and keras_smalldata's `RandomApply` and
`TrivialAugment`. After training it is exported twice:

- `model.export(path)`, Keras' own: Keras' image layers keep augmenting in the
  SavedModel, so two identical requests get different answers, and neither is
  `model.predict`'s;
- `keras_smalldata.export.export_for_serving(model, path)`: every layer runs
  with `training=False`; `verify_export` loads it in a separate process with
  TensorFlow alone, as TF Serving does, and checks it against `model.predict`.

Prints the test accuracy, the largest difference between two identical
requests and from `model.predict` for each export, and the files of the
versioned export. Runs offline; the exports go to `--out`.

Usage:

    python examples/serving_export.py --out serving_models
    python examples/serving_export.py --quick --out serving_models   # fewer epochs
"""

import argparse
import os
import pathlib
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_smalldata.export  # noqa: E402
import keras_smalldata.layers as ksl  # noqa: E402
from keras_smalldata.datasets import few_shot_split, load_digits  # noqa: E402


def build_model(seed=0):
    """A small CNN for 8x8 digits in [0, 1] with augmentation layers inside."""
    inputs = keras.Input((8, 8, 1), name="image")
    x = keras.layers.RandomRotation(0.05, fill_mode="constant", seed=seed)(inputs)
    x = keras.layers.RandomZoom(0.1, fill_mode="constant", seed=seed + 1)(x)
    x = ksl.RandomApply(
        ksl.TrivialAugment(value_range=(0, 1), seed=seed + 2), rate=0.5, seed=seed
    )(x)
    x = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.2)(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="probabilities")(x)
    model = keras.Model(inputs, outputs)
    model.compile(
        keras.optimizers.Adam(3e-3),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=False,
    )
    return model


def served_differences(path, images, expected):
    """Calls a SavedModel's `serve` signature twice, in this process.

    Returns:
        `(between_calls, from_expected)`: the largest absolute difference
        between the two answers, and between the first answer and `expected`.
    """
    serve = tf.saved_model.load(str(path)).signatures["serve"]
    (name,) = serve.structured_input_signature[1]
    first, second = (
        next(iter(serve(**{name: tf.constant(images)}).values())).numpy()
        for _ in range(2)
    )
    return float(np.abs(first - second).max()), float(np.abs(first - expected).max())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs")
    parser.add_argument("--out", default="serving_models", help="export folder")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out_dir = pathlib.Path(args.out)
    start = time.perf_counter()

    x, y = load_digits()
    (x_train, y_train), (x_test, y_test) = few_shot_split(
        x, y, per_class=10, seed=args.seed
    )
    keras.utils.set_random_seed(args.seed)
    model = build_model(args.seed)
    model.fit(
        x_train, y_train, epochs=15 if args.quick else 60, batch_size=20, verbose=0
    )
    images = x_test[:64]
    expected = model.predict(images, verbose=0)
    accuracy = float(np.mean(np.argmax(model.predict(x_test, verbose=0), -1) == y_test))
    print(f"Trained on {len(x_train)} digits; test accuracy {accuracy:.3f}")

    plain = out_dir / "keras_export"
    model.export(str(plain), verbose=False)
    between, from_predict = served_differences(plain, images, expected)
    print(
        f"\nmodel.export: two identical requests differ by up to {between:.3f}, "
        f"and from model.predict by up to {from_predict:.3f} (probabilities)"
    )

    path = pathlib.Path(
        keras_smalldata.export.export_for_serving(
            model, out_dir / "digits", warmup_inputs=images[:1]
        )
    )
    between, from_predict = served_differences(path, images, expected)
    print(
        f"export_for_serving: identical requests differ by {between:.1e}, "
        f"from model.predict by {from_predict:.1e}"
    )
    max_diff = keras_smalldata.export.verify_export(
        path, images, expected=expected, atol=1e-5
    )
    print(
        "verify_export (TensorFlow alone, separate process): passed, "
        f"largest difference {max_diff:.1e}"
    )
    print(f"\nServe {out_dir / 'digits'} with TF Serving; version {path.name}:")
    for file in sorted(path.rglob("*")):
        if file.is_file():
            print(f"  {file.relative_to(out_dir)}")
    print(f"({time.perf_counter() - start:.0f} s)")
    return path


if __name__ == "__main__":
    main()
