"""Quality and speed of the conditional VAE on the 8x8 digits.

Three measurements, on a stratified 80/20 split of `load_digits()`:

1. Utility: a conditional VAE trained on the 80%; a small CNN trained on as
   many VAE samples (TSTR) vs on the real 80% (TRTR), both tested on the real
   20%. Target (issue 5): TSTR / TRTR >= 0.90.
2. Sampling throughput of the digits decoder, `vae.sample(10_000, labels)`.
   Target: >= 50,000 samples/s on the CPU.
3. Few-shot: 10 labelled samples per class from the 80%, the rest of the 80% as
   an unlabelled pool; test accuracy of the CNN trained on the 100 samples
   alone, with `SyntheticDataGenerator` (a conditional VAE trained on the 100,
   unfiltered and filtered by the baseline CNN), and with an unconditional VAE
   trained on the 100 + the pool whose samples the baseline CNN labels. Mean
   and standard deviation over seeds.

    python benchmarks/vae_quality.py            # full run (3 seeds)
    python benchmarks/vae_quality.py --quick    # fewer epochs, 1 seed
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from _timing import median_rate, print_table  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from keras_smalldata.callbacks import KLAnnealing  # noqa: E402
from keras_smalldata.data import SyntheticDataGenerator  # noqa: E402
from keras_smalldata.datasets import few_shot_split, load_digits  # noqa: E402
from keras_smalldata.evaluation import train_synthetic_test_real  # noqa: E402
from keras_smalldata.models import VAE  # noqa: E402

NUM_CLASSES = 10
PER_CLASS = 10
SAMPLES_FOR_THROUGHPUT = 10_000
SETTINGS = {
    "full": {
        "vae_epochs": 40,  # CVAE on the 80%, batch 64.
        "cnn_epochs": 15,  # TSTR / TRTR classifiers, batch 64.
        "few_vae_epochs": 150,  # CVAE on the 100 labelled samples.
        "pool_vae_epochs": 10,  # Unconditional VAE on the 100 + the pool.
        "few_cnn_epochs": 60,
        "seeds": (0, 1, 2),
    },
    "quick": {
        "vae_epochs": 5,
        "cnn_epochs": 3,
        "few_vae_epochs": 20,
        "pool_vae_epochs": 2,
        "few_cnn_epochs": 10,
        "seeds": (0,),
    },
}


def build_cnn():
    """The small CNN that every comparison trains (logits out)."""
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
            keras.layers.Conv2D(64, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(NUM_CLASSES),
        ]
    )
    model.compile(
        keras.optimizers.Adam(1e-3),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def train_vae(x, y, epochs, seed, conditional=True):
    """A VAE for the digits, trained with KL annealing over the first 20%."""
    keras.utils.set_random_seed(seed)
    vae = VAE.for_images(
        (8, 8, 1), num_classes=NUM_CLASSES if conditional else None, seed=seed
    )
    vae.compile(keras.optimizers.Adam(1e-3))
    annealing = KLAnnealing(warmup_epochs=max(1, epochs // 5))
    labels = (y,) if conditional else ()
    vae.fit(x, *labels, epochs=epochs, batch_size=64, callbacks=[annealing], verbose=0)
    return vae


def accuracy(model, x, y):
    return float(np.mean(np.argmax(model.predict(x, verbose=0), axis=1) == y))


def few_shot(x_labelled_pool, y_labelled_pool, x_test, y_test, settings, seed):
    """Test accuracies of the CNN trained on 10 per class, with and without VAEs."""
    (x_few, y_few), _, x_unlabeled = few_shot_split(
        x_labelled_pool, y_labelled_pool, per_class=PER_CLASS, seed=seed, unlabeled=True
    )

    def fit_cnn(data, **kwargs):
        keras.utils.set_random_seed(seed)
        model = build_cnn()
        model.fit(data, epochs=settings["few_cnn_epochs"], verbose=0, **kwargs)
        return accuracy(model, x_test, y_test), model

    results = {}
    results["CNN on the 100 labelled"], baseline = fit_cnn(
        x_few, y=y_few, batch_size=32
    )
    judge = keras.Sequential([baseline, keras.layers.Softmax()])
    cvae = train_vae(x_few, y_few, settings["few_vae_epochs"], seed)
    for name, filter_model, min_confidence in (
        ("+ synthetic (CVAE on the 100)", None, 0.0),
        ("+ synthetic, filtered by the CNN (p >= 0.5)", judge, 0.5),
    ):
        data = SyntheticDataGenerator(
            cvae,
            x_few,
            y_few,
            batch_size=32,
            synthetic_fraction=0.5,
            filter_model=filter_model,
            min_confidence=min_confidence,
            seed=seed,
        )
        results[name], _ = fit_cnn(data)
    vae = train_vae(
        np.concatenate([x_few, x_unlabeled]),
        None,
        settings["pool_vae_epochs"],
        seed,
        conditional=False,
    )
    data = SyntheticDataGenerator(
        vae,
        x_few,
        y_few,
        batch_size=32,
        synthetic_fraction=0.5,
        filter_model=judge,
        min_confidence=0.9,
        seed=seed,
    )
    name = "+ synthetic (VAE on 100 + pool, labelled by the CNN, p >= 0.9)"
    results[name], _ = fit_cnn(data)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs, 1 seed")
    args = parser.parse_args(argv)
    settings = SETTINGS["quick" if args.quick else "full"]
    seeds = settings["seeds"]
    start = time.perf_counter()
    x, y = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, stratify=y, random_state=0
    )

    rows = []
    for seed in seeds:
        vae = train_vae(x_train, y_train, settings["vae_epochs"], seed)
        scores = train_synthetic_test_real(
            vae,
            build_cnn,
            x_train,
            y_train,
            x_test,
            y_test,
            epochs=settings["cnn_epochs"],
            batch_size=64,
            seed=seed,
        )
        rows.append(scores)
    print(
        f"1. TSTR / TRTR, digits 80/20, CVAE {settings['vae_epochs']} epochs, "
        f"CNN {settings['cnn_epochs']} epochs, {len(x_train)} synthetic samples "
        "(target >= 0.90)"
    )
    print_table(
        [
            (
                seed,
                f"{r['tstr_accuracy']:.3f}",
                f"{r['trtr_accuracy']:.3f}",
                f"{r['ratio']:.3f}",
            )
            for seed, r in zip(seeds, rows, strict=True)
        ],
        ["seed", "TSTR acc", "TRTR acc", "ratio"],
    )
    print(f"mean ratio: {statistics.mean(r['ratio'] for r in rows):.3f}")
    print(f"({time.perf_counter() - start:.0f} s so far)\n")

    labels = np.arange(SAMPLES_FOR_THROUGHPUT) % NUM_CLASSES
    rate = median_rate(
        lambda: vae.sample(SAMPLES_FOR_THROUGHPUT, labels=labels, seed=0),
        SAMPLES_FOR_THROUGHPUT,
    )
    print(
        f"2. sampling throughput, digits decoder, {SAMPLES_FOR_THROUGHPUT} samples "
        f"per call, median of 5 (target >= 50000): {rate:.0f} samples/s\n"
    )

    per_seed = [few_shot(x_train, y_train, x_test, y_test, settings, s) for s in seeds]
    print(
        f"3. few-shot, {PER_CLASS} labelled per class (the rest of the 80% as the "
        f"pool), CNN {settings['few_cnn_epochs']} epochs, CVAE "
        f"{settings['few_vae_epochs']} epochs, pool VAE "
        f"{settings['pool_vae_epochs']} epochs, synthetic_fraction=0.5, test "
        f"accuracy on the 20%, seeds {list(seeds)}"
    )
    table = []
    for name in per_seed[0]:
        values = [r[name] for r in per_seed]
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        table.append((name, f"{statistics.mean(values):.3f}", f"{spread:.3f}"))
    print_table(table, ["training data", "mean acc", "std"])
    print(f"\ntotal time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
