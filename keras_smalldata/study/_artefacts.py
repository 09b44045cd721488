"""What a study's report shows besides scores, made while the study runs.

- VAE samples: drawn in the synthetic arms' job of the first repeat, from the
  conditional VAE those arms trained on the repeat's largest training set
  (the whole pool), fetched from the worker's VAE cache, not retrained.
- Augmented images: training images of the first repeat's pool under the
  `augment` arm's image policy, and that policy in words.

Arrays travel back from worker processes (or a Dask cluster) in the
`StudyResult`; figures are drawn from them at the end.
"""

import numpy as np

SAMPLES_PER_CLASS = 8
AUGMENTED_IMAGES = 8
AUGMENTED_ROWS = 4


def draws_images(config, shape):
    """Whether the study's images can be shown (1 or 3 channels)."""
    return config.kind == "images" and shape[-1] in (1, 3)


def vae_samples(x, y, pool, seed, settings):
    """`(samples, real)` from the synthetic arms' VAE of the pool `pool`.

    The VAE is looked up with the arguments `DeepArm` trained it with on the
    largest training set of a repeat: the pool, in the order
    `compare.learning_curve` passes it (sorted indices), with labels
    as indices of the pool's classes. In the job that trained it, that is a
    cache hit.

    Returns:
        `samples`: float32 `(classes, SAMPLES_PER_CLASS, height, width,
        channels)` in `[0, 1]`; `real`: one pool image per class, `(classes,
        height, width, channels)`.
    """
    from keras_smalldata.study._vae_cache import conditional_vae

    train = np.sort(pool)
    images = np.asarray(x[train], "float32")
    classes, labels = np.unique(y[train], return_inverse=True)
    vae = conditional_vae(
        images, labels, len(classes), settings["kind"], settings["vae_steps"], seed
    )
    rows = np.repeat(np.arange(len(classes)), SAMPLES_PER_CLASS)
    samples = np.clip(vae.sample(len(rows), labels=rows, seed=seed), 0, 1)
    samples = samples.reshape(len(classes), SAMPLES_PER_CLASS, *images.shape[1:])
    real = images[[np.flatnonzero(labels == c)[0] for c in range(len(classes))]]
    return samples.astype("float32"), real


def augmentation_examples(x, y, pool, flips, seed):
    """Pool images (one per class first) and `AUGMENTED_ROWS` augmentations.

    Drawn by the same policy the `augment` arm's network starts with
    (`_networks.image_augmentation`), seeded by `seed`.

    Returns:
        float32 `(1 + AUGMENTED_ROWS, images, height, width, channels)`.
    """
    import keras

    from keras_smalldata._seeding import seeded
    from keras_smalldata.study._networks import image_augmentation

    pool = np.asarray(pool)
    first = np.unique(y[pool], return_index=True)[1]
    rest = np.setdiff1d(np.arange(len(pool)), first)
    images = x[pool[np.concatenate([first, rest])[:AUGMENTED_IMAGES]]]
    with seeded(seed):
        layer = keras.Sequential(image_augmentation(x.shape[1:], flips, seed))
        rows = [images] + [
            keras.ops.convert_to_numpy(layer(images, training=True))
            for _ in range(AUGMENTED_ROWS)
        ]
    return np.stack(rows).astype("float32")


def augmentation_policy(config, shape):
    """The `augment` arms' policy in words, or `None` without such an arm."""
    from keras_smalldata.study._networks import describe_augmentation

    if not any("augment" in arm.split("+") for arm in config.arms):
        return None
    return describe_augmentation(config.kind, shape[1:], config.flips)
