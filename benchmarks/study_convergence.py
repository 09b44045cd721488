"""Are the study's deep arms trained to convergence? Training curves and a check.

On digits (or `--data breast_cancer` / `wine`) with the study's protocol (a
pool of the largest size per class per seed, test = everything outside it),
each deep arm is trained as the study trains it (until
its training logs plateau, `keras_smalldata.study._convergence.Plateau`) and
again for twice as many steps with no stopping rule. Converged means the
longer run does not score better on the test set. Prints, per arm and size,
the steps taken, whether the plateau rule stopped it, both accuracies, and
writes the training curves (loss per 100-step chunk; mask rate for `semi`) to
`--out`.

    python benchmarks/study_convergence.py                  # 1 seed, 5/10/20/50
    python benchmarks/study_convergence.py --sizes 5 20 --arms scratch augment
    python benchmarks/study_convergence.py --data wine --sizes 5 10 20 40
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from keras_smalldata import datasets  # noqa: E402
from keras_smalldata.study._convergence import CHUNK  # noqa: E402
from keras_smalldata.study._deep_arm import DeepArm  # noqa: E402
from keras_smalldata.study._splits import pool_and_test  # noqa: E402

KINDS = {"digits": "images", "breast_cancer": "tabular", "wine": "tabular"}


def fit_arm(arm, kind, x, y, train, pool, steps, seed, stop_at_plateau=True):
    techniques = () if arm == "scratch" else tuple(arm.split("+"))
    model = DeepArm(
        techniques=techniques,
        kind=kind,
        steps=steps,
        unlabeled_pool=x[pool],
        stop_at_plateau=stop_at_plateau,
        seed=seed,
    )
    return model.fit(x[train], y[train])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=sorted(KINDS), default="digits")
    parser.add_argument("--arms", nargs="+", default=["scratch", "augment", "semi"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[5, 10, 20, 50])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=3000, help="the study's cap")
    parser.add_argument("--out", default="study_convergence.png")
    args = parser.parse_args(argv)
    x, y = getattr(datasets, f"load_{args.data}")()
    kind = KINDS[args.data]
    pool, test = pool_and_test(y, max(args.sizes), args.seed)
    rows, curves = [], {}
    for arm in args.arms:
        for size in args.sizes:
            train = np.concatenate([pool[y[pool] == c][:size] for c in np.unique(y)])
            start = time.perf_counter()
            model = fit_arm(arm, kind, x, y, train, pool, args.steps, args.seed)
            seconds = time.perf_counter() - start
            accuracy = float(np.mean(model.predict(x[test]) == y[test]))
            longer = fit_arm(
                arm,
                kind,
                x,
                y,
                train,
                pool,
                2 * model.steps_,
                args.seed,
                stop_at_plateau=False,
            )
            longer_accuracy = float(np.mean(longer.predict(x[test]) == y[test]))
            curves[arm, size] = model.curve_, longer.curve_
            rows.append(
                (
                    arm,
                    size,
                    model.steps_,
                    model.converged_,
                    accuracy,
                    longer.steps_,
                    longer_accuracy,
                    seconds,
                )
            )
            print(*rows[-1], flush=True)
    print(f"{args.data}, seed {args.seed}: plateau rule vs twice the steps")
    print(
        "| arm | per class | steps | plateau | accuracy | steps x2 | accuracy x2 "
        "| fit s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for arm, size, steps, stopped, acc, steps2, acc2, seconds in rows:
        print(
            f"| {arm} | {size} | {steps} | {'yes' if stopped else 'cap'} | "
            f"{acc:.3f} | {steps2} | {acc2:.3f} | {seconds:.0f} |"
        )
    _plot(curves, args.out)


def _plot(curves, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    arms = sorted({arm for arm, _ in curves})
    figure, axes = plt.subplots(1, len(arms), figsize=(5 * len(arms), 3.6))
    axes = np.atleast_1d(axes)
    for axis, arm in zip(axes, arms, strict=True):
        for (name, size), (curve, longer) in curves.items():
            if name != arm:
                continue
            key = "supervised_loss" if "supervised_loss" in curve else "loss"
            steps = CHUNK * np.arange(1, len(longer[key]) + 1)
            (line,) = axis.plot(steps, longer[key], alpha=0.4)
            axis.plot(
                steps[: len(curve[key])],
                curve[key],
                color=line.get_color(),
                label=f"{size}/class",
            )
        axis.set_title(f"{arm}: training loss (faint: x2 steps)")
        axis.set_xlabel("steps")
        axis.set_yscale("log")
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    print(f"curves: {path}")


if __name__ == "__main__":
    main()
