"""How strong are `default_baselines` on digits? Against an independent expert SVM.

The study's protocol: for each seed a pool of 50 images per class, the test set
everything outside the pool, and nested training subsets of 5, 10, 20 and 50 per
class. Beside our baselines (for `data_kind="images"`) it fits what an expert
would write without this package: an RBF SVM on raw pixels with C and gamma
chosen by a 3-fold inner CV, and plain 1-nearest-neighbour.

    python benchmarks/baselines.py            # 10 seeds
    python benchmarks/baselines.py --seeds 3
"""

import argparse
import time

import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC

from keras_smalldata.compare import default_baselines
from keras_smalldata.datasets import load_digits
from keras_smalldata.study._splits import pool_and_test

SIZES = (5, 10, 20, 50)


def expert_svm(seed):
    grid = {"C": [0.1, 1, 10, 100, 1000], "gamma": [0.001, 0.003, 0.01, 0.03, 0.1, 0.3]}
    cv = StratifiedKFold(3, shuffle=True, random_state=seed)
    return GridSearchCV(SVC(), grid, cv=cv)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args(argv)
    images, y = load_digits()
    x = images.reshape(len(images), -1)
    scores, seconds = {}, {}
    for seed in range(args.seeds):
        pool, test = pool_and_test(y, 50, seed)
        for size in SIZES:
            train = np.concatenate([pool[y[pool] == c][:size] for c in range(10)])
            models = {
                "expert: raw-pixel SVM, inner CV": expert_svm(seed),
                "expert: 1-NN": KNeighborsClassifier(1),
                **default_baselines(random_state=seed, data_kind="images"),
            }
            for name, model in models.items():
                start = time.perf_counter()
                model.fit(x[train], y[train])
                seconds.setdefault(name, []).append(time.perf_counter() - start)
                accuracy = float(np.mean(model.predict(x[test]) == y[test]))
                scores.setdefault((name, size), []).append(accuracy)
    print(f"digits, {args.seeds} seeds: mean test accuracy (median fit seconds)")
    print(f"| model | {' | '.join(f'{s}/class' for s in SIZES)} | fit s |")
    print("|---|" + "---|" * (len(SIZES) + 1))
    for name in seconds:
        means = " | ".join(f"{np.mean(scores[name, s]):.3f}" for s in SIZES)
        print(f"| {name} | {means} | {np.median(seconds[name]):.2f} |")


if __name__ == "__main__":
    main()
