"""The `GradualUnfreezing` callback."""

import numbers

import keras

from keras_smalldata._model_layers import (
    is_batchnorm,
    set_leaf_trainable,
    weighted_leaves,
)
from keras_smalldata._optimizer_state import rebuild_optimizer
from keras_smalldata._validation import check_int


class GradualUnfreezing(keras.callbacks.Callback):
    """Unfreezes a backbone one block at a time inside a single `fit`.

    ULMFiT's gradual unfreezing (Howard & Ruder 2018): at epoch `start_epoch`,
    and every `every` epochs after, the last still-frozen block of `backbone`
    becomes trainable (BatchNorm layers stay frozen and in inference mode). No
    recompiling: when training starts and whenever a block is unfrozen, the
    optimizer is rebuilt for exactly the trainable variables and the train
    function is retraced, so each block trains from its epoch on and not
    before. The optimizer's state (iterations, moments, EMA copies,
    accumulated gradients, loss scale, weight-decay exclusions) is carried
    over by variable identity; a variable just unfrozen starts with fresh
    moments, and its moving average (`use_ema=True`) from its current value.
    Works with Keras optimizers, `keras.optimizers.LossScaleOptimizer` and
    `discriminative_optimizer`'s; a plain `keras.optimizers.MultiOptimizer`,
    or an optimizer whose state cannot be matched to variables, is refused
    when `fit` starts. The number of trainable layers appears in the logs as
    `unfrozen_layers`.

    Args:
        backbone: the backbone layer or model inside the trained model.
        every: int >= 1. Epochs between two unfreezings. Defaults to `1`.
        blocks: `None` (each layer with weights, BatchNorm excluded, is a
            block), an int (that many contiguous blocks of such layers), or a
            list of blocks, each a list of layer names. Blocks unfreeze from
            the last. Defaults to `None`.
        start_epoch: int >= 0. Epoch (0-based) of the first unfreezing.
            Defaults to `1`.

    Example:

    >>> backbone = keras.Sequential(
    ...     [keras.Input((4,)), keras.layers.Dense(8), keras.layers.Dense(8)]
    ... )
    >>> model = keras.Sequential([keras.Input((4,)), backbone, keras.layers.Dense(1)])
    >>> _ = keras_smalldata.transfer.freeze(backbone)
    >>> model.compile("adam", "mse")
    >>> callback = keras_smalldata.callbacks.GradualUnfreezing(backbone)
    >>> history = model.fit(
    ...     np.ones((8, 4)), np.ones((8, 1)), epochs=3, callbacks=[callback], verbose=0
    ... )
    >>> history.history["unfrozen_layers"]
    [0, 1, 2]
    """

    def __init__(self, backbone, every=1, blocks=None, start_epoch=1):
        super().__init__()
        if not isinstance(backbone, keras.layers.Layer):
            raise TypeError(
                "`backbone` must be a Keras layer or model. "
                f"Received: backbone of type {type(backbone).__name__}"
            )
        check_int(every, "every", low=1)
        check_int(start_epoch, "start_epoch", low=0)
        self.backbone = backbone
        self.every = every
        self.blocks = blocks
        self.start_epoch = start_epoch
        self._blocks = _resolve_blocks(backbone, blocks)
        self._unfrozen = 0

    def on_train_begin(self, logs=None):
        # Rebuilt now, before any training, so that an optimizer that cannot
        # be rebuilt fails here and not epochs later.
        self._rebuild()
        # Blocks already trainable at the end count as unfrozen.
        self._unfrozen = 0
        for block in reversed(self._blocks):
            if not all(layer.trainable for layer in block):
                break
            self._unfrozen += 1

    def on_epoch_begin(self, epoch, logs=None):
        due = epoch >= self.start_epoch and (epoch - self.start_epoch) % self.every == 0
        if not due or self._unfrozen >= len(self._blocks):
            return
        self._unfrozen += 1
        block = self._blocks[len(self._blocks) - self._unfrozen]
        set_leaf_trainable(self.model, {layer: True for layer in block})
        self._rebuild()

    def _rebuild(self):
        # Built for exactly the trainable variables: Keras matches some state
        # to variables by position in that list (the moving averages written
        # back when `fit` ends), so it must never hold a frozen variable.
        rebuild_optimizer(self.model, self.model.trainable_variables)
        self.model.make_train_function(force=True)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["unfrozen_layers"] = sum(
                len(b) for b in self._blocks[len(self._blocks) - self._unfrozen :]
            )


def _resolve_blocks(backbone, blocks):
    candidates = [leaf for leaf in weighted_leaves(backbone) if not is_batchnorm(leaf)]
    if blocks is None:
        return [[leaf] for leaf in candidates]
    if isinstance(blocks, numbers.Integral) and not isinstance(blocks, bool):
        if not 1 <= blocks <= len(candidates):
            raise ValueError(
                f"`blocks` as an int must be in [1, {len(candidates)}] (the layers "
                f"with weights). Received: blocks={blocks}"
            )
        size = -(-len(candidates) // blocks)
        return [candidates[i : i + size] for i in range(0, len(candidates), size)]
    if isinstance(blocks, (list, tuple)) and blocks:
        by_name = {leaf.name: leaf for leaf in weighted_leaves(backbone)}
        resolved = []
        for block in blocks:
            names = [block] if isinstance(block, str) else list(block)
            unknown = [n for n in names if n not in by_name]
            if unknown or not names:
                raise ValueError(
                    "`blocks` must list layer names of the backbone "
                    f"(e.g. {list(by_name)[:5]}). Received: blocks={blocks!r}"
                )
            resolved.append([by_name[n] for n in names])
        return resolved
    raise ValueError(
        "`blocks` must be None, a positive int or a list of lists of layer names. "
        f"Received: blocks={blocks!r}"
    )
