"""Train on synthetic, test on real (TSTR): the utility of generated data."""

import numpy as np

from keras_smalldata._data_range import check_data_range
from keras_smalldata._labels import integer_labels
from keras_smalldata._seeding import seeded
from keras_smalldata._validation import check_finite_array, check_positive_int
from keras_smalldata.models import VAE


def train_synthetic_test_real(
    vae,
    build_classifier,
    x_train,
    y_train,
    x_test,
    y_test,
    n_synthetic=None,
    epochs=20,
    batch_size=32,
    seed=None,
    verbose=0,
):
    """Accuracy on real test data of a classifier trained on synthetic data.

    Trains one classifier on samples from the conditional `vae` (TSTR) and
    another on the real training data the VAE learned from (TRTR), with the
    same `build_classifier`, epochs and batch size, and compares their
    accuracy on the real test data (Esteban et al. 2017; SDMetrics calls it
    "ML efficacy"). A ratio near 1 means the synthetic data carries about as
    much information for the task as the real data.

    The synthetic labels follow the class frequencies of `y_train` and are
    given to the classifier in `y_train`'s format (integers or one-hot).

    Args:
        vae: a trained conditional `keras_smalldata.models.VAE`.
        build_classifier: callable with no arguments returning a new compiled
            Keras classifier whose loss fits `y_train`'s format and whose
            output is class probabilities or logits, `(n, num_classes)`.
        x_train: the real data the VAE was trained on.
        y_train: its labels, integers in `[0, num_classes)` or one-hot.
        x_test: real held-out data.
        y_test: its labels, integers or one-hot.
        n_synthetic: int or `None`. Size of the synthetic training set.
            Defaults to `None`: `len(x_train)`.
        epochs: int. Training epochs of both classifiers. Defaults to `20`.
        batch_size: int. Defaults to `32`.
        seed: int or `None`. Seeds the synthetic draw and, through
            `keras.utils.set_random_seed` (global state), both classifiers'
            initialisation and shuffling, so they start alike. Defaults to
            `None`.
        verbose: int. Passed to `fit`. Defaults to `0`.

    Returns:
        Dict with `"tstr_accuracy"`, `"trtr_accuracy"`, `"ratio"` (TSTR / TRTR)
        and `"n_synthetic"`.

    Example:

    >>> x, y = keras_smalldata.datasets.load_digits()
    >>> vae = keras_smalldata.models.VAE.for_images((8, 8, 1), num_classes=10)
    >>> vae.compile(optimizer="adam")
    >>> history = vae.fit(x[:100], y[:100], epochs=1, verbose=0)
    >>> def build_classifier():
    ...     model = keras.Sequential(
    ...         [keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")]
    ...     )
    ...     model.compile("adam", "sparse_categorical_crossentropy")
    ...     return model
    >>> scores = keras_smalldata.evaluation.train_synthetic_test_real(
    ...     vae, build_classifier, x[:100], y[:100], x[100:200], y[100:200], epochs=1
    ... )
    >>> sorted(scores), scores["n_synthetic"]
    (['n_synthetic', 'ratio', 'trtr_accuracy', 'tstr_accuracy'], 100)
    """
    if not isinstance(vae, VAE) or vae.num_classes is None:
        raise ValueError(
            "`vae` must be a conditional `keras_smalldata.models.VAE` "
            f"(num_classes set), to label its samples. Received: vae={vae!r}"
        )
    if not callable(build_classifier):
        raise ValueError(
            "`build_classifier` must be a callable returning a compiled Keras "
            f"model. Received: build_classifier={build_classifier!r}"
        )
    x_train, y_train = check_finite_array(x_train, "x_train"), np.asarray(y_train)
    x_test, y_test = check_finite_array(x_test, "x_test"), np.asarray(y_test)
    for x_name, x, y_name, y in (
        ("x_train", x_train, "y_train", y_train),
        ("x_test", x_test, "y_test", y_test),
    ):
        if x.ndim == 0 or len(x) == 0 or len(x) != len(y):
            raise ValueError(
                f"`{x_name}` and `{y_name}` must hold the same number of samples, "
                f"at least one. Received: {x_name}.shape={x.shape}, "
                f"{y_name}.shape={y.shape}"
            )
        if x.shape[1:] != vae.data_shape:
            raise ValueError(
                f"`{x_name}` must hold samples of the VAE's data shape "
                f"{vae.data_shape}. Received: {x_name}.shape={x.shape}"
            )
        # The VAE samples in its own scale: a classifier trained on them and
        # tested on data of another scale would score near chance silently.
        check_data_range(x, vae.likelihood, x_name)
    train_labels = integer_labels(y_train, vae.num_classes, "y_train")
    test_labels = integer_labels(y_test, vae.num_classes, "y_test")
    n_synthetic = len(x_train) if n_synthetic is None else n_synthetic
    n_synthetic = check_positive_int(n_synthetic, "n_synthetic")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")

    rng = np.random.default_rng(seed)
    labels = _proportional_labels(train_labels, n_synthetic, rng)
    x_synthetic = vae.sample(
        n_synthetic, labels=labels, seed=int(rng.integers(2**31 - 1))
    ).astype(x_train.dtype)
    if y_train.ndim == 2 and y_train.shape[1] == vae.num_classes:
        y_synthetic = np.eye(vae.num_classes, dtype=y_train.dtype)[labels]
    else:
        y_synthetic = labels.astype(y_train.dtype).reshape(-1, *y_train.shape[1:])

    def accuracy(x, y):
        with seeded(seed):
            classifier = build_classifier()
            classifier.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=verbose)
        scores = np.asarray(classifier.predict(x_test, verbose=0))
        if scores.ndim != 2 or scores.shape[1] != vae.num_classes:
            raise ValueError(
                "The classifier must output one score per class, shape "
                f"(n, {vae.num_classes}). Received: shape {scores.shape}"
            )
        return float(np.mean(np.argmax(scores, axis=1) == test_labels))

    tstr = accuracy(x_synthetic, y_synthetic)
    trtr = accuracy(x_train, y_train)
    return {
        "tstr_accuracy": tstr,
        "trtr_accuracy": trtr,
        "ratio": tstr / trtr if trtr > 0 else float("nan"),
        "n_synthetic": n_synthetic,
    }


def _proportional_labels(labels, n, rng):
    """`n` shuffled labels with the class frequencies of `labels` (rounded)."""
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * n / counts.sum()
    allocated = np.floor(exact).astype("int64")
    # Largest remainders get the samples that rounding down left over.
    leftover = np.argsort(allocated - exact, kind="stable")[: n - allocated.sum()]
    allocated[leftover] += 1
    return rng.permutation(np.repeat(classes, allocated))
