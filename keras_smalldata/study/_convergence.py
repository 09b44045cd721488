"""When a study's deep arm has converged: its training logs stop improving.

Every arm trains in chunks of `CHUNK` steps (Keras epochs) until none of its
monitored training logs has improved by `min_delta` for `patience` chunks, or
a cap of steps is reached. A fixed budget made `augment` "hurt" at 20 and 50
images per class only because it had run out of steps (issue 14).
"""

import keras
import numpy as np

# Steps per chunk: long enough that a chunk's mean loss is smooth under
# augmentation and dropout, short enough to stop soon after the plateau.
CHUNK = 100


class Plateau(keras.callbacks.Callback):
    """Stops training once no monitored log improved by `min_delta`.

    Args:
        monitors: dict `{log name: "min" or "max"}`. Training goes on while
            any of them still improves.
        min_delta: float. The least change that counts as an improvement.
        patience: int. Chunks without improvement before stopping.
        min_chunks: int. Chunks trained before stopping is considered.
    """

    def __init__(self, monitors, min_delta=0.01, patience=3, min_chunks=3):
        super().__init__()
        self.monitors = monitors
        self.min_delta = min_delta
        self.patience = patience
        self.min_chunks = min_chunks
        self.best = {name: None for name in monitors}
        self.history = {name: [] for name in monitors}
        self.stale = 0
        self.stopped = False

    def on_epoch_end(self, epoch, logs=None):
        improved = False
        for name, mode in self.monitors.items():
            value = float((logs or {})[name])
            self.history[name].append(value)
            sign = 1.0 if mode == "max" else -1.0
            best = self.best[name]
            if best is None or sign * (value - best) > self.min_delta:
                self.best[name] = value
                improved = True
        self.stale = 0 if improved else self.stale + 1
        if epoch + 1 >= self.min_chunks and self.stale >= self.patience:
            self.stopped = True
            self.model.stop_training = True

    @property
    def chunks(self):
        return len(next(iter(self.history.values())))

    def curve(self):
        """{log name: array of its value per chunk}."""
        return {name: np.array(values) for name, values in self.history.items()}
