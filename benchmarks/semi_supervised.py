"""Does FixMatch-style training on the unlabeled pool beat the labels alone?

On digits, with the study's protocol: per seed, a pool of 50 images per class
(the study's `pool_and_test`), `--per-class` labelled images per class drawn
from it, the rest of the pool unlabeled, and every image outside the pool as
the test set. The study's small CNN is trained for `--steps` steps

- `supervised`: on the labelled images alone, with the weak augmentation (a
  shift of up to one pixel) in front, batches of `--batch-size`;
- `semi`: by `keras_smalldata.models.SemiSupervised` on the same labelled
  batches plus `--ratio` times as many unlabeled images per step.

Prints test accuracy per seed and on average, the mask rate (fraction of
unlabeled images above the threshold) at the end of training, the accuracy of
those pseudo-labels, the wall time of the fit, its first step (tracing
included) and the median time of the others (noisy on a shared machine;
`--threads 1` for one core).

    python benchmarks/semi_supervised.py                   # 3 seeds, 1000 steps
    python benchmarks/semi_supervised.py --per-class 10 --distribution-alignment
    python benchmarks/semi_supervised.py --seeds 1 --steps 300 --threads 1

Measured (docs/semi_supervised.md): 5 labels per class, 1000 steps at 3e-3,
semi 0.980 +- 0.003 against 0.928 +- 0.038; 10 per class, 0.977 +- 0.008
against 0.949 +- 0.015.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from _timing import print_table  # noqa: E402

from keras_smalldata import data, datasets, models  # noqa: E402
from keras_smalldata.study import _networks  # noqa: E402
from keras_smalldata.study._splits import pool_and_test  # noqa: E402

POOL = 50
EPOCHS = 10


class StepTimer(keras.callbacks.Callback):
    """Seconds of every training batch; the first one includes the tracing."""

    def __init__(self):
        super().__init__()
        self.times = []

    def on_train_batch_begin(self, batch, logs=None):
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter() - self.start)

    def summary(self):
        """`(first step, median of the others)` in seconds."""
        return self.times[0], float(np.median(self.times[1:]))


def split(y, per_class, seed):
    """`(labelled, unlabeled, test)` indices: the study's pool and test set."""
    pool, test = pool_and_test(y, POOL, seed)
    rng = np.random.default_rng(seed)
    labelled = np.concatenate(
        [rng.choice(pool[y[pool] == c], per_class, replace=False) for c in range(10)]
    )
    return labelled, np.setdiff1d(pool, labelled), test


def supervised(x, y, labelled, test, args, seed):
    keras.utils.set_random_seed(seed)
    classifier = _networks.image_network((8, 8, 1), 10, [])
    weak = models.SemiSupervised(classifier, value_range=(0, 1), seed=seed)
    model = keras.Sequential(
        [keras.Input((8, 8, 1)), weak.weak_augmentation, classifier]
    )
    model.compile(
        keras.optimizers.Adam(args.learning_rate), "sparse_categorical_crossentropy"
    )
    batches = (
        tf.data.Dataset.from_tensor_slices((x[labelled], y[labelled]))
        .shuffle(len(labelled), seed=seed)
        .repeat()
        .batch(args.batch_size, drop_remainder=True)
    )
    timer = StepTimer()
    start = time.perf_counter()
    model.fit(
        batches,
        epochs=EPOCHS,
        steps_per_epoch=args.steps // EPOCHS,
        verbose=0,
        callbacks=[timer],
    )
    seconds = time.perf_counter() - start
    accuracy = np.mean(
        classifier.predict(x[test], verbose=0, batch_size=512).argmax(1) == y[test]
    )
    return accuracy, seconds, timer.summary(), None


def semi(x, y, labelled, unlabeled, test, args, seed):
    keras.utils.set_random_seed(seed)
    classifier = _networks.image_network((8, 8, 1), 10, [])
    model = models.SemiSupervised(
        classifier,
        value_range=(0, 1),
        threshold=args.threshold,
        distribution_alignment=args.distribution_alignment,
        seed=seed,
    )
    model.compile(
        keras.optimizers.Adam(args.learning_rate, use_ema=args.ema),
        metrics=["accuracy"],
        steps_per_execution=args.steps_per_execution,
    )
    batches = data.semi_supervised_dataset(
        x[labelled],
        y[labelled],
        x[unlabeled],
        batch_size=args.batch_size,
        ratio=args.ratio,
        steps_per_epoch=args.steps // EPOCHS,
        y_unlabeled=y[unlabeled],  # For the pseudo-label accuracy only.
        seed=seed,
    )
    timer = StepTimer()
    start = time.perf_counter()
    history = model.fit(batches, epochs=EPOCHS, verbose=0, callbacks=[timer])
    seconds = time.perf_counter() - start
    accuracy = model.evaluate(x[test], y[test], verbose=0, return_dict=True)
    logs = history.history
    trace = " ".join(f"{v:.2f}" for v in logs["mask_rate"])
    print(f"  seed {seed}: mask rate per epoch {trace}", flush=True)
    return (
        float(accuracy["accuracy"]),
        seconds,
        timer.summary(),
        (logs["mask_rate"][-1], logs["pseudo_label_accuracy"][-1]),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--per-class", type=int, default=5)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--ratio", type=int, default=3)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--threshold", type=float, default=0.95)
    parser.add_argument("--distribution-alignment", action="store_true")
    parser.add_argument("--ema", action="store_true", help="Adam(use_ema=True)")
    parser.add_argument("--steps-per-execution", type=int, default=1)
    parser.add_argument("--skip-supervised", action="store_true")
    parser.add_argument(
        "--threads", type=int, default=None, help="TensorFlow threads (e.g. 1)"
    )
    args = parser.parse_args()
    if args.threads is not None:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    x, y = datasets.load_digits()
    rows, scores = [], {"supervised": [], "semi": []}
    for seed in range(args.seeds):
        labelled, unlabeled, test = split(y, args.per_class, seed)
        arms = ["semi"] if args.skip_supervised else ["supervised", "semi"]
        for arm in arms:
            if arm == "semi":
                result = semi(x, y, labelled, unlabeled, test, args, seed)
            else:
                result = supervised(x, y, labelled, test, args, seed)
            accuracy, seconds, (first, step), extra = result
            scores[arm].append(accuracy)
            mask, pseudo = ("", "") if extra is None else (f"{v:.3f}" for v in extra)
            rows.append(
                [
                    arm,
                    seed,
                    f"{accuracy:.3f}",
                    mask,
                    pseudo,
                    f"{seconds:.0f}",
                    f"{first:.1f}",
                    f"{1000 * step:.1f}",
                ]
            )
    print(
        f"digits, {args.per_class} labels per class, {POOL - args.per_class} "
        f"unlabeled per class, {args.steps} steps of {args.batch_size} labelled"
        f" + {args.batch_size * args.ratio} unlabeled images"
    )
    headers = [
        "arm",
        "seed",
        "accuracy",
        "mask_rate",
        "pseudo_acc",
        "wall s",
        "first step s",
        "median ms/step",
    ]
    print_table(rows, headers)
    for arm, values in scores.items():
        if values:
            print(f"{arm}: {np.mean(values):.3f} +- {np.std(values):.3f}")


if __name__ == "__main__":
    main()
