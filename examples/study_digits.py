"""The study from Python: which technique helps on the 8x8 digits, from when on.

The pipeline, step by step: a `StudyConfig` says what to run (checked at
once), `run_study` scores a few traditional and deep arms on the same
few-shot splits of the digits that ship with scikit-learn and returns a
`StudyResult`; the script prints the verdict per size (the best deep arm
against the strongest traditional arm, in a sentence with its 95% interval
and p-value), the mean and interval per arm and size and the best arm per
size, and `write_report` writes `report.md`, `results.csv` and the figures to
`--out`. The `keras-smalldata study` command does the same with every arm;
this is the small version. Runs offline.

A second run into the same `--out` replaces the first run's report (and only
a report: a folder holding other files is refused).

Usage:

    python examples/study_digits.py --out digits_study          # 3 repeats
    python examples/study_digits.py --quick --out digits_study  # 1 repeat
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pandas as pd  # noqa: E402

import keras_smalldata.study as study  # noqa: E402
from keras_smalldata.datasets import load_digits  # noqa: E402

ARMS = ["svc_tuned", "nearest_neighbor", "random_forest", "scratch", "augment"]
QUICK_ARMS = ["svc", "nearest_neighbor", "scratch", "augment"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 arms, 1 repeat")
    parser.add_argument(
        "--out",
        default="digits_study",
        help="report folder: new, empty, or holding this example's previous report",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    x, y = load_digits()
    config = study.StudyConfig(
        per_class=[5, 10] if args.quick else [5, 10, 20],
        arms=QUICK_ARMS if args.quick else ARMS,
        repeats=1 if args.quick else 3,
        seed=args.seed,
        quick=True,
    )
    result = study.run_study(x, y, config, progress=False)
    repeats = result.config.repeats
    print("Best deep arm vs strongest traditional arm (pool-corrected t-test):")
    for sentence in study.deep_vs_traditional(result)["sentence"]:
        print(f"- {sentence}")
    with pd.option_context("display.width", 120, "display.precision", 3):
        print(f"\nDigits, {repeats} repeat(s): accuracy per arm and size")
        print(study.summarize(result).to_string(index=False))
        print("\nBest arm per size:")
        print(study.winners(result).to_string(index=False))
    paths = study.write_report(result, args.out, data_name="digits", overwrite=True)
    print(f"\nReport: {paths['report']}; figure: {paths['learning_curve']}")
    return result.scores, paths


if __name__ == "__main__":
    main()
