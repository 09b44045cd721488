"""Does a small CNN beat traditional models on the 8x8 digits, and from when on?

Learning curves of the default baselines (SVM, random forest, decision tree,
logistic regression, kNN, gradient boosting) and of a small CNN, trained on 5,
10, 20 and 50 digits per class and tested on held-out halves of the 1797 digits
that ship with scikit-learn (nothing downloads). Prints the table of mean
accuracies, the corrected t-test of the CNN against the best baseline at each
size, and writes the learning curves to a PNG.

Usage:

    python examples/compare_digits.py --out compare_digits.png
    python examples/compare_digits.py --quick    # 2 splits, 2 sizes: < 1 minute
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.model_selection import StratifiedShuffleSplit  # noqa: E402

from keras_smalldata.compare import (  # noqa: E402
    KerasClassifier,
    default_baselines,
    learning_curve,
)
from keras_smalldata.datasets import load_digits  # noqa: E402

SIZES = [5, 10, 20, 50]
QUICK_SIZES = [5, 10]


def build_cnn(input_shape, n_classes, filters=32):
    """A small CNN for 8x8 digits."""
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Conv2D(filters, 3, padding="same", activation="relu"),
            keras.layers.Conv2D(filters, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(n_classes, activation="softmax"),
        ]
    )
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 splits, 2 sizes")
    parser.add_argument("--out", default="compare_digits.png", help="PNG path")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=None)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    x, y = load_digits()
    sizes = QUICK_SIZES if args.quick else SIZES
    estimators = default_baselines(random_state=args.seed, data_kind="images")
    if args.quick:
        # The three quickest baselines, fewer CNN epochs.
        estimators = {k: estimators[k] for k in ("svc", "nearest_neighbor", "knn")}
    estimators["cnn"] = KerasClassifier(
        build_cnn,
        epochs=30 if args.quick else 60,
        batch_size=16,
        random_state=args.seed,
    )
    curve = learning_curve(
        estimators,
        x,
        y,
        train_sizes=sizes,
        per_class=True,
        cv=StratifiedShuffleSplit(
            n_splits=2 if args.quick else 5, test_size=0.5, random_state=args.seed
        ),
        n_jobs=args.n_jobs,
        random_state=args.seed,
    )

    results = curve.results
    table = results.pivot(
        index="estimator", columns="train_size", values="accuracy_mean"
    )
    table = table.loc[list(estimators)]
    table.columns = [f"{size}/class" for size in table.columns]
    print("Mean test accuracy (digits per class in training):")
    print(table.to_string(float_format="{:.3f}".format))

    print("\nCNN against the best baseline (Nadeau-Bengio corrected t-test):")
    baselines = [name for name in estimators if name != "cnn"]
    rows = []
    for size in sizes:
        at_size = results[results.train_size == size].set_index("estimator")
        best = at_size.loc[baselines, "accuracy_mean"].idxmax()
        result = curve.compare("cnn", best, train_size=size)
        rows.append(
            {
                "per class": size,
                "best baseline": best,
                "cnn - best": result["mean_difference"],
                "95% CI": f"[{result['ci_low']:+.3f}, {result['ci_high']:+.3f}]",
                "p": result["p"],
                "note": result["note"],
            }
        )
    print(
        pd.DataFrame(rows).to_string(
            index=False,
            formatters={"cnn - best": "{:+.3f}".format, "p": "{:.3f}".format},
        )
    )
    first = curve.beats_traditional_at["cnn"]
    print(
        "\nThe CNN first beats every baseline (mean accuracy) at: "
        + ("never, in these sizes" if pd.isna(first) else f"{first:g} per class")
    )

    ax = curve.plot()
    ax.set_title("8x8 digits: test accuracy vs training digits per class")
    ax.figure.savefig(args.out, dpi=120)
    print(f"\nLearning curves: {args.out} ({time.perf_counter() - start:.0f} s)")
    return curve


if __name__ == "__main__":
    main()
