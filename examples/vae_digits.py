"""Train a conditional VAE on the 8x8 digits and draw samples of every class.

Writes a PNG grid with one row per digit: a real training image in the first
column, then new samples that the VAE drew for that digit. Runs offline: the
digits ship with scikit-learn.

Usage:

    python examples/vae_digits.py --out vae_digits.png            # about 40 epochs
    python examples/vae_digits.py --quick --out vae_digits.png    # a smoke run

The VAE can be saved and reloaded with `--save vae.keras`; loading needs
`import keras_smalldata.models` first.
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_smalldata.callbacks import KLAnnealing  # noqa: E402
from keras_smalldata.datasets import load_digits  # noqa: E402
from keras_smalldata.models import VAE  # noqa: E402

NUM_CLASSES = 10
# --quick: a smoke run, well under a minute on two CPU cores.
QUICK_SAMPLES, QUICK_EPOCHS = 200, 2


def train(x, y, epochs, seed):
    """A conditional VAE for the digits, trained with KL annealing."""
    keras.utils.set_random_seed(seed)
    vae = VAE.for_images((8, 8, 1), num_classes=NUM_CLASSES, seed=seed)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    history = vae.fit(
        x,
        y,
        epochs=epochs,
        batch_size=32,
        validation_split=0.1,
        callbacks=[KLAnnealing(warmup_epochs=max(1, epochs // 4))],
        verbose=0,
    )
    return vae, history


def sample_grid(vae, x, y, per_class, seed, temperature=1.0):
    """Figure: row c holds a real digit c, then `per_class` samples of c."""
    from matplotlib.figure import Figure

    labels = np.repeat(np.arange(NUM_CLASSES), per_class)
    samples = vae.sample(len(labels), labels=labels, seed=seed, temperature=temperature)
    samples = samples.reshape(NUM_CLASSES, per_class, 8, 8)
    figure = Figure(figsize=(per_class + 1.6, NUM_CLASSES), layout="constrained")
    axes = figure.subplots(NUM_CLASSES, per_class + 1, squeeze=False)
    for digit in range(NUM_CLASSES):
        real = x[np.flatnonzero(y == digit)[0], ..., 0]
        for col, image in enumerate([real, *samples[digit]]):
            ax = axes[digit, col]
            ax.imshow(image, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
        axes[digit, 0].set_ylabel(str(digit), rotation=0, labelpad=10)
    axes[0, 0].set_title("real", fontsize=9)
    axes[0, 1].set_title("samples →", fontsize=9, loc="left")
    return figure


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=_positive_int, default=40)
    parser.add_argument("--per-class", type=_positive_int, default=10)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--out", default="vae_digits.png")
    parser.add_argument("--save", default=None, help="also save the VAE (.keras)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: a subset, a few epochs"
    )
    args = parser.parse_args(argv)

    x, y = load_digits()
    epochs = args.epochs
    if args.quick:
        x, y, epochs = x[:QUICK_SAMPLES], y[:QUICK_SAMPLES], QUICK_EPOCHS
    vae, history = train(x, y, epochs, args.seed)
    logs = {name: values[-1] for name, values in history.history.items()}
    print(
        f"Trained {epochs} epochs on {len(x)} digits: "
        f"val_loss={logs['val_loss']:.2f} "
        f"(reconstruction {logs['val_reconstruction_loss']:.2f}, "
        f"KL {logs['val_kl_loss']:.2f}), beta={logs['beta']:.2f}"
    )
    figure = sample_grid(vae, x, y, args.per_class, args.seed, args.temperature)
    figure.savefig(args.out, dpi=100)
    print(f"Wrote {args.out} ({args.per_class} samples per digit)")
    if args.save:
        vae.save(args.save)
        print(f"Saved the VAE to {args.save}")


if __name__ == "__main__":
    main()
