"""The study's live progress bar in a terminal (its summary: `terminal`).

Uses rich, imported here only: `keras_smalldata.study.StudyProgress` is loaded
on first access.
"""

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)


class StudyProgress:
    """A rich progress bar driven by `run_study`'s `progress(done, total, text)`.

    Use it as a context manager around `run_study` and pass it as `progress`.
    The bar goes to stderr, so that stdout keeps only the final tables.
    `started` tells whether `run_study` has reported anything yet: an error
    raised before is one of the arguments, not of the study.

    Args:
        console: a `rich.console.Console`, or `None` for one on stderr.

    Example:

    `run_study(x, y, progress=progress)` calls it as below, once per job done.

    >>> with keras_smalldata.study.StudyProgress() as progress:
    ...     progress(1, 4, "knn, 5 per class")
    >>> progress.started
    True
    """

    def __init__(self, console=None):
        if console is not None and not isinstance(console, Console):
            raise TypeError(
                "`console` must be a `rich.console.Console` or None. "
                f"Received: console of type {type(console).__name__}"
            )
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
