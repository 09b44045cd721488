"""`DeepArm`: the study's deep models as scikit-learn classifiers."""

import math

import keras
import numpy as np
import tensorflow as tf
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from keras_smalldata._seeding import seeded
from keras_smalldata.study import _networks
from keras_smalldata.study._convergence import CHUNK, Plateau
from keras_smalldata.study._vae_cache import conditional_vae

TECHNIQUES = ("augment", "synthetic", "transfer", "semi")
# Keras runs this many steps per call of its training function: fewer Python
# round-trips on tiny batches.
_STEPS_PER_EXECUTION = 20
# Unlabeled samples per labelled one in a `semi` step (FixMatch's mu is 7; 3
# costs less than half of it per step on 2 cores).
_SEMI_RATIO = 3


class DeepArm(ClassifierMixin, BaseEstimator):
    """A small network trained to convergence, plus techniques.

    Training runs in chunks of `CHUNK` steps over a repeated, shuffled dataset
    and stops once the training loss has stopped improving
    (`_convergence.Plateau`: by less than 0.01 over 3 chunks), or after
    `steps` steps. The `semi` technique trains with
    `keras_smalldata.models.SemiSupervised` and stops once neither its
    supervised loss nor its mask rate improves.

    Args:
        techniques: tuple drawn from `TECHNIQUES`; empty for the plain
            network trained from scratch.
        kind: `"images"` or `"tabular"`.
        steps: int. The most training steps.
        vae_steps: int. Steps of the conditional VAE (synthetic samples).
        backbone_path: str. A saved backbone (`transfer`).
        flips: bool. Whether image augmentation may flip.
        batch_size: int. Labelled samples per step.
        unlabeled_pool: array or `None`. Inputs the `semi` technique may use
            without their labels; the training samples are always among them
            (as in FixMatch) and are not counted twice.
        stop_at_plateau: bool. Whether to stop at the plateau; `False` trains
            all `steps` (to check that the plateau was one).
        seed: int.
    """

    def __init__(
        self,
        techniques=(),
        kind="images",
        steps=3000,
        vae_steps=300,
        backbone_path=None,
        flips=False,
        batch_size=32,
        unlabeled_pool=None,
        stop_at_plateau=True,
        seed=0,
    ):
        self.techniques = techniques
        self.kind = kind
        self.steps = steps
        self.vae_steps = vae_steps
        self.backbone_path = backbone_path
        self.flips = flips
        self.batch_size = batch_size
        self.unlabeled_pool = unlabeled_pool
        self.stop_at_plateau = stop_at_plateau
        self.seed = seed

    def fit(self, X, y):
        X = np.asarray(X, "float32")
        self.classes_, y_index = np.unique(y, return_inverse=True)
        with seeded(self.seed):
            if "semi" in self.techniques:
                self._train_semi(X, y_index)
            else:
                self._train(X, y_index)
        return self

    def _chunks(self):
        return max(1, math.ceil(self.steps / CHUNK))

    def _plateau(self, monitors):
        patience = 3 if self.stop_at_plateau else math.inf
        return Plateau(monitors, patience=patience)

    def _record(self, plateau):
        self.curve_ = plateau.curve()
        self.steps_ = plateau.chunks * CHUNK
        self.converged_ = plateau.stopped

    def _train(self, X, y_index):
        self.model_ = self._network(X, len(self.classes_))
        self.model_.compile(
            keras.optimizers.Adam(1e-3),
            "sparse_categorical_crossentropy",
            steps_per_execution=_STEPS_PER_EXECUTION,
        )
        batch_size = min(self.batch_size, len(X))
        plateau = self._plateau({"loss": "min"})
        if "synthetic" in self.techniques:
            from keras_smalldata.data import SyntheticDataGenerator

            vae = conditional_vae(
                X, y_index, len(self.classes_), self.kind, self.vae_steps, self.seed
            )
            # A generator's epoch is one pass over the real samples: 2 batches
            # at 5 per class. Repeated copies give epochs of about a chunk.
            copies = max(1, math.ceil(CHUNK * batch_size / len(X)))
            data = SyntheticDataGenerator(
                vae,
                np.concatenate([X] * copies),
                np.concatenate([y_index] * copies),
                batch_size=2 * batch_size,
                seed=self.seed,
            )
            steps_per_epoch = None
        else:
            data = (
                tf.data.Dataset.from_tensor_slices((X, y_index))
                .shuffle(len(X), seed=self.seed)
                .repeat()
                .batch(batch_size)
            )
            steps_per_epoch = CHUNK
        if "transfer" in self.techniques:
            from keras_smalldata.transfer import fine_tune

            # Frozen backbone for 3 chunks, then fine-tuning until the plateau.
            fine_tune(
                self.model_,
                data.take(CHUNK) if steps_per_epoch else data,
                epochs=self._chunks(),
                freeze_epochs=3,
                base_lr=2e-3,
                callbacks=[plateau],
            )
        else:
            self.model_.fit(
                data,
                epochs=self._chunks(),
                steps_per_epoch=steps_per_epoch,
                shuffle=False,  # the dataset is shuffled
                callbacks=[plateau],
                verbose=0,
            )
        self._record(plateau)

    def _train_semi(self, X, y_index):
        from keras_smalldata.data import semi_supervised_dataset
        from keras_smalldata.models import SemiSupervised

        unlabeled = _without_rows(self.unlabeled_pool, X)
        self.n_unlabeled_ = len(unlabeled)
        # FixMatch's unlabeled set holds the labelled images too.
        x_unlabeled = np.concatenate([X, unlabeled]) if len(unlabeled) else X
        self.model_ = self._network(X, len(self.classes_), augment=False)
        model = SemiSupervised(
            self.model_,
            data_kind=self.kind,
            value_range=(0, 1),
            flips=self.flips,
            seed=self.seed,
        )
        model.compile(
            # 3e-3: at 1e-3 the mask rate still rose after 1000 steps (digits,
            # 5 per class: 0.957 against 0.980; benchmarks/semi_supervised.py).
            keras.optimizers.Adam(3e-3),
            steps_per_execution=_STEPS_PER_EXECUTION,
        )
        data = semi_supervised_dataset(
            X,
            y_index,
            x_unlabeled,
            batch_size=min(self.batch_size, len(X)),
            ratio=_SEMI_RATIO,
            steps_per_epoch=CHUNK,
            seed=self.seed,
        )
        if self.kind == "tabular":
            model.adapt(x_unlabeled)
        plateau = self._plateau({"supervised_loss": "min", "mask_rate": "max"})
        model.fit(
            data,
            epochs=self._chunks(),
            shuffle=False,  # the dataset is shuffled
            callbacks=[plateau],
            verbose=0,
        )
        self._record(plateau)

    def _network(self, X, num_classes, augment=True):
        seed = self.seed
        augmentation = []
        if augment and "augment" in self.techniques:
            if self.kind == "images":
                augmentation = _networks.image_augmentation(
                    X.shape[1:], self.flips, seed
                )
            else:
                augmentation = _networks.tabular_augmentation(X, seed)
        if "transfer" in self.techniques:
            backbone = keras.saving.load_model(self.backbone_path)
            return _networks.transfer_network(
                X.shape[1:], num_classes, augmentation, backbone
            )
        if self.kind == "images":
            return _networks.image_network(X.shape[1:], num_classes, augmentation)
        return _networks.tabular_network(X, num_classes, augmentation)

    def predict_proba(self, X):
        check_is_fitted(self)
        return self.model_.predict(np.asarray(X, "float32"), verbose=0, batch_size=256)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def _without_rows(pool, X):
    """The rows of `pool` that are not rows of `X` (compared byte for byte)."""
    if pool is None or len(pool) == 0:
        return np.zeros((0, *X.shape[1:]), "float32")
    pool = np.asarray(pool, "float32")
    seen = {row.tobytes() for row in X}
    keep = [i for i, row in enumerate(pool) if row.tobytes() not in seen]
    return pool[keep]
