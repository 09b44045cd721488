"""Loads the data of a study from a name, a file, a folder or tensorflow-datasets.

Everything is checked here, before any training starts: a study that would fail
on its data fails at once, with a message that says what was expected.
"""

import dataclasses
import os
import re
import zipfile
import zlib

import numpy as np

EMBEDDED = ("digits", "breast_cancer", "wine")

# The label names scikit-learn gives the embedded datasets (`target_names`).
_EMBEDDED_CLASS_NAMES = {
    "digits": list(range(10)),
    "breast_cancer": ["malignant", "benign"],
    "wine": ["class_0", "class_1", "class_2"],
}

_DATA_FORMS = (
    "one of 'digits', 'breast_cancer', 'wine', a PATH.csv (with `target`), "
    "a PATH.npz holding arrays `x` and `y`, a folder with one subfolder of "
    "images per class, or 'tfds:NAME'"
)


@dataclasses.dataclass(eq=False)
class StudyData:
    """The inputs and labels of a study, checked and ready to train on.

    Args:
        x: float32 array. Images `(n, height, width, channels)` with values in
            `[0, 1]` when `kind == "images"`; features `(n, num_features)` when
            `kind == "tabular"`.
        y: int64 array of shape `(n,)`. Labels `0` to `k - 1`.
        kind: str. `"images"` or `"tabular"`.
        class_names: list. The original label of each class: `class_names[i]`
            is the label that `y == i` stands for.
        name: str. A short name of the data for reports, e.g. `"digits"`.
        columns: dict or `None`. For a CSV file, each feature column's
            treatment: `"numeric"`, `"numeric (bool as 0/1)"`,
            `"one-hot (k values)"` or `"dropped (...)"` with the reason, in the
            file's order; a warning, when there is one, follows in
            parentheses. `None` for other data. Defaults to `None`.

    Example:

    >>> data = keras_smalldata.study.load_study_data("breast_cancer")
    >>> isinstance(data, keras_smalldata.study.StudyData)
    True
    >>> data.kind, data.num_classes, data.class_names, data.x.dtype
    ('tabular', 2, ['malignant', 'benign'], dtype('float32'))
    """

    x: np.ndarray
    y: np.ndarray
    kind: str
    class_names: list
    name: str
    columns: dict = None

    @property
    def num_classes(self):
        return len(self.class_names)


