"""The `keras-smalldata` command-line entry point.

Subcommands register themselves in `_build_parser` with
`subparsers.add_parser(...)` and `set_defaults(func=...)`, where `func` takes the
parsed arguments and returns an exit status. Keep this module cheap to import:
subcommands import TensorFlow, scikit-learn and the like inside `func`.
"""

import argparse
import contextlib
import importlib.util
import os
import sys

from keras_smalldata import __version__

_PLOT_INSTALL = 'pip install "keras-smalldata[plot]"'
_DASK_INSTALL = 'pip install "dask[distributed]"'
# How long `--dask-scheduler` waits for the scheduler to answer.
_DASK_TIMEOUT = "10s"

_STUDY_DESCRIPTION = """\
Which technique helps on this small dataset, and from how many labelled samples
on? Trains traditional baselines and deep arms (from scratch, + augmentation,
+ semi-supervised learning on the unlabeled pool, + synthetic VAE samples,
+ transfer from an encoder pretrained without labels) on the same few-shot
splits, prints the verdict per size (the best deep arm against the strongest
traditional one, with its 95% interval) and the tables, and writes
DIR/results.csv, DIR/report.md and PNG figures (DIR: --out, a new or empty
folder). Every argument is checked before training starts. Nothing is
downloaded.
"""

_STUDY_EPILOG = """\
data:
  digits, breast_cancer, wine   datasets embedded in scikit-learn
  PATH.csv --target COL         one sample per row; text columns one-hot, ID
                                columns dropped (each column's use is printed)
  PATH.npz                      arrays x (images NHWC or features) and y
  IMAGE_FOLDER                  one subfolder of images per class
  tfds:NAME                     a prepared tensorflow-datasets image dataset

--train-sizes gives total training counts; each is divided by the number of
classes and rounded down (training sets are balanced per class).

The report goes to a new or empty --out folder; --overwrite replaces a previous
report there once the new one is complete. An interrupted study (Ctrl-C)
writes nothing and exits with status 130; invalid arguments exit with 2.

examples:
  keras-smalldata study --quick
  keras-smalldata study --data wine --per-class 5 10 20 40 --out wine_study
  keras-smalldata study --data patients.csv --target outcome --repeats 10
  keras-smalldata study --repeats 10 --dask-scheduler tcp://10.0.0.5:8786
"""


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="keras-smalldata",
        description="Tools for training deep Keras models on small datasets.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"keras-smalldata {__version__}",
    )
    subparsers = parser.add_subparsers(
        dest="command", title="commands", metavar="<command>"
    )
    _add_study_parser(subparsers)
    return parser


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def _add_study_parser(subparsers):
    parser = subparsers.add_parser(
        "study",
        help="find which technique helps on a small dataset",
        description=_STUDY_DESCRIPTION,
        epilog=_STUDY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--data",
        default="digits",
        help="digits, breast_cancer, wine, PATH.csv, PATH.npz, IMAGE_FOLDER or "
        "tfds:NAME (default: digits)",
    )
    parser.add_argument("--target", metavar="COL", help="label column of a CSV")
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument(
        "--per-class",
        nargs="+",
        type=_positive_int,
        metavar="N",
        help="training sizes in samples per class (default: 5 10 20 50)",
    )
    sizes.add_argument(
        "--train-sizes",
        nargs="+",
        type=_positive_int,
        metavar="N",
        help="training sizes as total sample counts, split evenly over classes",
    )
    parser.add_argument(
        "--repeats",
        type=_positive_int,
        help="random splits per size (default: 3; 1 with --quick)",
    )
    parser.add_argument(
        "--arms",
        nargs="+",
        metavar="ARM",
        help="arms to run, e.g. svc_tuned scratch augment augment+synthetic "
        "(default: all)",
    )
    parser.add_argument(
        "--epochs",
        type=_positive_int,
        help="training budget of the deep arms, in epochs of 60 steps "
        "(default: the study's fixed budget)",
    )
    parser.add_argument(
        "--out",
        default="keras_smalldata_study",
        metavar="DIR",
        help="a new or empty folder for results.csv, report.md and the figures "
        "(default: keras_smalldata_study)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a previous report in --out, once the new one is complete "
        "(a folder holding other files is never replaced)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smaller training budgets and 1 repeat: a fast look, not a verdict",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seeds splits and models (default: 0)"
    )
    parser.add_argument(
        "--n-jobs",
        type=int,
        default=-1,
        metavar="N",
        help="parallel jobs: local worker processes, or Dask worker threads with "
        "--dask-scheduler; the numbers do not depend on it (default: -1, one "
        "per core)",
    )
    parser.add_argument(
        "--dask-scheduler",
        metavar="ADDRESS",
        help="run the jobs on the Dask cluster whose scheduler is at ADDRESS "
        "(e.g. tcp://10.0.0.5:8786); --n-jobs -1 then uses every worker thread. "
        "Needs dask.distributed; the numbers are those of a local run",
    )
    parser.add_argument(
        "--flips",
        action="store_true",
        help="let image augmentation flip horizontally (not for digits or text)",
    )
    parser.add_argument(
        "--image-size",
        nargs=2,
        type=_positive_int,
        metavar=("H", "W"),
        help="size images of a folder (or a tfds dataset of mixed sizes) are "
        "resized to (default: 64 64)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where tensorflow-datasets finds prepared datasets",
    )
    parser.set_defaults(func=_study)


