"""The report's tables, built once and rendered to Markdown or to a terminal.

A `Table` holds text cells (numbers already formatted) and which cells are
bold. `markdown` renders it whole; `text_lines` renders it for a terminal of a
given width: when the table is wider, its columns are wrapped into several
blocks, each repeating the key columns (the arm's name), so that no cell is
ever cut.
"""

import dataclasses
import math
import textwrap

from keras_smalldata.study._descriptions import describe_arm
from keras_smalldata.study.verdict import format_p

_GAP = 2  # spaces between columns in a terminal


@dataclasses.dataclass
class Table:
    """Cells of text, a header, bold cells and alignments.

    Args:
        title: str. Printed above the table in a terminal.
        header: list of str.
        rows: list of lists of str, as long as `header`.
        bold: set of `(row, column)` indices of bold cells.
        right: set of column indices aligned right (numbers).
        key: int. Leading columns repeated in every block when wrapped.
    """

    title: str
    header: list
    rows: list
    bold: set = dataclasses.field(default_factory=set)
    right: set = dataclasses.field(default_factory=set)
    key: int = 1


def markdown(table):
    """The table in Markdown, bold cells in `**`; `|` in cells escaped."""

    def cell(text, row=None, column=None):
        text = str(text).replace("|", "\\|")
        return f"**{text}**" if (row, column) in table.bold else text

    columns = range(len(table.header))
    align = "".join(" ---: |" if c in table.right else " --- |" for c in columns)
    lines = ["| " + " | ".join(cell(h) for h in table.header) + " |", "|" + align]
    for r, row in enumerate(table.rows):
        cells = " | ".join(cell(value, r, c) for c, value in enumerate(row))
        lines.append(f"| {cells} |")
    return "\n".join(lines)


def text_lines(table, width=80, marker=""):
    """The table as lines of at most `width` characters where cells allow.

    Columns past `table.key` go into blocks that fit `width`, each block
    repeating the key columns; a block holds at least one column, so a single
    cell wider than `width` makes a longer line rather than a cut. `marker`
    is appended to bold cells, for output where bold does not show.

    Returns:
        list of `(line, bold)` pairs, `bold` a list of `(start, end)` character
        ranges of bold cells.
    """
    if marker:
        rows = [
            [f"{v} {marker}" if (r, c) in table.bold else v for c, v in enumerate(row)]
            for r, row in enumerate(table.rows)
        ]
        table = dataclasses.replace(table, rows=rows)
    columns = range(len(table.header))
    widths = [
        max([len(table.header[c])] + [len(row[c]) for row in table.rows])
        for c in columns
    ]
    keys = list(range(min(table.key, len(widths))))
    key_width = sum(widths[c] + _GAP for c in keys)
    blocks, block, used = [], [], key_width
    for c in columns[len(keys) :]:
        if block and used + widths[c] > width:
            blocks.append(block)
            block, used = [], key_width
        block.append(c)
        used += widths[c] + _GAP
    blocks.append(block)

    lines = [(line, []) for line in textwrap.wrap(table.title, width)]
    for number, block in enumerate(blocks):
        if number:
            lines.append(("", []))
        shown = keys + block
        lines.append((_line(table.header, shown, widths, table.right), []))
        rule = (" " * _GAP).join("-" * widths[c] for c in shown)
        lines.append((rule, []))
        for r, row in enumerate(table.rows):
            bold = [(r, c) for c in shown if (r, c) in table.bold]
            lines.append(_line(row, shown, widths, table.right, bold, with_spans=True))
    return lines


def _line(cells, shown, widths, right, bold=(), with_spans=False):
    parts, spans, position = [], [], 0
    for index, c in enumerate(shown):
        text = str(cells[c])
        last = index == len(shown) - 1
        if c in right:
            padded = text.rjust(widths[c])
        else:
            padded = text if last else text.ljust(widths[c])
        start = position + (len(padded) - len(text) if c in right else 0)
        if any(c == column for _, column in bold):
            spans.append((start, start + len(text)))
        parts.append(padded)
        position += len(padded) + _GAP
    line = (" " * _GAP).join(parts).rstrip()
    return (line, spans) if with_spans else line


