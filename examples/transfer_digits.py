"""Transfer learning on the 8x8 digits: pretrain on 0-4, learn 5-9 from a few.

A small CNN backbone with BatchNormalization is pretrained on every sample of
the digits 0 to 4. The digits 5 to 9 are then learnt from 5 or 10 samples per
class, four ways:

- scratch: the same CNN, randomly initialised, trained end to end;
- frozen: the pretrained backbone frozen, only a new head trained;
- fine_tune: `keras_smalldata.transfer.fine_tune`, the head first, then
  everything with discriminative learning rates, BatchNorm kept frozen;
- gradual: `keras_smalldata.callbacks.GradualUnfreezing` with
  `discriminative_optimizer`, one more layer trainable every few epochs of a
  single `fit`.

Every method trains for the same number of steps, drawn from a shuffled,
repeated `tf.data` pipeline. Accuracy is measured on all the other samples of
5-9 and summarised over repeats, each with its own few-shot draw. Runs offline.

Usage:

    python examples/transfer_digits.py            # 5 repeats, a few minutes
    python examples/transfer_digits.py --quick    # 1 repeat of 5 per class
    python examples/transfer_digits.py --out transfer_digits.png  # and a bar chart
"""

import argparse
import dataclasses
import os
import statistics
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf

import keras_smalldata.transfer as kst
from keras_smalldata.callbacks import GradualUnfreezing
from keras_smalldata.datasets import few_shot_split, load_digits

METHODS = ("scratch", "frozen", "fine_tune", "gradual")
NUM_CLASSES = 5
LEARNING_RATE = 3e-3


@dataclasses.dataclass(frozen=True)
class Budget:
    """Training lengths: every method gets `epochs * steps_per_epoch` steps."""

    pretrain_steps: int = 400
    epochs: int = 12
    steps_per_epoch: int = 20
    batch_size: int = 32


FULL = Budget()
QUICK = Budget(pretrain_steps=150, epochs=3, steps_per_epoch=5)


def load_tasks():
    """The pretraining task (digits 0-4) and the target task (5-9 as 0-4).

    Returns:
        `(x_source, y_source), (x_target, y_target)`: images of shape
        `(n, 8, 8, 1)` in [0, 1] and labels in 0-4.
    """
    x, y = load_digits()
    source = y < NUM_CLASSES
    return (x[source], y[source]), (x[~source], y[~source] - NUM_CLASSES)


def build_backbone():
    """A small CNN, 8x8x1 images to 4x4x32 features, BatchNorm after each conv."""
    inputs = keras.Input((8, 8, 1))
    x = inputs
    for index, filters in enumerate((16, 16, 32, 32)):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        # A short memory, so the moving statistics settle within pretraining.
        x = keras.layers.BatchNormalization(momentum=0.9)(x)
        x = keras.layers.ReLU()(x)
        if index == 1:
            x = keras.layers.MaxPooling2D()(x)
    return keras.Model(inputs, x, name="backbone")


def train_dataset(x, y, batch_size, steps, seed):
    """An epoch of `steps` batches from the samples repeated, reshuffled each time.

    A fixed number of steps rather than passes over the data: 25 samples
    make batches of 32 by repeating, and every method trains equally long.
    """
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return dataset.repeat().batch(batch_size).take(steps)


def pretrain(x, y, budget, seed=0):
    """Trains the backbone with a temporary head on the source task."""
    keras.utils.set_random_seed(seed)
    backbone = build_backbone()
    model = keras.Sequential(
        [
            backbone,
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(NUM_CLASSES, activation="softmax"),
        ]
    )
    _compile(model, keras.optimizers.Adam(1e-3))
    data = train_dataset(x, y, 64, budget.pretrain_steps, seed)
    model.fit(data, epochs=1, verbose=0)
    return backbone, accuracy(model, x, y)


