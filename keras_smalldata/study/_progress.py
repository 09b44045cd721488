"""The study's terminal display: a live progress bar, then the result tables.

Uses rich, imported here only; `keras_smalldata.cli` imports this module inside
the `study` command.
"""

import math

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from keras_smalldata.study import report


class StudyProgress:
    """A rich progress bar driven by `run_study`'s `progress(done, total, text)`.

    Use it as a context manager around `run_study` and pass it as `progress`.
    The bar goes to stderr, so that stdout keeps only the final tables.
    `started` tells whether `run_study` has reported anything yet.
    """

    def __init__(self, console=None):
        self.console = console or Console(stderr=True)
        self.started = False
        self._task = None
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.started:
            self._progress.stop()
        return False

    def __call__(self, done, total, description):
        # The display starts with the first report, so that an argument error
        # raised before it prints alone.
        if not self.started:
            self.started = True
            self._progress.start()
        if self._task is None:
            self._task = self._progress.add_task(description, total=total)
        self._progress.update(
            self._task, completed=done, total=total, description=description
        )


def print_tables(results, console=None, metric="accuracy"):
    """Prints the mean ± 95% half-width per arm and size, winners in bold.

    When `results` has `n_train` and `n_test`, a second table gives the
    corrected t-test of the best deep arm against the best traditional arm.
    """
    console = console or Console()
    summary = report.summarize(results, metric)
    best = report.winners(results, metric)
    winner_of = dict(zip(best["size"], best["arm"], strict=True))
    sizes = sorted(summary["size"].unique())

    table = Table(title=f"{metric}, mean ± 95% half-width")
    table.add_column("arm", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    for size in sizes:
        table.add_column(f"{size} / class", justify="right", no_wrap=True)
    for arm, curve in summary.groupby("arm", sort=False):
        by_size = curve.set_index("size")
        cells = [arm, curve["kind"].iloc[0]]
        for size in sizes:
            if size not in by_size.index:
                cells.append("–")
                continue
            mean = by_size.at[size, "mean"]
            half_width = by_size.at[size, "half_width"]
            cell = f"{mean:.3f}"
            if math.isfinite(half_width):
                cell += f" ± {half_width:.3f}"
            if winner_of.get(size) == arm:
                cell = f"[bold]{cell}[/bold]"
            cells.append(cell)
        table.add_row(*cells)
    console.print(table)

    if "n_train" not in results.columns or "n_test" not in results.columns:
        return
    tests = report.deep_vs_traditional(results, metric)
    if tests.empty:
        return
    table = Table(title="best deep vs best traditional (corrected t-test)")
    for column in ("size", "best deep", "best traditional", "difference", "p"):
        table.add_column(column, no_wrap=True)
    table.add_column("verdict")
    for test in tests.to_dict("records"):
        table.add_row(
            str(test["size"]),
            test["deep_arm"],
            test["traditional_arm"],
            f"{test['difference']:+.3f}",
            report._format_p(test["p"]),
            report._verdict(test),
        )
    console.print(table)
