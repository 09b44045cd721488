"""MixUp, CutMix and test-time augmentation on a few labelled 8x8 digits.

Shows a batch of digits after `keras_smalldata.data.mixup` and
`keras_smalldata.data.cutmix`, each with its soft label, then trains the same
small CNN (which shifts its inputs by up to a pixel while training) on 10
digits per class three ways (no mixing, mixup, cutmix, each in a `tf.data`
pipeline) and scores it on the other digits, alone and wrapped in
`keras_smalldata.models.TestTimeAugmentation` (the prediction averaged over the
digit and 7 views shifted the same way). Prints the table of test accuracies and
writes the mixed batches to a PNG. Runs offline.

Usage:

    python examples/mixing_and_tta.py --out figures/            # 3 repeats
    python examples/mixing_and_tta.py --quick --out figures/    # 1 repeat, short
"""

import argparse
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_smalldata.data as ksd  # noqa: E402
from keras_smalldata.datasets import few_shot_split, load_digits  # noqa: E402
from keras_smalldata.models import TestTimeAugmentation  # noqa: E402

NUM_CLASSES = 10
MIXES = ("none", "mixup", "cutmix")


def mixed_batch(x, y, mix, seed=0):
    """One batch of `x` (one-hot `y`) through `mixup` or `cutmix`."""
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(len(x))
    mixing = {"mixup": ksd.mixup, "cutmix": ksd.cutmix}[mix]
    images, labels = next(iter(mixing(dataset, seed=seed)))
    return images.numpy(), labels.numpy()


def mixing_figure(batches):
    """Figure: one row per mixing, each image titled with its two top labels."""
    from matplotlib.figure import Figure

    columns = len(next(iter(batches.values()))[0])
    figure = Figure(figsize=(1.25 * columns, 1.6 * len(batches)), layout="constrained")
    axes = figure.subplots(len(batches), columns, squeeze=False)
    for row, (mix, (images, labels)) in enumerate(batches.items()):
        for col in range(columns):
            ax = axes[row, col]
            ax.imshow(images[col, ..., 0], cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            top = np.argsort(labels[col])[::-1][:2]
            ax.set_title(
                " + ".join(
                    f"{labels[col][k]:.2f}·{k}" for k in top if labels[col][k] > 0.005
                ),
                fontsize=8,
            )
        axes[row, 0].set_ylabel(mix, fontsize=10)
    figure.suptitle("Mixed digits and their soft labels (weight·class)")
    return figure


def build_cnn(seed=0):
    """A small CNN for 8x8 digits that shifts them in training (`shifts`)."""
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            shifts(seed),
            keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )
    model.compile(
        keras.optimizers.Adam(3e-3), "categorical_crossentropy", jit_compile=False
    )
    return model


def shifts(seed=0):
    """Shifts by up to one pixel, empty border: in training and for TTA views."""
    return keras.layers.RandomTranslation(1 / 8, 1 / 8, fill_mode="constant", seed=seed)


def train(mix, x, y, epochs, seed):
    """Trains `build_cnn` on `(x, one-hot y)` with `mix` in the data path."""
    keras.utils.set_random_seed(seed)
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    dataset = dataset.shuffle(len(x), seed=seed).batch(20)
    if mix != "none":
        dataset = {"mixup": ksd.mixup, "cutmix": ksd.cutmix}[mix](dataset, seed=seed)
    model = build_cnn(seed)
    model.fit(dataset, epochs=epochs, shuffle=False, verbose=0)
    return model


def accuracy(model, x, y):
    """Accuracy of `model`'s predictions on `(x, integer y)`."""
    return float(np.mean(np.argmax(model.predict(x, verbose=0), -1) == y))


def run(repeats, epochs, per_class=10):
    """Trains every mixing on `repeats` few-shot draws.

    Returns:
        dict `{mix: {"plain": [accuracies], "tta": [accuracies]}}`.
    """
    x, y = load_digits()
    results = {mix: {"plain": [], "tta": []} for mix in MIXES}
    for repeat in range(repeats):
        (x_train, y_train), (x_test, y_test) = few_shot_split(
            x, y, per_class=per_class, seed=repeat
        )
        one_hot = keras.utils.to_categorical(y_train, NUM_CLASSES)
        for mix in MIXES:
            model = train(mix, x_train, one_hot, epochs, seed=repeat)
            tta = TestTimeAugmentation(model, shifts(repeat), num_views=8, seed=0)
            results[mix]["plain"].append(accuracy(model, x_test, y_test))
            results[mix]["tta"].append(accuracy(tta, x_test, y_test))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 repeat, 20 epochs")
    parser.add_argument("--out", default=".", help="folder for the PNG")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out_dir = pathlib.Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)

    x, y = load_digits()
    picked = np.random.default_rng(args.seed).choice(len(x), 8, replace=False)
    one_hot = keras.utils.to_categorical(y[picked], NUM_CLASSES)
    batches = {
        "original": (x[picked], one_hot),
        "mixup": mixed_batch(x[picked], one_hot, "mixup", args.seed),
        "cutmix": mixed_batch(x[picked], one_hot, "cutmix", args.seed),
    }
    path = out_dir / "mixing.png"
    mixing_figure(batches).savefig(path, dpi=90)

    repeats, epochs = (1, 20) if args.quick else (3, 60)
    results = run(repeats, epochs)
    print(f"Test accuracy, 10 digits per class, {repeats} repeat(s), mean:")
    print(f"  {'mixing':<8} {'plain':>6} {'+ TTA':>6}")
    for mix, scores in results.items():
        plain, tta = np.mean(scores["plain"]), np.mean(scores["tta"])
        print(f"  {mix:<8} {plain:>6.3f} {tta:>6.3f}")
    print(f"\nWrote {path}")
    return results


if __name__ == "__main__":
    main()
