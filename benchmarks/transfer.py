"""Transfer learning on the 8x8 digits: scratch vs frozen vs fine_tune vs gradual.

The comparison of `examples/transfer_digits.py`, full size: a small CNN with
BatchNorm pretrained on every sample of the digits 0-4, then the digits 5-9
learnt from 5 and 10 samples per class (`few_shot_split`, one draw per repeat),
5 repeats, the same budget of training steps for every method. Mean, standard
deviation, minimum and maximum of the test accuracy (every other sample of 5-9,
about 880 images), and the mean seconds of one training run on this machine.

    python benchmarks/transfer.py              # 5 repeats
    python benchmarks/transfer.py --repeats 2
"""

import argparse
import importlib.util
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from _timing import print_table  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "transfer_digits.py"


def _load_example():
    spec = importlib.util.spec_from_file_location("transfer_digits", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _summary_only(line):
    if not line.startswith(" "):  # the pretraining line, not each run's
        print(line)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    example = _load_example()
    budget = example.FULL
    print(
        f"Keras {keras.__version__}, TensorFlow {tf.__version__}, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs"
    )
    print(
        f"Budget per method: {budget.epochs} epochs x {budget.steps_per_epoch} "
        f"steps of {budget.batch_size}; pretraining {budget.pretrain_steps} steps"
    )
    start = time.perf_counter()
    results = example.run_comparison(
        shots=(5, 10), repeats=args.repeats, budget=budget, log=_summary_only
    )
    print(f"\nTest accuracy on digits 5-9, {args.repeats} repeats:")
    print_table(example.summary_rows(results), example.HEADERS)
    print(f"\nTotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
