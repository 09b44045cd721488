"""Plots for looking at images: augmentations of a batch, VAE samples, any grid."""

import keras
import numpy as np

from keras_smalldata._validation import check_int, check_value_range


def augmentation_grid(layer, images, num_rows=4, value_range=(0, 1)):
    """Draws a batch of images next to several random augmentations of it.

    The first row shows `images` as given; each of the `num_rows` rows below
    shows `layer(images, training=True)` from a fresh call, so the layer draws
    new randomness for every row. Column `i` always shows image `i`. For a
    reproducible figure, give the layer a `seed` and use a fresh layer.

    The figure is a `matplotlib.figure.Figure` made without `pyplot`, so it
    works under any backend, including headless ones; save it with
    `figure.savefig(path)`.

    Args:
        layer: callable. The augmentation, e.g. a Keras layer; called as
            `layer(images, training=True)` and expected to return a batch of
            images of the same batch size.
        images: array-like of shape `(batch, height, width, channels)`, with 1
            (grayscale) or 3 (RGB) channels. Either uint8 in `[0, 255]` or
            floats in `value_range`.
        num_rows: int. Number of augmented rows, at least 1. Defaults to `4`.
        value_range: tuple of two floats `(low, high)`. The pixel range of
            float images (and of the layer's outputs for them), used to scale
            them for display; values outside are clipped. Ignored for uint8
            images, which are shown on `[0, 255]`. Defaults to `(0, 1)`.

    Returns:
        A `matplotlib.figure.Figure` with `num_rows + 1` rows and `batch`
        columns of axes, in row-major order in `figure.axes`.

    Raises:
        ImportError: if matplotlib is not installed.
        TypeError: if `layer` is not callable or `images` do not hold numbers.
        ValueError: if `images` is not a rank-4 batch with 1 or 3 channels, if
            `num_rows` is not an integer of at least 1, if `value_range` is not
            an increasing pair, or if the layer's output is not such a batch.

    Example:

    >>> x, _ = keras_smalldata.datasets.load_digits()
    >>> figure = keras_smalldata.plotting.augmentation_grid(
    ...     keras.layers.RandomTranslation(0.2, 0.2, seed=0), x[:8]
    ... )
    >>> figure.savefig("augmentations.png")
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(
            "`augmentation_grid` requires matplotlib. Install it with: "
            'pip install "keras-smalldata[plot]"'
        ) from error

    check_int(num_rows, "num_rows", low=1)
    if not callable(layer):
        raise TypeError(
            "`layer` must be a callable such as a Keras layer, called as "
            f"`layer(images, training=True)`. Received: layer={layer!r}"
        )
    value_range = check_value_range(value_range)
    images = np.asarray(keras.ops.convert_to_numpy(images))
    if images.dtype.kind not in "biuf":
        raise TypeError(
            f"`images` must hold numbers. Received: images.dtype={images.dtype}"
        )
    _check_batch(images, "images")
    display_range = (0, 255) if images.dtype == np.uint8 else tuple(value_range)

    batches = [images]
    for _ in range(num_rows):
        output = keras.ops.convert_to_numpy(layer(images, training=True))
        _check_batch(output, "output", batch_size=len(images))
        batches.append(output)

    labels = ["original"] + [f"aug. {row}" for row in range(1, num_rows + 1)]
    rows = [list(_for_display(batch, display_range)) for batch in batches]
    return _grid_figure(Figure, rows, labels)


def vae_sample_grid(vae, per_class=8, images=None, labels=None, seed=None):
    """Draws new images from a VAE: one row per class, real image first.

    For a conditional VAE, row `c` holds `per_class` samples drawn for class
    `c`; for an unconditional one, a single row of `per_class` samples. Given
    `images` and `labels` (a conditional VAE's training data, class indices),
    the first column of each row shows a real image of that class, to compare.

    Args:
        vae: a `keras_smalldata.models.VAE` for images with 1 or 3 channels,
            whose outputs are in `[0, 1]`.
        per_class: int. Samples per row, at least 1. Defaults to `8`.
        images: array-like of shape `(n, height, width, channels)` in `[0, 1]`,
            or `None`. Real images for the first column. Defaults to `None`.
        labels: array-like of `n` class indices, or `None`. The classes of
            `images`; needed with `images` for a conditional VAE. Defaults to
            `None`.
        seed: int or `None`. Seeds the samples. Defaults to `None`.

    Returns:
        A `matplotlib.figure.Figure`.

    Example:

    >>> vae = keras_smalldata.models.VAE.for_images(
    ...     (8, 8, 1), latent_dim=2, num_classes=3, seed=0
    ... )
    >>> figure = keras_smalldata.plotting.vae_sample_grid(vae, per_class=4, seed=0)
    >>> len(figure.axes)  # 3 classes x 4 samples
    12
    """
    from matplotlib.figure import Figure

    check_int(per_class, "per_class", low=1)
    rows = vae.num_classes or 1
    if vae.num_classes:
        classes = np.repeat(np.arange(rows), per_class)
        samples = vae.sample(len(classes), labels=classes, seed=seed)
    else:
        samples = vae.sample(per_class, seed=seed)
    _check_batch(samples, "samples")
    samples = samples.reshape(rows, per_class, *samples.shape[1:])
    real = None
    if images is not None:
        images = np.asarray(images)
        _check_batch(images, "images")
        if vae.num_classes:
            if labels is None or len(labels) != len(images):
                raise ValueError(
                    "vae_sample_grid needs one label per image for a conditional "
                    f"VAE. Received: labels={labels!r} for {len(images)} images"
                )
            labels = np.asarray(labels)
            real = [images[np.flatnonzero(labels == c)[:1]] for c in range(rows)]
        else:
            real = [images[:1]]
    cells = []
    for row in range(rows):
        cells.append(list(_for_display(samples[row], (0, 1))))
        if real is not None:
            # No real image of this class: an empty cell.
            first = _for_display(real[row], (0, 1))[0] if len(real[row]) else None
            cells[row].insert(0, first)
    labels = [str(row) for row in range(rows)] if vae.num_classes else None
    titles = None if real is None else ["real"] + [""] * per_class
    return _grid_figure(Figure, cells, labels, titles)


def image_grid(images, row_labels=None, column_titles=None, value_range=(0, 1)):
    """Draws images already in hand as a grid: row `i` shows `images[i]`.

    For images that were drawn elsewhere, e.g. a study's VAE samples or
    augmentations carried back from its worker processes
    (`keras_smalldata.study.StudyResult`). The figure is made without
    `pyplot`; save it with `figure.savefig(path)`.

    Args:
        images: array-like of shape `(rows, columns, height, width,
            channels)`, with 1 (grayscale) or 3 (RGB) channels. Either uint8
            in `[0, 255]` or floats in `value_range` (clipped to it). An image
            that is all NaN leaves its cell empty.
        row_labels: list of str, one per row, or `None`. Written left of each
            row. Defaults to `None`.
        column_titles: list of str, one per column, or `None`. Written above
            each column (`""` for none). Defaults to `None`.
        value_range: tuple of two floats `(low, high)`. The pixel range of
            float images. Ignored for uint8 images. Defaults to `(0, 1)`.

    Returns:
        A `matplotlib.figure.Figure` with `rows` rows and `columns` columns of
        axes, in row-major order in `figure.axes`.

    Raises:
        ImportError: if matplotlib is not installed.
        TypeError: if `images` do not hold numbers.
        ValueError: if `images` is not a non-empty array of rank 5 with 1 or 3
            channels, if `row_labels` or `column_titles` do not match its rows
            or columns, or if `value_range` is not an increasing pair.

    Example:

    >>> x, _ = keras_smalldata.datasets.load_digits()
    >>> figure = keras_smalldata.plotting.image_grid(
    ...     x[:6].reshape(2, 3, 8, 8, 1), row_labels=["first", "second"]
    ... )
    >>> len(figure.axes)
    6
    >>> figure.savefig("digits.png")
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(
            "`image_grid` requires matplotlib. Install it with: "
            'pip install "keras-smalldata[plot]"'
        ) from error

    value_range = check_value_range(value_range)
    images = np.asarray(images)
    if images.dtype.kind not in "biuf":
        raise TypeError(
            f"`images` must hold numbers. Received: images.dtype={images.dtype}"
        )
    shape = images.shape
    if len(shape) != 5 or shape[-1] not in (1, 3) or 0 in shape[:2]:
        raise ValueError(
            "image_grid expects a non-empty array of rank 5 (rows, columns, "
            "height, width, channels) with 1 or 3 channels. "
            f"Received: images.shape={shape}"
        )
    for name, given, count, what in (
        ("row_labels", row_labels, shape[0], "rows"),
        ("column_titles", column_titles, shape[1], "columns"),
    ):
        if given is not None and (isinstance(given, str) or len(given) != count):
            raise ValueError(
                f"`{name}` must hold one string for each of the {count} {what}. "
                f"Received: {name}={given!r}"
            )
    display_range = (0, 255) if images.dtype == np.uint8 else tuple(value_range)
    cells = []
    for row in images:
        shown = _for_display(row, display_range)
        empty = np.isnan(row.reshape(len(row), -1).astype(np.float32)).all(axis=1)
        cells.append(
            [
                None if blank else image
                for image, blank in zip(shown, empty, strict=True)
            ]
        )
    labels = None if row_labels is None else [str(label) for label in row_labels]
    titles = None if column_titles is None else [str(t) for t in column_titles]
    return _grid_figure(Figure, cells, labels, titles)


def _grid_figure(figure_class, cells, row_labels=None, column_titles=None):
    """A figure of `cells[row][column]`: images ready for `imshow`, or `None`.

    Short row labels (a class index) are written level, longer ones along the
    axis.
    """
    num_rows, num_cols = len(cells), len(cells[0])
    figure = figure_class(figsize=(num_cols + 0.6, num_rows), layout="constrained")
    axes = figure.subplots(num_rows, num_cols, squeeze=False)
    for row, images in enumerate(cells):
        for col, image in enumerate(images):
            if image is None:
                axes[row, col].set_axis_off()
            else:
                _show(axes[row, col], image)
    level = row_labels is not None and max(len(label) for label in row_labels) <= 3
    for row, label in enumerate(row_labels or []):
        if level:
            axes[row, 0].set_ylabel(label, rotation=0, labelpad=10)
        else:
            axes[row, 0].set_ylabel(label)
    for col, title in enumerate(column_titles or []):
        if title:
            axes[0, col].set_title(title, fontsize=9)
    return figure


def _show(ax, image):
    if image.ndim == 2:
        ax.imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    else:
        ax.imshow(image, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])


def _check_batch(array, name, batch_size=None):
    what = {"images": "images", "samples": "the VAE's samples"}.get(
        name, "the layer's output"
    )
    shape = array.shape
    if len(shape) != 4 or shape[-1] not in (1, 3) or shape[0] < 1:
        raise ValueError(
            f"The grid expects {what} to be a non-empty batch of rank 4 "
            f"(NHWC) with 1 or 3 channels. Received: {name}.shape={shape}"
        )
    if batch_size is not None and shape[0] != batch_size:
        raise ValueError(
            f"The grid expects {what} to keep the batch size "
            f"{batch_size}. Received: {name}.shape={shape}"
        )


def _for_display(batch, display_range):
    low, high = display_range
    batch = (np.asarray(batch, dtype=np.float32) - low) / (high - low)
    batch = np.clip(batch, 0.0, 1.0)
    return batch[..., 0] if batch.shape[-1] == 1 else batch