def load_study_data(data="digits", target=None, image_size=(64, 64), data_dir=None):
    """Loads and checks the data of a study.

    Args:
        data: str or path. Where the data come from:
            - `"digits"`, `"breast_cancer"` or `"wine"`: the datasets embedded
              in scikit-learn (`keras_smalldata.datasets`).
            - `PATH.csv` with `target`: one sample per row. Numeric columns are
              used as they are, bool columns as 0/1, other columns (strings)
              one-hot encoded, except a text column with a distinct value in
              every row (an ID or free text), which is dropped. A text column
              whose cells are mostly numbers is an error naming the cells
              that are not (a decimal comma, a typo), and so is a missing
              value in a feature or in the target: fix them first.
              `StudyData.columns` tells how each column was used.
            - `PATH.npz` holding arrays `x` and `y`: `x` images `(n, h, w, c)`
              (or `(n, h, w)`, given one channel), either uint8 or floats in
              `[0, 1]`; or features `(n, num_features)`.
            - a folder with one subfolder of images per class, read with
              `keras.utils.image_dataset_from_directory` at `image_size`.
            - `"tfds:NAME"`: the `"train"` split of a tensorflow-datasets image
              dataset (its `"image"` and `"label"` features), already prepared
              in `data_dir`; nothing is downloaded.
        target: str. The label column of a CSV file. Required for CSV files,
            not accepted otherwise. Defaults to `None`.
        image_size: tuple `(height, width)`. The size images are resized to
            when read from a folder, or from a tfds dataset whose images vary in
            size. Defaults to `(64, 64)`.
        data_dir: str. Where tensorflow-datasets finds prepared datasets.
            Defaults to `None`, tensorflow-datasets' default
            (`~/tensorflow_datasets`).

    Returns:
        A `StudyData`. Labels of any type (strings, non-contiguous integers)
        are mapped to `0` to `k - 1` in sorted order; `class_names` keeps them.

    Raises:
        ValueError: if the data cannot be read (the message names the file,
            e.g. the image that is not an image), if `x` and `y` differ in
            length, if there are no samples, fewer than two classes, missing
            values, a CSV column of numbers with a few cells that are not, or
            a target column that does not exist.
        ImportError: for `"tfds:NAME"` when tensorflow-datasets is missing.

    Example:

    >>> data = keras_smalldata.study.load_study_data("wine")
    >>> data.x.shape, data.kind, data.class_names
    ((178, 13), 'tabular', ['class_0', 'class_1', 'class_2'])
    """
    if not isinstance(data, (str, os.PathLike)):
        raise TypeError(
            f"`data` must be a name or a path. Expected {_DATA_FORMS}. "
            f"Received: data={data!r} of type {type(data).__name__}"
        )
    data = os.fspath(data)
    if target is not None and not data.lower().endswith(".csv"):
        raise ValueError(
            "`target` names the label column of a CSV file; other data carry "
            f"their labels. Received: data={data!r}, target={target!r}"
        )
    columns = None
    if data in EMBEDDED:
        x, y, kind, class_names = _load_embedded(data)
        name = data
    elif data.startswith("tfds:"):
        x, y, kind, class_names = _load_tfds(data[len("tfds:") :], image_size, data_dir)
        name = data
    elif not os.path.exists(data):
        raise ValueError(
            f"No file or folder at {data!r}. Expected {_DATA_FORMS}. "
            f"Received: data={data!r}"
        )
    elif os.path.isdir(data):
        x, y, kind, class_names = _load_image_folder(data, image_size)
        name = os.path.basename(os.path.normpath(data))
    elif data.lower().endswith(".csv"):
        x, y, kind, class_names, columns = _load_csv(data, target)
        name = os.path.splitext(os.path.basename(data))[0]
    elif data.lower().endswith(".npz"):
        x, y, kind, class_names = _load_npz(data)
        name = os.path.splitext(os.path.basename(data))[0]
    else:
        raise ValueError(
            f"Cannot tell how to read {data!r}. Expected {_DATA_FORMS}. "
            f"Received: data={data!r}"
        )
    _check(x, y, class_names, data)
    return StudyData(
        x=x, y=y, kind=kind, class_names=class_names, name=name, columns=columns
    )


def check_per_class(y, per_class, class_names):
    """Checks that every class has enough samples for the largest training size.

    Each training set takes `per_class` samples of every class, and at least one
    sample of every class must remain for the test set.

    Args:
        y: 1-D int array. Labels `0` to `k - 1`.
        per_class: int or list of int. The training sizes per class.
        class_names: list. The original label of each class, for the message.

    Raises:
        ValueError: if a size is not a positive integer, or if the smallest
            class has no more than `max(per_class)` samples. The message names
            that class and its count.

    Example:

    >>> data = keras_smalldata.study.load_study_data("wine")
    >>> keras_smalldata.study.check_per_class(data.y, [5, 20], data.class_names)
    >>> keras_smalldata.study.check_per_class(data.y, 50, data.class_names)
    Traceback (most recent call last):
    ...
    ValueError: per_class=50 needs more than 50 samples in every class ...
    """
    sizes = np.atleast_1d(np.asarray(per_class))
    if (
        sizes.size == 0
        or sizes.ndim != 1
        or not np.issubdtype(sizes.dtype, np.integer)
        or (sizes < 1).any()
    ):
        raise ValueError(
            "`per_class` must be a positive integer or a list of them. "
            f"Received: per_class={per_class!r}"
        )
    largest = int(sizes.max())
    counts = np.bincount(np.asarray(y), minlength=len(class_names))
    smallest = int(np.argmin(counts))
    if counts[smallest] <= largest:
        raise ValueError(
            f"per_class={largest} needs more than {largest} samples in every "
            f"class ({largest} to train on, at least 1 to test on), but the "
            f"smallest class, {class_names[smallest]!r}, has "
            f"{int(counts[smallest])}. Use training sizes below "
            f"{int(counts[smallest])}. Received: per_class={per_class!r}"
        )


def _encode_labels(labels):
    """Maps labels of any type to `0..k-1` in sorted order, keeping the originals."""
    class_names, y = np.unique(np.asarray(labels), return_inverse=True)
    return y.reshape(-1).astype(np.int64), class_names.tolist()


