"""Preview an augmentation policy on the 8x8 digits that ship with scikit-learn.

Writes a PNG grid: the first row holds the original digits, each row below one
random augmentation of them. Runs offline.

Usage:

    python examples/augmentation_preview.py --policy trivial --out preview.png

Digits are never flipped: a mirrored 2 or 7 is not a 2 or 7 any more.
"""

import argparse

import keras

import keras_smalldata.layers as ksl
from keras_smalldata.datasets import load_digits
from keras_smalldata.plotting import augmentation_grid

# One policy per image layer of keras_smalldata.layers, and two combinations.
POLICIES = (
    "trivial",
    "crop",
    "apply",
    "gaussian_noise",
    "salt_pepper",
    "noise",
    "default",
)
# load_digits returns images scaled to [0, 1].
VALUE_RANGE = (0, 1)


def _sub_seed(seed, offset):
    # Distinct seeds for the layers of one policy, so they do not draw in lockstep.
    return None if seed is None else seed + offset


def build_policy(name, seed=None):
    """Builds the augmentation policy `name` for 8x8 digits in `[0, 1]`.

    Args:
        name: str. One of `POLICIES`: `"trivial"` (`TrivialAugment`),
            `"crop"` (`RandomResizedCrop`), `"apply"` (`RandomApply` of that
            crop to half of the images), `"gaussian_noise"`
            (`RandomGaussianNoise`), `"salt_pepper"` (`RandomSaltPepper`),
            `"noise"` (`RandomChoice` between the two noises) or `"default"`
            (`RandomApply` of the crop, then `TrivialAugment`).
        seed: int or `None`. Seed of the policy's random draws.

    Returns:
        A Keras layer that augments NHWC images when called with
        `training=True`.
    """
    if name == "trivial":
        return ksl.TrivialAugment(value_range=VALUE_RANGE, seed=seed)
    if name == "crop":
        return ksl.RandomResizedCrop(8, 8, scale=(0.6, 1.0), seed=seed)
    if name == "apply":
        crop = ksl.RandomResizedCrop(8, 8, scale=(0.6, 1.0), seed=_sub_seed(seed, 1))
        return ksl.RandomApply(crop, rate=0.5, seed=seed)
    if name == "gaussian_noise":
        return ksl.RandomGaussianNoise(0.1, VALUE_RANGE, seed=seed)
    if name == "salt_pepper":
        return ksl.RandomSaltPepper(0.1, VALUE_RANGE, seed=seed)
    if name == "noise":
        return ksl.RandomChoice(
            [
                ksl.RandomGaussianNoise(0.05, VALUE_RANGE, seed=_sub_seed(seed, 1)),
                ksl.RandomSaltPepper(0.05, VALUE_RANGE, seed=_sub_seed(seed, 2)),
            ],
            seed=seed,
        )
    if name == "default":
        crop = ksl.RandomResizedCrop(8, 8, scale=(0.6, 1.0), seed=_sub_seed(seed, 1))
        return keras.Sequential(
            [
                ksl.RandomApply(crop, rate=0.5, seed=seed),
                ksl.TrivialAugment(value_range=VALUE_RANGE, seed=_sub_seed(seed, 2)),
            ]
        )
    raise ValueError(
        f"`name` must be one of {', '.join(POLICIES)}. Received: name={name!r}"
    )


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", choices=POLICIES, default="default")
    parser.add_argument("--num-images", type=_positive_int, default=8)
    parser.add_argument("--rows", type=_positive_int, default=4)
    parser.add_argument("--out", default="augmentation_preview.png")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    x, _ = load_digits()
    if args.num_images > len(x):
        parser.error(f"--num-images must be at most {len(x)}, got {args.num_images}")
    policy = build_policy(args.policy, seed=args.seed)
    figure = augmentation_grid(
        policy,
        x[: args.num_images],
        num_rows=args.rows,
        value_range=VALUE_RANGE,
    )
    figure.suptitle(f"policy: {args.policy}")
    figure.savefig(args.out, dpi=100)
    print(f"Wrote {args.out} (policy: {args.policy})")


if __name__ == "__main__":
    main()
