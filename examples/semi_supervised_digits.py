"""Five labelled digits per class, 450 unlabeled: `SemiSupervised` at work.

Splits scikit-learn's digits as the study does: a pool of 50 images per class,
`--per-class` of them labelled, the rest of the pool unlabeled (their labels
are passed only to log the accuracy of the pseudo-labels), every image outside
the pool as the test set. Trains a small CNN with
`keras_smalldata.models.SemiSupervised` and draws one figure (`--out`): a few
unlabeled digits with their weak and strong views, and, per epoch, the mask
rate (the share of unlabeled images whose pseudo-label is used), the accuracy
of those pseudo-labels and the test accuracy.

    python examples/semi_supervised_digits.py                # 1,000 steps
    python examples/semi_supervised_digits.py --quick        # a fast look
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_smalldata  # noqa: E402

POOL = 50
SHOWN = 6
EPOCHS = 10  # points on the training curves


def classifier():
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
            keras.layers.Conv2D(64, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Dropout(0.25),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def split(per_class, seed):
    """`(labelled, unlabeled, test)`, each an `(x, y)` pair."""
    x, y = keras_smalldata.datasets.load_digits()
    few_shot = keras_smalldata.datasets.few_shot_split
    pool, test = few_shot(x, y, POOL, seed=seed)
    labelled, unlabeled = few_shot(*pool, per_class, seed=seed)
    return labelled, unlabeled, test


def steps_per_epoch(steps):
    return max(1, steps // EPOCHS)


def train(per_class, steps, seed):
    """The fitted model, its history and the three splits."""
    labelled, unlabeled, test = split(per_class, seed)
    keras.utils.set_random_seed(seed)
    model = keras_smalldata.models.SemiSupervised(
        classifier(), value_range=(0, 1), seed=seed
    )
    model.compile(optimizer=keras.optimizers.Adam(3e-3), metrics=["accuracy"])
    data = keras_smalldata.data.semi_supervised_dataset(
        *labelled,
        unlabeled[0],
        batch_size=32,
        ratio=3,
        steps_per_epoch=steps_per_epoch(steps),
        y_unlabeled=unlabeled[1],
        seed=seed,
    )
    history = model.fit(data, epochs=EPOCHS, validation_data=test, verbose=0)
    return model, history.history, (labelled, unlabeled, test)


def views_and_curves(model, history, unlabeled, epoch_steps):
    """The figure: weak and strong views (left), training curves (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images = unlabeled[:SHOWN]
    rows = {
        "unlabeled": images,
        "weak view": model.weak_augmentation(images, training=True),
        "strong view": model.strong_augmentation(images, training=True),
    }
    figure = plt.figure(figsize=(11, 4))
    grid = figure.add_gridspec(
        3, SHOWN + 2, width_ratios=[1] * SHOWN + [0.4, SHOWN * 0.9], wspace=0.08
    )
    for row, (name, batch) in enumerate(rows.items()):
        batch = keras.ops.convert_to_numpy(batch)
        for column in range(SHOWN):
            axis = figure.add_subplot(grid[row, column])
            axis.imshow(batch[column, ..., 0], cmap="gray_r", vmin=0, vmax=1)
            axis.set_xticks([])
            axis.set_yticks([])
            if column == 0:
                axis.set_ylabel(name, fontsize=9)
    curves = figure.add_subplot(grid[:, SHOWN + 1])
    steps = epoch_steps * np.arange(1, len(history["mask_rate"]) + 1)
    curves.plot(steps, history["mask_rate"], label="mask rate")
    curves.plot(steps, history["pseudo_label_accuracy"], label="pseudo-label accuracy")
    curves.plot(steps, history["val_accuracy"], label="test accuracy")
    curves.set_xlabel("training steps")
    curves.set_ylim(0, 1.02)
    curves.grid(alpha=0.3)
    curves.legend(loc="lower right", fontsize=9)
    figure.subplots_adjust(left=0.04, right=0.98, top=0.95, bottom=0.13)
    return figure


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=5)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="semi_supervised.png")
    parser.add_argument("--quick", action="store_true", help="50 steps")
    args = parser.parse_args(argv)
    steps = 50 if args.quick else args.steps
    model, history, (_, unlabeled, _) = train(args.per_class, steps, args.seed)
    print(
        f"{args.per_class} labelled per class, {len(unlabeled[0])} unlabeled, "
        f"{steps} steps: test accuracy {history['val_accuracy'][-1]:.3f}, "
        f"mask rate {history['mask_rate'][-1]:.2f}, pseudo-label accuracy "
        f"{history['pseudo_label_accuracy'][-1]:.3f}"
    )
    figure = views_and_curves(model, history, unlabeled[0], steps_per_epoch(steps))
    figure.savefig(args.out, dpi=100)
    print(f"figure: {args.out}")
    return history


if __name__ == "__main__":
    main()