# -- the report's tables --------------------------------------------------------


def format_score(mean, half_width):
    if not math.isfinite(mean):
        return "–"
    if not math.isfinite(half_width):
        return f"{mean:.3f}"
    return f"{mean:.3f} ± {half_width:.3f}"


def scores_table(summary, best, metric, best_in="bold"):
    """Mean ± 95% half-width per arm (rows) and size (columns), winners bold.

    `best_in`: how the title says the winners are shown (`"bold"`, or
    `"*"` where bold cannot show and `text_lines` marks them).
    """
    sizes = sorted(summary["size"].unique())
    winner_of = dict(zip(best["size"], best["arm"], strict=True))
    rows, bold = [], set()
    for r, (arm, curve) in enumerate(summary.groupby("arm", sort=False)):
        by_size = curve.set_index("size")
        cells = [arm, curve["kind"].iloc[0]]
        for c, size in enumerate(sizes, start=2):
            if size not in by_size.index:
                cells.append("–")
                continue
            cells.append(
                format_score(by_size.at[size, "mean"], by_size.at[size, "half_width"])
            )
            if winner_of.get(size) == arm:
                bold.add((r, c))
        rows.append(cells)
    header = ["arm", "kind", *(f"{size} / class" for size in sizes)]
    right = set(range(2, len(header)))
    shown = "in bold" if best_in == "bold" else f"marked {best_in}"
    title = f"{metric}, mean ± 95% half-width over the repeats (best {shown})"
    return Table(title, header, rows, bold, right, key=2)


def verdict_label(test):
    """`deep ahead`, `traditional ahead`, `no significant difference`, ..."""
    if not math.isfinite(test["p"]):
        return f"not testable ({test['n_repeats']} repeat)"
    if test["p"] >= 0.05:
        verdict = "no significant difference"
    else:
        verdict = "deep ahead" if test["difference"] > 0 else "traditional ahead"
    return verdict + (" (underpowered)" if test["underpowered"] else "")


def verdict_table(tests):
    """Per size: both contenders, the difference, its interval, p, the verdict."""
    rows = []
    for test in tests.to_dict("records"):
        interval = "–"
        if math.isfinite(test["ci_low"]):
            interval = f"{test['ci_low']:+.3f} to {test['ci_high']:+.3f}"
        rows.append(
            [
                str(test["size"]),
                test["deep_arm"],
                test["traditional_arm"],
                f"{test['difference']:+.3f}",
                interval,
                format_p(test["p"]).removeprefix("p = "),
                verdict_label(test),
            ]
        )
    header = [
        "size",
        "best deep",
        "strongest traditional",
        "difference",
        "95% interval",
        "p",
        "verdict",
    ]
    title = "best deep arm vs strongest traditional arm (deep minus traditional)"
    return Table(title, header, rows, right={0, 3, 4, 5})


def legend_table(arms, data_kind):
    """Each arm's name, kind and what it is."""
    rows = [[arm, kind, describe_arm(arm, data_kind)] for arm, kind in arms.items()]
    return Table("arms", ["arm", "kind", "what it is"], rows)


def fit_time_table(seconds):
    """Seconds spent fitting per arm, and the total in bold."""
    rows = [[arm, f"{value:.1f}"] for arm, value in seconds.items()]
    rows.append(["total", f"{seconds.sum():.1f}"])
    last = len(rows) - 1
    return Table("fit time", ["arm", "fit seconds"], rows, {(last, 0), (last, 1)}, {1})


def columns_table(data_columns):
    """How each CSV column became features."""
    rows = [[f"`{column}`", how] for column, how in data_columns.items()]
    return Table("columns", ["column", "treatment"], rows)
