"""A report's folder: checked before any work, then published whole or not at all.

A report never mixes two runs: it goes to a new or empty folder, or, with
`overwrite`, replaces a folder that holds a previous report and nothing else.
It is written to a hidden temporary folder beside the target, which is renamed
into place only once every file is written; an interrupted or failed write
leaves the target as it was.
"""

import os
import shutil
import uuid

# Every file `write_report` may write: a folder holding only these is a report.
REPORT_FILES = (
    "results.csv",
    "report.md",
    "learning_curve.png",
    "augmentations.png",
    "vae_samples.png",
)


def check_out_dir(out_dir, overwrite=False, name="out_dir", flag="overwrite=True"):
    """Raises `ValueError` unless a report may be written to `out_dir`.

    `write_report` checks the same before writing; call this before
    `run_study` to fail before the training rather than after it. A report
    goes to a new or empty folder, or (with `overwrite`) replaces a folder
    holding a previous report and nothing else.

    Args:
        out_dir: str or path.
        overwrite: bool. Whether a previous report there may be replaced.
            Defaults to `False`.
        name: str. The argument's name in messages (`"--out"` for the CLI).
            Defaults to `"out_dir"`.
        flag: str. How to ask for `overwrite` in messages. Defaults to
            `"overwrite=True"`.

    Example:

    >>> import pathlib
    >>> keras_smalldata.study.check_out_dir("report")  # new: fine
    >>> pathlib.Path("mine").mkdir()
    >>> _ = pathlib.Path("mine", "a.txt").write_text("mine")
    >>> keras_smalldata.study.check_out_dir("mine")
    Traceback (most recent call last):
    ...
    ValueError: 'mine' already holds files that are not a study's report (a.txt); ...
    """
    if not isinstance(out_dir, (str, os.PathLike)) or not os.fspath(out_dir):
        raise ValueError(
            f"`{name}` must be the path of a folder. Received: {name}={out_dir!r}"
        )
    path = os.fspath(out_dir)
    if os.path.lexists(path) and not os.path.isdir(path):
        raise ValueError(
            f"`{name}` must be a folder, and {path!r} is a file. Choose a new "
            f"folder. Received: {name}={path!r}"
        )
    if os.path.isdir(path):
        entries = sorted(os.listdir(path))
        foreign = [entry for entry in entries if entry not in REPORT_FILES]
        if foreign:
            shown = foreign[:5] + (["..."] if len(foreign) > 5 else [])
            raise ValueError(
                f"{path!r} already holds files that are not a study's report "
                f"({', '.join(shown)}); a report goes to a new or empty folder "
                f"and never replaces other files, even with {flag}. Choose "
                f"another folder. Received: {name}={path!r}"
            )
        if entries and not overwrite:
            raise ValueError(
                f"{path!r} already holds a report ({', '.join(entries)}). "
                f"Choose another folder, or pass {flag} to replace it once "
                f"the new one is complete. Received: {name}={path!r}"
            )
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.lexists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent) or not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(
            f"Cannot create {path!r}: {parent!r} is not a folder this user may "
            f"write to. Received: {name}={path!r}"
        )


def publish(out_dir, write, overwrite=False):
    """Runs `write(folder)` on a fresh folder, then renames it to `out_dir`.

    The folder is a hidden sibling of `out_dir`, so the rename stays on one
    file system. A previous report (with `overwrite`) or an empty folder at
    `out_dir` is moved aside, replaced and then deleted; on any failure,
    `KeyboardInterrupt` included, the temporary folder is removed and
    `out_dir` is left as it was.

    Returns:
        What `write` returned.
    """
    check_out_dir(out_dir, overwrite)
    # A link to a folder is followed: the report goes where it points.
    target = os.path.realpath(os.fspath(out_dir))
    parent, base = os.path.split(target)
    os.makedirs(parent, exist_ok=True)
    # Not tempfile.mkdtemp: its 0o700 mode would survive the rename.
    tmp_dir = os.path.join(parent, f".{base}.tmp-{uuid.uuid4().hex}")
    os.mkdir(tmp_dir)
    try:
        result = write(tmp_dir)
        check_out_dir(out_dir, overwrite)  # Something may have appeared since.
        if not os.path.isdir(target):
            os.rename(tmp_dir, target)
            return result
        old_dir = os.path.join(parent, f".{base}.old-{uuid.uuid4().hex}")
        os.rename(target, old_dir)
        try:
            os.rename(tmp_dir, target)
        except BaseException:
            os.rename(old_dir, target)
            raise
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise
    shutil.rmtree(old_dir, ignore_errors=True)
    return result