def _check(x, y, class_names, data):
    if len(x) != len(y):
        raise ValueError(
            f"{data!r}: `x` and `y` must hold the same number of samples. "
            f"Received: len(x)={len(x)}, len(y)={len(y)}"
        )
    if len(y) == 0:
        raise ValueError(f"{data!r} holds no samples. Received: len(y)=0")
    if len(class_names) < 2:
        raise ValueError(
            f"{data!r}: a study needs at least two classes. "
            f"Received: class_names={class_names!r}"
        )
    if not np.isfinite(x).all():
        raise ValueError(
            f"{data!r}: `x` holds NaN or infinite values; impute or drop them "
            f"first. Received: {int((~np.isfinite(x)).sum())} such values"
        )


def _load_embedded(name):
    from keras_smalldata import datasets

    x, y = getattr(datasets, f"load_{name}")()
    kind = "images" if x.ndim == 4 else "tabular"
    return x, y, kind, list(_EMBEDDED_CLASS_NAMES[name])


def _load_csv(path, target):
    import pandas as pd

    if target is None:
        raise ValueError(
            f"A CSV file needs `target`, the name of its label column "
            f"(`--target COL` on the command line). Received: data={path!r}"
        )
    try:
        frame = pd.read_csv(path)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise ValueError(f"Cannot read the CSV file {path!r}: {error}") from error
    except pd.errors.EmptyDataError as error:
        raise ValueError(f"{path!r} holds no samples: the file is empty") from error
    if target not in frame.columns:
        raise ValueError(
            f"{path!r} has no column {target!r}. Its columns: "
            f"{list(frame.columns)}. Received: target={target!r}"
        )
    labels = frame.pop(target)
    if labels.isna().any():
        rows = np.flatnonzero(labels.isna().to_numpy())
        raise ValueError(
            f"{path!r}: the target column {target!r} has missing values in "
            f"{len(rows)} row(s) (first at data row {rows[0] + 1}); drop or fill "
            "them first"
        )
    if frame.shape[1] == 0:
        raise ValueError(
            f"{path!r} has no feature columns besides the target {target!r}"
        )
    for column in frame.columns:
        missing = int(frame[column].isna().sum())
        if missing:
            raise ValueError(
                f"{path!r}: the feature column {column!r} has {missing} missing "
                "value(s); impute or drop them first"
            )
    columns = {column: _treatment(frame[column], path) for column in frame.columns}
    kept = [column for column, how in columns.items() if not how.startswith("dropped")]
    if not kept:
        raise ValueError(
            f"{path!r} has no usable feature columns besides the target "
            f"{target!r}: {_describe(columns)}"
        )
    categorical = [column for column in kept if columns[column].startswith("one-hot")]
    features = pd.get_dummies(frame[kept], columns=categorical, dtype=np.float32)
    x = features.to_numpy(dtype=np.float32)
    y, class_names = _encode_labels(labels.to_numpy())
    return x, y, "tabular", class_names, columns


def _treatment(values, path):
    """How a CSV feature column is used; raises for a column of numbers and typos.

    Numbers stay numbers and bools become 0/1. Text is one-hot encoded, unless
    every row holds another value (an ID or free text: one-hot columns of one
    sample each, which nothing can learn from), and then it is dropped. Text
    that is mostly numbers is a numeric column with a few bad cells ("1,5"),
    which one-hot encoding would silently turn into one feature per value.
    """
    import pandas as pd

    column = values.name
    if pd.api.types.is_bool_dtype(values):
        return "numeric (bool as 0/1)"
    if pd.api.types.is_numeric_dtype(values):
        start = values.iloc[0] if len(values) else 0
        counting = np.arange(start, start + len(values))
        if (
            pd.api.types.is_integer_dtype(values)
            and len(values) >= 3
            and start in (0, 1)
            and np.array_equal(values.to_numpy(), counting)
        ):
            return "numeric (warning: it counts the rows, a saved index?)"
        return "numeric"
    numbers = pd.to_numeric(values.astype(str), errors="coerce")
    bad = np.flatnonzero(numbers.isna().to_numpy())
    if len(bad) < len(values) - len(bad):
        cells = ", ".join(
            f"{values.iloc[row]!r} (data row {row + 1})" for row in bad[:5]
        )
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise ValueError(
            f"{path!r}: the column {column!r} holds numbers except for "
            f"{len(bad)} cell(s): {cells}{more}. A decimal comma or a thousands "
            "separator makes a number text; fix those cells. If the column is "
            "categorical, give its values names that are not numbers. "
            f"Received: column {column!r} with {len(bad)} non-numeric cell(s) "
            f"among {len(values)}"
        )
    distinct = values.nunique()
    if len(values) > 1 and distinct == len(values):
        return "dropped (a distinct value in every row: an ID or free text)"
    return f"one-hot ({distinct} values)"


