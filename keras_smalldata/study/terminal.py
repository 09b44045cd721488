"""The study's summary in a terminal: the verdict first, then the tables.

Fits the console's width (80 columns when it is not a terminal: CI logs,
`| tee`): the verdict's sentences wrap at word boundaries, and the tables'
columns wrap into blocks (`_tables.text_lines`), so that no number is ever
cut. Uses rich, imported here only: `keras_smalldata.study.print_summary` is
loaded on first access.
"""

import textwrap

from rich.console import Console
from rich.text import Text

from keras_smalldata.study import _tables
from keras_smalldata.study._frame import scores_of
from keras_smalldata.study.summary import summarize, winners
from keras_smalldata.study.verdict import deep_vs_traditional


def print_summary(results, console=None, metric="accuracy"):
    """Prints the verdict per size, then the scores and the verdict's table.

    What `keras-smalldata study` prints when it is done. It fits the console's
    width (80 columns when stdout is not a terminal), wrapping sentences and
    table columns rather than cutting a number; the best arm of each size is
    bold on a terminal and starred elsewhere.

    Args:
        results: a `StudyResult`, or its scores.
        console: a `rich.console.Console`, or `None` for stdout.
        metric: str. The metric to show. Defaults to `"accuracy"`.

    Example:

    >>> x, y = keras_smalldata.datasets.load_wine()
    >>> result = keras_smalldata.study.run_study(
    ...     x, y, per_class=[3, 6], arms=["knn", "decision_tree"], repeats=2,
    ...     progress=False,
    ... )
    >>> keras_smalldata.study.print_summary(result)
    accuracy, mean ± 95% half-width over the repeats (best marked *)
    ...
    """
    console = console or Console()
    width = max(40, console.width)
    frame, _ = scores_of(results)
    tests = None
    if "n_train" in frame.columns and "n_test" in frame.columns:
        tests = deep_vs_traditional(results, metric)
    blocks = []
    if tests is not None and not tests.empty:
        heading = f"Verdict ({metric}): best deep arm vs strongest traditional arm"
        lines = textwrap.wrap(heading, width)
        for text in tests["sentence"]:
            lines += textwrap.wrap(
                text, width, initial_indent="- ", subsequent_indent="  "
            )
        blocks.append([(line, []) for line in lines])
    summary = summarize(results, metric)
    # Bold does not show in a CI log or a file: winners get a star there.
    marker = "" if console.is_terminal else "*"
    best_in = marker or "bold"
    table = _tables.scores_table(summary, winners(results, metric), metric, best_in)
    blocks.append(_tables.text_lines(table, width, marker))
    if tests is not None and not tests.empty:
        blocks.append(_tables.text_lines(_tables.verdict_table(tests), width))
    for number, block in enumerate(blocks):
        if number:
            console.print()
        for line, bold in block:
            text = Text(line)
            for start, end in bold:
                text.stylize("bold", start, end)
            console.print(text, soft_wrap=True, highlight=False)
