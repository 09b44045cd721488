"""The range of the data a VAE's likelihood models: Bernoulli data is in [0, 1].

Shared by `models.VAE` and what checks data before handing it to one
(`data.SyntheticDataGenerator`, `evaluation.train_synthetic_test_real`).
"""

# Float32 rounding of data scaled into [0, 1] (e.g. `x / 255.0`) stays within.
RANGE_TOLERANCE = 1e-6


def range_message(likelihood, name, low, high):
    return (
        f"A VAE with likelihood={likelihood!r} models data in [0, 1], such as "
        f"pixel intensities divided by 255; rescale or clip `{name}`, or use "
        f"likelihood='gaussian' for other data. Received: {name} with values "
        f"from {low:g} to {high:g}"
    )


def check_data_range(x, likelihood, name="x"):
    """Raises unless a Bernoulli VAE's data `x` (a finite array) is in [0, 1]."""
    if likelihood != "bernoulli" or x.size == 0:
        return x
    low, high = x.min(), x.max()
    if low < -RANGE_TOLERANCE or high > 1 + RANGE_TOLERANCE:
        raise ValueError(range_message(likelihood, name, float(low), float(high)))
    return x