def train(method, weights_path, train_data, budget):
    """Trains a classifier for the target task by `method`; returns it."""
    if method == "scratch":
        model = kst.build_classifier(
            build_backbone(), NUM_CLASSES, weights=None, inference_mode=False
        )
        kst.unfreeze(model, keep_batchnorm_frozen=False)  # BatchNorm learns too
    else:
        model = kst.build_classifier(
            build_backbone(), NUM_CLASSES, weights=weights_path
        )
    backbone = model.get_layer("backbone")
    epochs = budget.epochs

    if method in ("scratch", "frozen"):
        _compile(model, keras.optimizers.Adam(LEARNING_RATE))
        model.fit(train_data, epochs=epochs, verbose=0)
    elif method == "fine_tune":
        _compile(model, keras.optimizers.Adam(LEARNING_RATE))
        freeze_epochs = max(1, epochs // 3)
        kst.fine_tune(
            model,
            train_data,
            epochs=epochs - freeze_epochs,
            freeze_epochs=freeze_epochs,
            base_lr=LEARNING_RATE,
        )
    elif method == "gradual":
        _compile(model, kst.discriminative_optimizer(model, LEARNING_RATE))
        # The head alone first, then one more layer every `every` epochs.
        start_epoch = max(1, epochs // 3)
        every = max(1, (epochs - start_epoch) // 4)
        callback = GradualUnfreezing(backbone.layer, every, start_epoch=start_epoch)
        model.fit(train_data, epochs=epochs, callbacks=[callback], verbose=0)
    else:
        raise ValueError(f"`method` must be one of {METHODS}. Received: {method!r}")
    return model


def accuracy(model, x, y):
    """Accuracy of `model` on `(x, y)`, in inference mode."""
    predictions = np.argmax(model(x, training=False), axis=-1)
    return float(np.mean(predictions == y))


def _compile(model, optimizer):
    # Tiny models: XLA's compile time outweighs what it saves.
    model.compile(optimizer, "sparse_categorical_crossentropy", jit_compile=False)


def run_comparison(shots=(5, 10), repeats=5, budget=FULL, log=print):
    """Pretrains once, then trains every method on every few-shot draw.

    Returns:
        A dict `{(shots, method): {"accuracy": [...], "seconds": [...]}}`,
        one entry per repeat.
    """
    (x_source, y_source), (x_target, y_target) = load_tasks()
    backbone, source_accuracy = pretrain(x_source, y_source, budget)
    log(f"Backbone pretrained on digits 0-4: training accuracy {source_accuracy:.3f}")
    results = {}
    with tempfile.TemporaryDirectory() as directory:
        weights_path = os.path.join(directory, "backbone.weights.h5")
        backbone.save_weights(weights_path)
        for per_class in shots:
            for repeat in range(repeats):
                (x_train, y_train), (x_test, y_test) = few_shot_split(
                    x_target, y_target, per_class=per_class, seed=repeat
                )
                for method in METHODS:
                    keras.utils.set_random_seed(1000 * per_class + repeat)
                    start = time.perf_counter()
                    data = train_dataset(
                        x_train,
                        y_train,
                        budget.batch_size,
                        budget.steps_per_epoch,
                        seed=repeat,
                    )
                    model = train(method, weights_path, data, budget)
                    seconds = time.perf_counter() - start
                    score = accuracy(model, x_test, y_test)
                    entry = results.setdefault(
                        (per_class, method), {"accuracy": [], "seconds": []}
                    )
                    entry["accuracy"].append(score)
                    entry["seconds"].append(seconds)
                    log(
                        f"  {per_class:>2} per class, repeat {repeat}, "
                        f"{method:<9} accuracy {score:.3f}"
                    )
    return results


def summary_rows(results):
    """Rows `[shots, method, mean, std, min, max, seconds]` of `results`."""
    rows = []
    for (per_class, method), entry in results.items():
        scores = np.array(entry["accuracy"])
        rows.append(
            [
                per_class,
                method,
                f"{scores.mean():.3f}",
                f"{scores.std():.3f}",
                f"{scores.min():.3f}",
                f"{scores.max():.3f}",
                f"{statistics.mean(entry['seconds']):.1f}",
            ]
        )
    return rows


HEADERS = ["per class", "method", "mean acc", "std", "min", "max", "s/run"]


def results_figure(results):
    """Figure: mean test accuracy per method, one group of bars per shot count.

    Error bars span the lowest and highest accuracy over the repeats.
    """
    from matplotlib.figure import Figure

    shots = sorted({per_class for per_class, _ in results})
    figure = Figure(figsize=(6.4, 3.6), layout="constrained")
    ax = figure.add_subplot()
    width = 0.8 / len(METHODS)
    for index, method in enumerate(METHODS):
        scores = [np.array(results[(n, method)]["accuracy"]) for n in shots]
        means = np.array([s.mean() for s in scores])
        spread = np.array([[s.mean() - s.min(), s.max() - s.mean()] for s in scores])
        ax.bar(
            np.arange(len(shots)) + (index - (len(METHODS) - 1) / 2) * width,
            means,
            width,
            yerr=spread.T,
            capsize=3,
            label=method,
        )
    ax.set_xticks(np.arange(len(shots)), [f"{n} per class" for n in shots])
    ax.set_ylabel("test accuracy (digits 5-9)")
    ax.set_ylim(0, 1)
    ax.grid(True, axis="y", alpha=0.3)
    figure.legend(fontsize="small", ncols=len(METHODS), loc="outside lower center")
    ax.set_title("Backbone pretrained on digits 0-4; 5-9 learnt from a few")
    return figure


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="1 repeat, 5 samples per class only, shorter training",
    )
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--out", default=None, help="also write a bar chart (PNG)")
    args = parser.parse_args(argv)
    budget = QUICK if args.quick else FULL
    repeats = args.repeats or (1 if args.quick else 5)
    shots = (5,) if args.quick else (5, 10)
    results = run_comparison(shots=shots, repeats=repeats, budget=budget)
    rows = summary_rows(results)
    print(f"\nDigits 5-9 from a few samples per class, {repeats} repeat(s):")
    widths = [
        max(len(str(v)) for v in column) for column in zip(HEADERS, *rows, strict=True)
    ]
    for row in [HEADERS, *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)))
    if args.out:
        results_figure(results).savefig(args.out, dpi=90)
        print(f"\nWrote {args.out}")
    return rows


if __name__ == "__main__":
    main()
