"""Is the study's test calibrated? False positives and power, by simulation.

The study's protocol on digits: each repeat draws a pool of 50 images per
class (the rest is its test set) and trains on nested subsets of 5, 10, 20 and
50 per class. Each simulated study runs R repeats of that protocol for:

- two arms that differ only by their seed (extremely randomised trees, a
  model with real seed-to-seed spread): a test at alpha = 0.05 must reject in
  at most 5% of the simulated studies;
- the same pair with arm b's test predictions made wrong on 2% of the test
  samples (a known gap of 0.02): the rejection rate is the power;
- "selection": the best of 3 seeds against the best of 3 others, picked by
  their mean over the same repeats, as the study's verdict picks its best deep
  and its best traditional arm (no true difference).

Tests compared: the plain paired t-test over repeats, Nadeau-Bengio's
correction (n_test / n_train) and the pool-overlap correction the study uses
(`keras_smalldata._statistics.pool_ttest`).

    python benchmarks/study_statistics.py                 # 300 studies
    python benchmarks/study_statistics.py --studies 100   # quicker, coarser
"""

import argparse
import time

import numpy as np
from sklearn.ensemble import ExtraTreesClassifier

from keras_smalldata._statistics import corrected_ttest, pool_ttest
from keras_smalldata.datasets import load_digits
from keras_smalldata.study._splits import pool_and_test

SIZES = (5, 10, 20, 50)
POOL = 50
REPEATS = (3, 5)
GAP = 0.02
SEEDS_PER_KIND = 3


def simulate_study(x, y, study, repeats):
    """{size: array (repeats, 2 * SEEDS_PER_KIND + 1)} of test accuracies.

    Columns: arm a's seeds, arm b's seeds, then arm b (first seed) with the gap.
    """
    scores = {size: [] for size in SIZES}
    for repeat in range(repeats):
        pool, test = pool_and_test(y, POOL, 1000 * study + repeat)
        rng = np.random.default_rng([study, repeat])
        for size in SIZES:
            train = np.concatenate([pool[y[pool] == c][:size] for c in range(10)])
            row = []
            for seed in range(2 * SEEDS_PER_KIND):
                state = np.random.SeedSequence([study, repeat, seed])
                model = ExtraTreesClassifier(
                    10, random_state=int(state.generate_state(1)[0])
                )
                predicted = model.fit(x[train], y[train]).predict(x[test])
                row.append(np.mean(predicted == y[test]))
                if seed == SEEDS_PER_KIND:
                    wrong = predicted.copy()
                    right = np.flatnonzero(predicted == y[test])
                    flip = rng.choice(right, round(GAP * len(test)), replace=False)
                    wrong[flip] = (y[test][flip] + 1) % 10
                    gapped = np.mean(wrong == y[test])
            scores[size].append(row + [gapped])
    return {size: np.array(rows) for size, rows in scores.items()}, len(test)


def p_values(differences, size, n_test, n_total):
    n_train = size * 10
    return {
        "plain": pool_ttest(differences, 0.0)["p"],
        "nadeau_bengio": corrected_ttest(differences, n_train, n_test)["p"],
        "pool_overlap": pool_ttest(differences, POOL * 10 / n_total)["p"],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=300)
    args = parser.parse_args(argv)
    images, y = load_digits()
    x = images.reshape(len(images), -1)
    start = time.perf_counter()
    rejected = {}
    for study in range(args.studies):
        scores, n_test = simulate_study(x, y, study, max(REPEATS))
        for repeats in REPEATS:
            for size in SIZES:
                s = scores[size][:repeats]
                a = s[:, :SEEDS_PER_KIND]
                b = s[:, SEEDS_PER_KIND : 2 * SEEDS_PER_KIND]
                cases = {
                    "null pair": a[:, 0] - b[:, 0],
                    "gap 0.02": a[:, 0] - s[:, -1],
                    "null selection": (
                        a[:, a.mean(axis=0).argmax()] - b[:, b.mean(axis=0).argmax()]
                    ),
                }
                for case, differences in cases.items():
                    for test, p in p_values(differences, size, n_test, len(y)).items():
                        key = (case, test, repeats, size)
                        rejected.setdefault(key, []).append(p < 0.05)
    minutes = (time.perf_counter() - start) / 60
    print(
        f"{args.studies} simulated studies on digits ({minutes:.1f} min): share "
        "of studies whose test rejects at alpha = 0.05, per size (per class)"
    )
    print(f"| case | test | repeats | {' | '.join(str(s) for s in SIZES)} |")
    print("|---|---|---|" + "---|" * len(SIZES))
    for case in ("null pair", "null selection", "gap 0.02"):
        for test in ("plain", "nadeau_bengio", "pool_overlap"):
            for repeats in REPEATS:
                rates = " | ".join(
                    f"{np.mean(rejected[case, test, repeats, s]):.3f}" for s in SIZES
                )
                print(f"| {case} | {test} | {repeats} | {rates} |")


if __name__ == "__main__":
    main()
