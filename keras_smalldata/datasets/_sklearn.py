"""Shared loader for the datasets bundled with scikit-learn."""

import numpy as np


def load_sklearn_dataset(name):
    """Loads a dataset bundled with scikit-learn as float32 inputs, int64 labels.

    Args:
        name: str. Suffix of a `sklearn.datasets.load_*` function that reads a
            file shipped inside scikit-learn (no download), e.g. `"wine"`.

    Returns:
        Tuple `(x, y)`: `x` a float32 array of shape `(n, num_features)`, `y` an
        int64 array of shape `(n,)`.
    """
    # Imported here so that `import keras_smalldata` stays cheap.
    from sklearn import datasets

    x, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    return x.astype(np.float32), y.astype(np.int64)
