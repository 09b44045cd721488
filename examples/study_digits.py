"""The study from Python: which technique helps on the 8x8 digits, from when on.

`keras_smalldata.study.run_study` scores a few traditional and deep arms on the
same few-shot splits of the digits that ship with scikit-learn, then the script
prints the summary (mean and 95% interval per arm and size), the winner per
size and the corrected t-test of the best deep arm against the best traditional
one, and `write_report` writes `report.md`, `results.csv` and
`learning_curve.png` to `--out`. The `keras-smalldata study` command does the
same with every arm; this is the small version. Runs offline.

Usage:

    python examples/study_digits.py --out digits_study          # 3 repeats
    python examples/study_digits.py --quick --out digits_study  # 1 repeat, < 1 min
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
    parser.add_argument("--out", default="digits_study", help="report folder")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    x, y = load_digits()
    arms = QUICK_ARMS if args.quick else ARMS
    per_class = [5, 10] if args.quick else [5, 10, 20]
    repeats = 1 if args.quick else 3
    results = study.run_study(
        x,
        y,
        per_class=per_class,
        arms=arms,
        repeats=repeats,
        seed=args.seed,
        progress=False,
        quick=True,
    )
    with pd.option_context("display.width", 120, "display.precision", 3):
        print(f"Digits, {repeats} repeat(s): accuracy per arm and size")
        print(study.summarize(results).to_string(index=False))
        print("\nBest arm per size:")
        print(study.winners(results).to_string(index=False))
        print("\nBest deep arm against best traditional arm (corrected t-test):")
        print(study.deep_vs_traditional(results).to_string(index=False))
    paths = study.write_report(results, args.out, data_name="digits")
    print(f"\nReport: {paths['report']}; figure: {paths['learning_curve']}")
    return results, paths


if __name__ == "__main__":
    main()
