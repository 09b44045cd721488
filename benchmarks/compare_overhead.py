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


def time_runs(estimators, X, y, cv, rounds, parallel=True):
    """Median seconds of each run, over `rounds` alternating rounds."""
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
    }
    if parallel:
        runs["cross_validate, n_jobs=2"] = run_cross_validate(2)
        runs["ModelComparison, n_jobs=2"] = run_comparison(2)
    seconds = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            seconds[name].append(n_fits / median_rate(run, n_fits, 1, warmup=0))
    return {name: statistics.median(times) for name, times in seconds.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds, not 5")
    args = parser.parse_args(argv)
    rounds = 2 if args.quick else 5

    X, y = load_breast_cancer(return_X_y=True)
    cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=3, random_state=0)
    dummies = {f"dummy{i}": DummyClassifier() for i in range(6)}
    with threadpool_limits(limits=1):
        # Warm-up: starts joblib's worker processes and their imports.
        ModelComparison(dummies, cv=cv, n_jobs=2).fit(X, y)
        baselines = time_runs(default_baselines(random_state=0), X, y, cv, rounds)
        # Fits that do nothing: what is left is the machinery around them.
        overhead = time_runs(dummies, X, y, cv, 10 * rounds, parallel=False)

    print(
        f"90 fits (6 estimators x 15 folds), breast cancer 569x30, "
        f"{os.cpu_count()} CPUs, median of alternating rounds"
    )
    rows = []
    for workload, median in (
        ("default baselines", baselines),
        ("6 DummyClassifier", overhead),
    ):
        base = median["cross_validate, n_jobs=1"]
        rows += [
            (workload, name, f"{time:.3f}", f"{time / base:.3f}x")
            for name, time in median.items()
        ]
    print_table(rows, ["estimators", "run", "median s", "/ cross_validate n_jobs=1"])
    ratio = (
        baselines["ModelComparison, n_jobs=1"] / baselines["cross_validate, n_jobs=1"]
    )
    print(f"ModelComparison / cross_validate, baselines: {ratio:.3f} (target <= 1.05)")
    speed_up = (
        baselines["ModelComparison, n_jobs=1"] / baselines["ModelComparison, n_jobs=2"]
    )
    print(f"ModelComparison speed-up n_jobs=1 -> 2, baselines: {speed_up:.2f}x")
    extra = overhead["ModelComparison, n_jobs=1"] - overhead["cross_validate, n_jobs=1"]
    print(f"Extra machinery per fit (DummyClassifier): {1000 * extra / 90:.2f} ms")


if __name__ == "__main__":
    main()
