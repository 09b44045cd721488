"""TF Serving's `export_dir/<version>/` layout: find, validate, publish."""

import os
import shutil
import uuid

from keras_smalldata._validation import check_int


def existing_versions(export_dir):
    """Returns the sorted numeric version subdirectories of `export_dir`."""
    if not os.path.isdir(export_dir):
        return []
    return sorted(
        int(name)
        for name in os.listdir(export_dir)
        if name.isascii()
        and name.isdigit()
        and os.path.isdir(os.path.join(export_dir, name))
    )


def check_export_dir(export_dir):
    """Returns `export_dir` as a string; raises if it cannot hold versions."""
    if not isinstance(export_dir, (str, os.PathLike)):
        raise TypeError(
            "`export_dir` must be a path (str or os.PathLike). "
            f"Received: export_dir={export_dir!r} of type {type(export_dir)}"
        )
    export_dir = os.fspath(export_dir)
    if os.path.lexists(export_dir) and not os.path.isdir(export_dir):
        raise ValueError(
            "`export_dir` must be a directory (TF Serving's model base path) or "
            "not exist yet; it exists and is not a directory (left untouched). "
            f"Received: export_dir={export_dir!r}"
        )
    return export_dir


def check_version(version):
    """`version` as an int; raises unless it is None or a positive int."""
    return check_int(
        version, "version", none_ok=True, hint="TF Serving's version directory name"
    )


def choose_version(export_dir, version):
    """Returns the version to write: `version`, or one past the largest one."""
    versions = existing_versions(export_dir)
    if version is None:
        return (versions[-1] + 1) if versions else 1
    # TF Serving reads a folder `0010` as version 10, as `existing_versions`
    # does: writing `10` beside it would publish version 10 twice.
    taken = spellings_of(export_dir, version)
    if taken:
        raise ValueError(
            f"Version {version} already exists in {export_dir!r} (as "
            f"{', '.join(taken)}); export_for_serving never overwrites. Pass a new "
            f"version or version=None. Existing versions: {versions}. "
            f"Received: version={version}"
        )
    return version


def spellings_of(export_dir, version):
    """The entries of `export_dir` that TF Serving reads as `version`.

    The folder `10` and also `0010`, `010`, ...; and anything named `10`,
    which would block the rename.
    """
    if not os.path.isdir(export_dir):
        return []
    return sorted(
        name
        for name in os.listdir(export_dir)
        if name == str(version)
        or (
            name.isascii()
            and name.isdigit()
            and int(name) == version
            and os.path.isdir(os.path.join(export_dir, name))
        )
    )


def publish(export_dir, version, write):
    """Writes a version with `write(tmp_dir)`, then renames it into place.

    The version appears whole or not at all: `write` fills a hidden temporary
    directory inside `export_dir` (TF Serving ignores non-numeric names), which
    is renamed to `export_dir/<version>` only once `write` has returned. On any
    failure the temporary directory is removed, and so is `export_dir` if this
    call created it and it is empty.

    Returns:
        The path of the version directory.
    """
    created = not os.path.exists(export_dir)
    os.makedirs(export_dir, exist_ok=True)
    target = os.path.join(export_dir, str(version))
    # Not tempfile.mkdtemp: its 0o700 mode would survive the rename and could
    # hide the model from a server running as another user.
    tmp_dir = os.path.join(export_dir, f".tmp-{version}-{uuid.uuid4().hex}")
    os.mkdir(tmp_dir)
    try:
        write(tmp_dir)
        if os.path.lexists(target) or spellings_of(export_dir, version):
            raise ValueError(
                f"Version {version} appeared in {export_dir!r} while exporting; "
                f"it is left untouched. Received: version={version}"
            )
        os.rename(tmp_dir, target)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        if created and not os.listdir(export_dir):
            os.rmdir(export_dir)
        raise
    return target
