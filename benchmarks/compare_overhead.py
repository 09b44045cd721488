"""Overhead of `ModelComparison` over `cross_validate`, and its `n_jobs=2` speed-up.

Both run the six default baselines on the same folds (breast cancer, 569 x 30,
shipped with scikit-learn; `RepeatedStratifiedKFold(5, 3)`: 90 fits). The
runs alternate, round after round, so that a change in the machine's load hits
both; the script prints the median time of each and the ratios.

Every fit is single-threaded (threadpoolctl in this process; joblib does the
same in its workers), so `n_jobs=2` measures process parallelism, and OpenMP
(gradient boosting) does not spin against other load on a shared machine.

    python benchmarks/compare_overhead.py            # 5 rounds
    python benchmarks/compare_overhead.py --quick    # 2 rounds

Targets (issue 7): ModelComparison / cross_validate <= 1.05 (sequential);
a speed-up with n_jobs=2.
"""

import argparse
import os
import statistics

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _timing import median_rate, print_table  # noqa: E402
from sklearn.datasets import load_breast_cancer  # noqa: E402
from sklearn.dummy import DummyClassifier  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    RepeatedStratifiedKFold,
    cross_validate,
)
from threadpoolctl import threadpool_limits  # noqa: E402

from keras_smalldata.compare import ModelComparison, default_baselines  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds, not 5")
    args = parser.parse_args(argv)
    rounds = 2 if args.quick else 5

    X, y = load_breast_cancer(return_X_y=True)
    cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=3, random_state=0)
    estimators = default_baselines(random_state=0)
    n_fits = len(estimators) * cv.get_n_splits()

    def run_cross_validate(n_jobs):
        def run():
            for estimator in estimators.values():
                cross_validate(
                    estimator, X, y, cv=cv, scoring="accuracy", n_jobs=n_jobs
                )

        return run

    def run_comparison(n_jobs):
        def run():
            ModelComparison(estimators, cv=cv, scoring="accuracy", n_jobs=n_jobs).fit(
                X, y
            )

        return run

    runs = {
        "cross_validate, n_jobs=1": run_cross_validate(None),
        "ModelComparison, n_jobs=1": run_comparison(None),
        "cross_validate, n_jobs=2": run_cross_validate(2),
        "ModelComparison, n_jobs=2": run_comparison(2),
    }
    seconds = {name: [] for name in runs}
    with threadpool_limits(limits=1):
        # Warm-up: starts joblib's worker processes and their imports.
        ModelComparison([DummyClassifier()], cv=cv, n_jobs=2).fit(X, y)
        for _ in range(rounds):
            for name, run in runs.items():
                rate = median_rate(run, n_fits, repeats=1, warmup=0)
                seconds[name].append(n_fits / rate)
    median = {name: statistics.median(times) for name, times in seconds.items()}

    base = median["cross_validate, n_jobs=1"]
    sequential = median["ModelComparison, n_jobs=1"]
    rows = [
        (name, f"{time:.2f}", f"{time / base:.3f}x") for name, time in median.items()
    ]
    print(
        f"{n_fits} fits (6 baselines x 15 folds), breast cancer 569x30, "
        f"{os.cpu_count()} CPUs, median of {rounds} alternating rounds"
    )
    print_table(rows, ["run", "median s", "/ cross_validate n_jobs=1"])
    print(
        f"ModelComparison / cross_validate (n_jobs=1): {sequential / base:.3f} "
        "(target <= 1.05)"
    )
    print(
        "ModelComparison speed-up n_jobs=1 -> 2: "
        f"{sequential / median['ModelComparison, n_jobs=2']:.2f}x"
    )


if __name__ == "__main__":
    main()