def _describe(columns):
    return "; ".join(f"{column!r} {how}" for column, how in columns.items())


def _load_npz(path):
    x, labels = _read_npz(path)
    if np.issubdtype(labels.dtype, np.floating) and np.isnan(labels).any():
        raise ValueError(
            f"{path!r}: `y` has {int(np.isnan(labels).sum())} missing (NaN) "
            "label(s); drop them first"
        )
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(
            f"{path!r}: `y` must be a 1-D array of labels (not one-hot). "
            f"Received: y.shape={labels.shape}"
        )
    if x.ndim == 3:
        x = x[..., np.newaxis]
    if x.ndim == 2:
        kind = "tabular"
    elif x.ndim == 4:
        kind = "images"
    else:
        raise ValueError(
            f"{path!r}: `x` must be images (n, height, width[, channels]) or "
            f"features (n, num_features). Received: x.shape={x.shape}"
        )
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise ValueError(f"{path!r}: `x` must be numeric. Received: x.dtype={x.dtype}")
    if kind == "images":
        x = _scale_images(x, path)
    else:
        x = x.astype(np.float32)
    y, class_names = _encode_labels(labels)
    return x, y, kind, class_names


def _read_npz(path):
    """The arrays `x` and `y` of an npz file: a zip archive of `.npy` files."""
    try:
        with open(path, "rb") as file:
            head = file.read(6)
    except OSError as error:
        raise ValueError(f"Cannot read the npz file {path!r}: {error}") from error
    if not zipfile.is_zipfile(path):
        what = "not a zip archive"
        if not head:
            what = "empty"
        elif head == b"\x93NUMPY":
            what = "a single .npy array"
        raise ValueError(
            f"{path!r} is not a valid npz file: it is {what}. An npz file is the "
            "zip archive `numpy.savez(path, x=x, y=y)` writes. "
            f"Received: data={path!r}"
        )
    try:
        file = np.load(path, allow_pickle=False)
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as error:
        raise ValueError(
            f"{path!r} is not a valid npz file: cannot read it ({error}). "
            f"Received: data={path!r}"
        ) from error
    with file:
        if "x" not in file.files or "y" not in file.files:
            raise ValueError(
                f"{path!r} must hold arrays named 'x' and 'y'. "
                f"Received arrays: {sorted(file.files)}"
            )
        return _npz_array(file, "x", path), _npz_array(file, "y", path)


def _npz_array(file, key, path):
    try:
        array = file[key]
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error) as error:
        reason = str(error)
        if "allow_pickle" in reason:
            # numpy's own message suggests unsafe loading; a study never does.
            reason = "it holds Python objects (dtype=object), not numbers or text"
        raise ValueError(
            f"{path!r}: cannot read the array {key!r}: {reason}. "
            f"Received: data={path!r}"
        ) from error
    if not isinstance(array, np.ndarray):  # A member that is not a .npy file.
        raise ValueError(
            f"{path!r}: {key!r} is not a .npy array. Received: data={path!r}"
        )
    return array


def _scale_images(x, source):
    if x.dtype == np.uint8:
        return x.astype(np.float32) / 255.0
    x = x.astype(np.float32)
    if x.size and (np.nanmin(x) < 0 or np.nanmax(x) > 1):
        raise ValueError(
            f"{source!r}: images must be uint8 (0 to 255) or floats in [0, 1]. "
            f"Received: values from {float(np.nanmin(x))} to "
            f"{float(np.nanmax(x))}, dtype float"
        )
    return x


