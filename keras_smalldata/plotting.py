"""Plots for looking at what augmentation does to a batch of images."""

import numbers

import keras
import numpy as np


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
    if len(value_range) != 2 or not value_range[0] < value_range[1]:
        raise ValueError(
            "`value_range` must be a pair (low, high) with low < high. "
            f"Received: value_range={value_range!r}"
        )
    images = np.asarray(keras.ops.convert_to_numpy(images))
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
            ax = axes[row, col]
            if image.ndim == 2:
                ax.imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            else:
                ax.imshow(image, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
        axes[row, 0].set_ylabel("original" if row == 0 else f"aug. {row}")
    return figure


def _check_batch(array, name, batch_size=None):
    what = "images" if name == "images" else "the layer's output"
    shape = array.shape
    if len(shape) != 4 or shape[-1] not in (1, 3) or shape[0] < 1:
        raise ValueError(
            f"augmentation_grid expects {what} to be a non-empty batch of rank 4 "
            f"(NHWC) with 1 or 3 channels. Received: {name}.shape={shape}"
        )
    if batch_size is not None and shape[0] != batch_size:
        raise ValueError(
            f"augmentation_grid expects {what} to keep the batch size "
            f"{batch_size}. Received: {name}.shape={shape}"
        )


def _for_display(batch, display_range):
    low, high = display_range
    batch = (np.asarray(batch, dtype=np.float32) - low) / (high - low)
    batch = np.clip(batch, 0.0, 1.0)
    return batch[..., 0] if batch.shape[-1] == 1 else batch
