"""Does tabular augmentation help an MLP on small data? Measured, not assumed.

On scikit-learn's breast_cancer and wine, at 10 and 30 samples per class (the
rest is the test set; stratified; the same splits for every arm), an MLP is
trained without augmentation, with FeatureNoise, with SwapNoise and with mixup,
beside logistic regression and a random forest. Prints mean test accuracy (and
std over repeats) and each augmented arm's gain over the plain MLP.

    python benchmarks/tabular_augmentation.py             # 5 repeats
    python benchmarks/tabular_augmentation.py --quick     # 2 repeats, fewer steps
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from _timing import print_table  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from keras_smalldata import data, datasets, layers  # noqa: E402

ARMS = ("mlp", "mlp+FeatureNoise", "mlp+SwapNoise", "mlp+mixup")


def build_mlp(x_train, num_classes, augmentation):
    """Raw features -> [augmentation] -> Normalization (train split) -> MLP."""
    normalization = keras.layers.Normalization()
    normalization.adapt(x_train)
    model_layers = [keras.Input((x_train.shape[1],))]
    if augmentation is not None:
        model_layers.append(augmentation)
    model_layers += [
        normalization,
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(num_classes, activation="softmax"),
    ]
    model = keras.Sequential(model_layers)
    model.compile(keras.optimizers.Adam(1e-3), "categorical_crossentropy")
    return model


def mlp_accuracy(arm, split, num_classes, steps, seed):
    (x_train, y_train), (x_test, y_test) = split
    keras.utils.set_random_seed(seed)
    augmentation = None
    if arm == "mlp+FeatureNoise":
        augmentation = layers.FeatureNoise(stddev=0.2, seed=seed)
        augmentation.adapt(x_train)
    elif arm == "mlp+SwapNoise":
        augmentation = layers.SwapNoise(rate=0.15, seed=seed)
    model = build_mlp(x_train, num_classes, augmentation)
    one_hot = keras.utils.to_categorical(y_train, num_classes)
    batch_size = min(16, len(x_train))
    dataset = (
        tf.data.Dataset.from_tensor_slices((x_train, one_hot))
        .shuffle(len(x_train), seed=seed)
        .repeat()
        .batch(batch_size, drop_remainder=True)
    )
    if arm == "mlp+mixup":
        dataset = data.mixup(dataset, alpha=0.2, seed=seed)
    # A fixed budget of steps in few epochs: Keras' per-epoch overhead would
    # dominate hundreds of tiny epochs.
    model.fit(dataset, steps_per_epoch=steps // 10, epochs=10, verbose=0)
    predicted = model.predict(x_test, verbose=0).argmax(axis=1)
    return float(np.mean(predicted == y_test))


def sklearn_accuracy(name, split, seed):
    (x_train, y_train), (x_test, y_test) = split
    if name == "logistic_regression":
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    else:
        model = RandomForestClassifier(n_estimators=300, random_state=seed)
    return float(model.fit(x_train, y_train).score(x_test, y_test))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 5)
    steps = 200 if args.quick else 600
    start = time.perf_counter()
    rows = []
    for name, loader in (
        ("breast_cancer", datasets.load_breast_cancer),
        ("wine", datasets.load_wine),
    ):
        x, y = loader()
        num_classes = int(y.max()) + 1
        for per_class in (10, 30):
            scores = {}
            for repeat in range(repeats):
                split = datasets.few_shot_split(x, y, per_class, seed=repeat)
                for arm in ("logistic_regression", "random_forest"):
                    scores.setdefault(arm, []).append(
                        sklearn_accuracy(arm, split, repeat)
                    )
                for arm in ARMS:
                    scores.setdefault(arm, []).append(
                        mlp_accuracy(arm, split, num_classes, steps, repeat)
                    )
            base = np.mean(scores["mlp"])
            for arm, values in scores.items():
                gain = np.mean(values) - base if arm.startswith("mlp+") else None
                rows.append(
                    (
                        name,
                        per_class,
                        arm,
                        f"{np.mean(values):.3f} ± {np.std(values):.3f}",
                        "" if gain is None else f"{gain:+.3f}",
                    )
                )
    print(f"test accuracy, mean ± std over {repeats} stratified splits")
    print_table(rows, ["dataset", "per class", "arm", "accuracy", "gain vs mlp"])
    print(f"total time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
