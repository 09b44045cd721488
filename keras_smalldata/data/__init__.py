"""Data pipelines that feed `model.fit`.

Label mixing (`mixup`, `cutmix` in `tf.data`; `AugmentedSequence` as a
`PyDataset`), batches mixing real and VAE samples (`SyntheticDataGenerator`),
and labeled plus unlabeled batches for `SemiSupervised`
(`semi_supervised_dataset`).
"""

from keras_smalldata.data.augmented_sequence import AugmentedSequence
from keras_smalldata.data.cutmix import cutmix
from keras_smalldata.data.mixup import mixup
from keras_smalldata.data.semi_supervised_dataset import semi_supervised_dataset
from keras_smalldata.data.synthetic_data_generator import SyntheticDataGenerator

__all__ = [
    "AugmentedSequence",
    "SyntheticDataGenerator",
    "cutmix",
    "mixup",
    "semi_supervised_dataset",
]
