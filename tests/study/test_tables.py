"""One table builder for the terminal and the Markdown; 80 columns, no cuts."""

import io
import re

import pytest
from _study_fakes import make_result, make_results
from rich.console import Console

from keras_smalldata.study import _tables, print_summary
from keras_smalldata.study.summary import summarize, winners

LONG_ARMS = {
    ("hist_gradient_boosting_tuned", "traditional"): {
        5: 0.81,
        10: 0.9,
        20: 0.94,
        50: 0.97,
    },
    ("logistic_regression_tuned", "traditional"): {
        5: 0.8,
        10: 0.88,
        20: 0.93,
        50: 0.96,
    },
    ("augment+synthetic+transfer", "deep"): {5: 0.85, 10: 0.92, 20: 0.95, 50: 0.98},
    ("scratch", "deep"): {5: 0.83, 10: 0.9, 20: 0.94, 50: 0.975},
}
NOISE = {
    arm: [0.01 * ((i * (j + 2)) % 5 - 2) for j in range(5)]
    for i, ((arm, _), _) in enumerate(LONG_ARMS.items(), start=1)
}


def long_results():
    return make_results(means=LONG_ARMS, noise=NOISE)


def printed(results, width=80):
    """What `print_summary` writes to a console that is not a terminal."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False)
    assert not console.is_terminal
    print_summary(results, console)
    return buffer.getvalue()


def test_every_line_fits_80_columns_and_no_number_is_cut():
    results = long_results()
    text = printed(make_result(results))
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" not in text and "..." not in text
    # Every mean ± half-width of the summary, whole.
    for row in summarize(results).itertuples():
        assert f"{row.mean:.3f} ± {row.half_width:.3f}" in text
    # Every size's column, every arm's name.
    for size in (5, 10, 20, 50):
        assert f"{size} / class" in text
    for arm, _ in LONG_ARMS:
        assert arm in text


def test_the_verdict_comes_first_then_the_tables():
    text = printed(make_result(long_results()))
    lines = text.splitlines()
    assert lines[0] == "Verdict (accuracy): best deep arm vs strongest traditional arm"
    assert lines[1].startswith("- With 5 labelled images per class, ")
    sentences = re.findall(r"^- With (\d+) labelled", text, flags=re.M)
    assert sentences == ["5", "10", "20", "50"]
    assert text.index("Verdict") < text.index("mean ± 95% half-width")
    assert text.index("mean ± 95% half-width") < text.index("(deep minus traditional)")


def test_a_wide_table_wraps_into_blocks_that_repeat_the_arm():
    table = _tables.scores_table(
        summarize(long_results()), winners(long_results()), "accuracy"
    )
    lines = [line for line, _ in _tables.text_lines(table, 80)]
    headers = [line for line in lines if line.startswith("arm ")]
    assert len(headers) == 2  # two blocks of sizes
    assert all(len(line) <= 80 for line in lines)
    assert sum(line.startswith("scratch ") for line in lines) == 2
    # Wide enough: one block.
    wide = [line for line, _ in _tables.text_lines(table, 200)]
    assert sum(line.startswith("arm ") for line in wide) == 1


def test_a_cell_wider_than_the_console_is_kept_whole():
    table = _tables.Table("t", ["key", "value"], [["a", "x" * 50]])
    lines = [line for line, _ in _tables.text_lines(table, 20)]
    assert "x" * 50 in lines[-1]


def test_bold_spans_mark_the_winners_cells():
    results = make_results()
    table = _tables.scores_table(summarize(results), winners(results), "accuracy")
    for line, spans in _tables.text_lines(table, 80)[3:]:
        marked = [line[start:end] for start, end in spans]
        if line.startswith("cnn "):  # the winner at both sizes
            assert len(marked) == 2
            assert all(re.fullmatch(r"0\.\d{3} ± 0\.\d{3}", cell) for cell in marked)
        else:
            assert marked == []


def test_the_same_table_renders_as_markdown():
    results = make_results()
    table = _tables.scores_table(summarize(results), winners(results), "accuracy")
    text = _tables.markdown(table)
    assert text.splitlines()[0] == "| arm | kind | 5 / class | 10 / class |"
    assert text.splitlines()[1] == "| --- | --- | ---: | ---: |"
    assert "| cnn | deep | **0.810 ± " in text
    assert "| svc | traditional | 0.800 ± " in text


def test_markdown_escapes_pipes():
    table = _tables.Table("t", ["a|b"], [["c|d"]])
    assert _tables.markdown(table) == "| a\\|b |\n| --- |\n| c\\|d |"


@pytest.mark.parametrize("width", [60, 80, 120])
def test_terminal_summary_fits_any_width(width):
    text = printed(long_results(), width=width)
    table_lines = [
        line for line in text.splitlines() if not line.startswith(("-", " "))
    ]
    assert max(len(line) for line in table_lines) <= width


def test_winners_get_a_star_where_bold_cannot_show():
    results = make_results()
    text = printed(results)
    assert "(best marked *)" in text
    lines = {line.split()[0]: line for line in text.splitlines() if line.strip()}
    assert lines["cnn"].count(" *") == 2 and " *" not in lines["svc"]
    buffer = io.StringIO()
    terminal = Console(file=buffer, width=80, force_terminal=True)
    print_summary(results, terminal)
    styled = buffer.getvalue()
    assert "(best in bold)" in styled and " *" not in styled
    assert "\x1b[1m0.810 ± " in styled  # bold on a terminal
