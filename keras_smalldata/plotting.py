"""Plots for looking at what augmentation does to a batch of images."""

import numbers

import keras
import numpy as np

from keras_smalldata.layers._validation import check_value_range


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

    if (
        isinstance(num_rows, bool)
        or not isinstance(num_rows, numbers.Integral)
        or num_rows < 1
    ):
        raise ValueError(
            "`num_rows` must be an integer of at least 1. "
            f"Received: num_rows={num_rows!r}"
        )
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

    num_cols = len(images)
    figure = Figure(figsize=(num_cols + 0.6, num_rows + 1), layout="constrained")
    axes = figure.subplots(num_rows + 1, num_cols, squeeze=False)
    for row, batch in enumerate(batches):
        for col, image in enumerate(_for_display(batch, display_range)):
            _show(axes[row, col], image)
        axes[row, 0].set_ylabel("original" if row == 0 else f"aug. {row}")
    return figure


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

    if (
        isinstance(per_class, bool)
        or not isinstance(per_class, numbers.Integral)
        or per_class < 1
    ):
        raise ValueError(
            "`per_class` must be an integer of at least 1. "
            f"Received: per_class={per_class!r}"
        )
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
    columns = per_class + (real is not None)
    figure = Figure(figsize=(columns + 0.6, rows), layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False)
    for row in range(rows):
        row_axes = list(axes[row])
        if real is not None:
            first = row_axes.pop(0)
            if len(real[row]):
                _show(first, _for_display(real[row], (0, 1))[0])
            else:
                first.set_axis_off()  # no real image of this class
        for ax, image in zip(row_axes, _for_display(samples[row], (0, 1)), strict=True):
            _show(ax, image)
        if vae.num_classes:
            axes[row, 0].set_ylabel(str(row), rotation=0, labelpad=10)
    if real is not None:
        axes[0, 0].set_title("real", fontsize=9)
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
