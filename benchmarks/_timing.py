"""Shared timing helpers for the benchmarks: medians of repeated runs."""

import statistics
import time


def median_rate(run, items_per_run, repeats=5, warmup=1):
    """Median items per second of `run()` over `repeats` timed calls."""
    for _ in range(warmup):
        run()
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        rates.append(items_per_run / (time.perf_counter() - start))
    return statistics.median(rates)


def interleaved_median_rates(runs, repeats=5, warmup=1):
    """Median items per second of each arm, its timed calls interleaved.

    `runs` maps a name to `(run, items_per_run)`. Each round times every arm
    once, so a load spike on a shared machine hits all arms alike rather than
    whichever arm happened to run during it.
    """
    for run, _ in runs.values():
        for _ in range(warmup):
            run()
    rates = {name: [] for name in runs}
    for _ in range(repeats):
        for name, (run, items) in runs.items():
            start = time.perf_counter()
            run()
            rates[name].append(items / (time.perf_counter() - start))
    return {name: statistics.median(values) for name, values in rates.items()}


def print_table(rows, headers):
    columns = zip(headers, *rows, strict=True)
    widths = [max(len(str(x)) for x in col) for col in columns]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(line.format(*headers))
    for row in rows:
        print(line.format(*row))