def _fail(message):
    print(f"keras-smalldata study: error: {message}", file=sys.stderr)
    return 2


def _per_class_from_totals(totals, num_classes):
    """Divides total training counts by the number of classes, rounding down."""
    per_class = []
    for total in totals:
        if total < num_classes:
            raise ValueError(
                f"--train-sizes {total} is fewer than one sample per class for "
                f"{num_classes} classes. Received: --train-sizes "
                + " ".join(str(t) for t in totals)
            )
        per_class.append(total // num_classes)
    return sorted(set(per_class))


def _study(args):
    try:
        return _run_study_command(args)
    except KeyboardInterrupt:
        # One line, not the tracebacks of every frame (and worker) it crossed.
        print(
            f"keras-smalldata study: interrupted; nothing written to {args.out}",
            file=sys.stderr,
        )
        return 130


def _check_data_options(args):
    """Options that the kind of `--data` ignores are errors, not no-ops."""
    from keras_smalldata.study.load_data import EMBEDDED

    data = args.data
    tfds = data.startswith("tfds:")
    if args.data_dir is not None and not tfds:
        raise ValueError(
            "--data-dir tells where tensorflow-datasets finds a 'tfds:NAME' "
            f"dataset. Received: --data-dir {args.data_dir} with --data {data}"
        )
    fixed = data in EMBEDDED or (
        data.lower().endswith((".csv", ".npz")) and not os.path.isdir(data)
    )
    if args.image_size is not None and fixed:
        raise ValueError(
            "--image-size resizes the images of a folder or a tfds dataset; "
            f"{data!r} is used at its own size. Received: --image-size "
            f"{args.image_size[0]} {args.image_size[1]} with --data {data}"
        )


def _print_columns(data):
    width = max(len(str(column)) for column in data.columns)
    lines = [f"Columns of {data.name} (features):"]
    lines += [f"  {column!s:<{width}}  {how}" for column, how in data.columns.items()]
    print("\n".join(lines), file=sys.stderr)


def _run_study_command(args):
    # Checked first, so that a long study does not fail at its report.
    requirements = [("rich", "pip install rich"), ("matplotlib", _PLOT_INSTALL)]
    if args.dask_scheduler is not None:
        requirements.append(("distributed", _DASK_INSTALL))
    for module, install in requirements:
        if importlib.util.find_spec(module) is None:
            return _fail(f"the study needs {module}. Install it with: {install}")
    # Imported here: they load TensorFlow, pandas and rich.
    from keras_smalldata.study import (
        StudyConfig,
        StudyProgress,
        check_out_dir,
        check_per_class,
        load_study_data,
        print_summary,
        write_report,
    )

    try:
        check_out_dir(args.out, args.overwrite, name="--out", flag="--overwrite")
        _check_data_options(args)
        data = load_study_data(
            args.data,
            target=args.target,
            image_size=tuple(args.image_size or (64, 64)),
            data_dir=args.data_dir,
        )
        if data.columns:
            _print_columns(data)
        per_class = args.per_class
        if args.train_sizes is not None:
            per_class = _per_class_from_totals(args.train_sizes, data.num_classes)
            print(
                f"--train-sizes {' '.join(map(str, args.train_sizes))} with "
                f"{data.num_classes} classes: --per-class "
                f"{' '.join(map(str, per_class))}",
                file=sys.stderr,
            )
        if per_class is not None:
            check_per_class(data.y, per_class, data.class_names)
        config = StudyConfig(
            per_class=per_class,
            arms=args.arms,
            repeats=args.repeats,
            seed=args.seed,
            quick=args.quick,
            kind=data.kind,
            flips=args.flips,
            epochs=args.epochs,
            n_jobs=args.n_jobs,
        )
    except (ValueError, TypeError, ImportError) as error:
        return _fail(error)

    import tensorflow as tf

    import keras_smalldata.study

    # Each arm's fresh model traces its own functions; TensorFlow's retracing
    # warnings say nothing to a study's user.
    tf.get_logger().setLevel("ERROR")
    print(
        f"Study of {data.name}: {len(data.y)} samples, {data.num_classes} "
        f"classes, {data.kind} {tuple(data.x.shape[1:])}",
        file=sys.stderr,
    )
    with contextlib.ExitStack() as stack:
        if args.dask_scheduler is not None:
            try:
                _use_dask(stack, args.dask_scheduler)
            except (OSError, TimeoutError, ValueError) as error:
                return _fail(
                    f"cannot reach the Dask scheduler at {args.dask_scheduler}: "
                    f"{error}. Received: --dask-scheduler {args.dask_scheduler}"
                )
        with StudyProgress() as progress:
            try:
                result = keras_smalldata.study.run_study(
                    data.x, data.y, config, progress=progress
                )
            except (ValueError, TypeError) as error:
                # run_study checks its arguments before it reports progress; an
                # error after that is a failure of the study, not of the input.
                if progress.started:
                    raise
                return _fail(error)
    print_summary(result)
    paths = write_report(
        result,
        args.out,
        data_name=data.name,
        data_columns=data.columns,
        overwrite=args.overwrite,
    )
    print(f"Report: {paths['report']}  (results: {paths['results']})")
    return 0


def _use_dask(stack, address):
    """Connects to the scheduler at `address`; joblib's jobs go to its workers.

    Raises `OSError` or `TimeoutError` when no scheduler answers within
    `_DASK_TIMEOUT`, before any training.
    """
    import joblib
    from dask.distributed import Client

    client = stack.enter_context(Client(address, timeout=_DASK_TIMEOUT))
    threads = sum(client.nthreads().values())
    print(
        f"Jobs run on the Dask cluster at {address}: {len(client.nthreads())} "
        f"worker(s), {threads} thread(s)",
        file=sys.stderr,
    )
    stack.enter_context(joblib.parallel_config(backend="dask"))


def main(argv=None):
    """Runs the `keras-smalldata` command line.

    Args:
        argv: list of str or `None`. The arguments, without the program name.
            Defaults to `None`, which reads `sys.argv[1:]`.

    Returns:
        int. The exit status: `0` on success, `2` for invalid input (with a
        message on stderr, before any training), `130` when interrupted
        (Ctrl-C; nothing is written). With no subcommand, the help is
        printed and `0` returned. `--version`, `--help` and invalid arguments
        exit through `SystemExit`, as `argparse` does.

    Example:

    The same as `keras-smalldata study --data wine --arms knn svc --per-class 5
    --repeats 2 --out wine_study` in a shell:

    >>> argv = "study --data wine --arms knn svc --per-class 5 --repeats 2"
    >>> status = keras_smalldata.cli.main(argv.split() + ["--out", "wine_study"])
    accuracy, mean ± 95% half-width over the repeats (best marked *)
    ...
    Report: wine_study/report.md  (results: wine_study/results.csv)
    >>> status
    0
    """
    # TensorFlow's C++ info and warning lines would drown the progress display.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = _build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