def _load_image_folder(path, image_size):
    import keras

    try:
        dataset = keras.utils.image_dataset_from_directory(
            path,
            labels="inferred",
            label_mode="int",
            image_size=tuple(image_size),
            shuffle=False,
            batch_size=256,
            verbose=False,
        )
    except ValueError as error:
        raise ValueError(f"Cannot read images from {path!r}: {error}") from error
    class_names = list(dataset.class_names)
    try:
        batches = [(images.numpy(), labels.numpy()) for images, labels in dataset]
    except Exception as error:  # tf.errors.* for a corrupt or unreadable image.
        raise ValueError(_unreadable(path, dataset.file_paths, error)) from error
    if not batches:
        raise ValueError(
            f"{path!r} holds no images. Expected one subfolder of images per class"
        )
    x = np.concatenate([images for images, _ in batches]) / np.float32(255)
    y = np.concatenate([labels for _, labels in batches]).astype(np.int64)
    # Classes without images would leave gaps in the labels; drop them.
    present = np.unique(y)
    y = np.searchsorted(present, y).astype(np.int64)
    class_names = [class_names[i] for i in present]
    return x.astype(np.float32), y, "images", class_names


def _unreadable(path, file_paths, error):
    """Names the files of an image folder that do not decode.

    TensorFlow's error names no file; each file is decoded again, the way
    `image_dataset_from_directory` does, only once reading has failed.
    """
    import tensorflow as tf

    bad = []
    for file_path in file_paths:
        try:
            tf.io.decode_image(
                tf.io.read_file(file_path), channels=3, expand_animations=False
            )
        except tf.errors.OpError as file_error:
            bad.append(f"{file_path!r} ({_op_message(file_error)})")
    if not bad:
        return (
            f"Cannot read images from {path!r}: {type(error).__name__}: "
            f"{_op_message(error)}"
        )
    more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
    return (
        f"Cannot read images from {path!r}: {len(bad)} file(s) are not readable "
        f"images: {', '.join(bad[:5])}{more}. Remove or replace them. "
        f"Received: data={path!r}"
    )


def _op_message(error):
    """A TensorFlow error's message without its graph node and op names."""
    message = getattr(error, "message", None) or str(error)
    message = re.sub(r"\{\{[^}]*\}\}|\[\[[^\]]*\]\]|\[Op:.*", "", message)
    return " ".join(message.split()).rstrip(".") or type(error).__name__


def _load_tfds(name, image_size, data_dir):
    try:
        import tensorflow_datasets as tfds
    except ImportError as error:
        raise ImportError(
            f"Loading 'tfds:{name}' requires tensorflow-datasets. Install it "
            'with: pip install "keras-smalldata[tfds]"'
        ) from error
    import tensorflow as tf

    if not name:
        raise ValueError(
            "Name the tensorflow-datasets dataset after 'tfds:', e.g. "
            "'tfds:mnist'. Received: data='tfds:'"
        )
    try:
        dataset, info = tfds.load(
            name, split="train", data_dir=data_dir, download=False, with_info=True
        )
    except tfds.core.registered.DatasetNotFoundError as error:
        raise ValueError(
            f"tensorflow-datasets has no dataset {name!r}. See "
            "https://www.tensorflow.org/datasets/catalog for the names. "
            f"Received: data='tfds:{name}'"
        ) from error
    except AssertionError as error:
        # What tfds raises when the data were never prepared in `data_dir`.
        where = data_dir or "tensorflow-datasets' default data_dir"
        build = f"tfds build {name}" + (f" --data_dir {data_dir}" if data_dir else "")
        raise ValueError(
            f"The dataset {name!r} is not prepared in {where}, and a study "
            f"downloads nothing. Prepare it once with `{build}` (online), or "
            "pass the folder that holds it as `data_dir` (`--data-dir DIR`). "
            f"Details: {error}"
        ) from error
    features = info.features
    if "image" not in features or "label" not in features:
        raise ValueError(
            f"A tfds study needs an image dataset with 'image' and 'label' "
            f"features. Received features: {list(features.keys())}"
        )
    # Images of varying size are resized; fixed-size ones keep their size.
    resize = None in features["image"].shape[:2]
    images, labels = [], []
    for example in dataset:
        image = example["image"]
        if resize:
            resized = tf.image.resize(image, tuple(image_size))
            if image.dtype == tf.uint8:
                resized = tf.cast(tf.round(tf.clip_by_value(resized, 0, 255)), tf.uint8)
            image = resized
        images.append(np.asarray(image))
        labels.append(int(example["label"]))
    if not images:
        raise ValueError(f"'tfds:{name}' holds no samples in its 'train' split")
    x = _scale_images(np.stack(images), f"tfds:{name}")
    label_names = getattr(features["label"], "names", None)
    y, present = _encode_labels(labels)
    class_names = [label_names[i] for i in present] if label_names else present
    return x, y, "images", class_names
