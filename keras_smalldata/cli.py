"""The `keras-smalldata` command-line entry point.

Subcommands register themselves in `_build_parser` with
`subparsers.add_parser(...)` and `set_defaults(func=...)`, where `func` takes the
parsed arguments and returns an exit status. Keep this module cheap to import:
subcommands import TensorFlow, scikit-learn and the like inside `func`.
"""

import argparse

from keras_smalldata import __version__


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
    parser.add_subparsers(dest="command", title="commands", metavar="<command>")
    return parser


def main(argv=None):
    """Runs the `keras-smalldata` command line.

    Args:
        argv: list of str or `None`. The arguments, without the program name.
            Defaults to `None`, which reads `sys.argv[1:]`.

    Returns:
        int. The exit status: `0` on success. With no subcommand, the help is
        printed and `0` returned. `--version`, `--help` and invalid arguments
        exit through `SystemExit`, as `argparse` does.

    Example:

    ```
    $ keras-smalldata --version
    keras-smalldata 0.1.0
    ```
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
