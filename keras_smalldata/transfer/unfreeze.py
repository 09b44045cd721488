"""`unfreeze`: make the last layers of a model trainable."""

import keras

from keras_smalldata._model_layers import (
    is_batchnorm,
    set_leaf_trainable,
    weighted_leaves,
)
from keras_smalldata._validation import check_fraction, check_int
from keras_smalldata.transfer._change import describe_change


def unfreeze(
    model,
    last_n=None,
    from_layer=None,
    fraction=None,
    keep_batchnorm_frozen=True,
):
    """Makes the last layers of a model trainable, BatchNorm kept frozen.

    Layers are counted in a stable order (the model's layer order, nested
    models entered), skipping layers without weights and, while
    `keep_batchnorm_frozen`, BatchNormalization layers, which stay frozen and in
    inference mode: fine-tuning BatchNorm statistics on a small dataset is what
    collapses accuracy (keras issues 9214, 9965, 12317). Give at most one
    selector; with none, every counted layer is unfrozen. Layers not selected
    keep their current flag. Recompile afterwards (or use `fine_tune` /
    `GradualUnfreezing`, which handle it).

    Args:
        model: a `keras.Model` (a `keras.applications` model, a keras-hub
            backbone, a nested or plain functional model).
        last_n: int >= 0. Unfreeze the last `last_n` counted layers.
        from_layer: str. Unfreeze the counted layer of that name and all after.
        fraction: float in (0, 1]. Unfreeze the last `fraction` of the counted
            layers (rounded up).
        keep_batchnorm_frozen: bool. Keep BatchNormalization frozen. Defaults
            to `True`.

    Returns:
        A `TrainableChange` naming the layers that changed, with the trainable
        and frozen parameter counts afterwards.

    Example:

    >>> model = keras.Sequential(
    ...     [keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(2)]
    ... )
    >>> _ = keras_smalldata.transfer.freeze(model)
    >>> change = keras_smalldata.transfer.unfreeze(model, last_n=1)
    >>> change.trainable_params, change.frozen_params
    (8, 15)
    """
    if not isinstance(model, keras.layers.Layer):
        raise TypeError(
            "unfreeze expects a Keras model. "
            f"Received: model of type {type(model).__name__}"
        )
    candidates = [
        leaf
        for leaf in weighted_leaves(model)
        if not (keep_batchnorm_frozen and is_batchnorm(leaf))
    ]
    selected = _select(candidates, last_n, from_layer, fraction)
    leaves = weighted_leaves(model)
    before = {leaf: leaf.trainable for leaf in leaves}
    wanted = {leaf: True for leaf in selected}
    if keep_batchnorm_frozen:
        wanted.update({leaf: False for leaf in leaves if is_batchnorm(leaf)})
    set_leaf_trainable(model, wanted)
    return describe_change(model, before)


def _select(candidates, last_n, from_layer, fraction):
    given = [
        n
        for n, v in (
            ("last_n", last_n),
            ("from_layer", from_layer),
            ("fraction", fraction),
        )
        if v is not None
    ]
    if len(given) > 1:
        raise ValueError(
            "unfreeze takes at most one of `last_n`, `from_layer`, `fraction`. "
            f"Received: {', '.join(f'{n}=...' for n in given)}"
        )
    if last_n is not None:
        check_int(
            last_n,
            "last_n",
            low=0,
            hint=f"the model has {len(candidates)} layers to unfreeze",
        )
        return candidates[len(candidates) - last_n :] if last_n else []
    if from_layer is not None:
        names = [leaf.name for leaf in candidates]
        if from_layer not in names:
            shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
            raise ValueError(
                "`from_layer` must name a layer with weights (BatchNorm excluded "
                f"while kept frozen); valid choices: {shown} ({len(names)} in all). "
                f"Received: from_layer={from_layer!r}"
            )
        return candidates[names.index(from_layer) :]
    if fraction is not None:
        check_fraction(fraction, "fraction", low_inclusive=False)
        count = -int(-len(candidates) * fraction // 1)  # ceil
        return candidates[len(candidates) - count :]
    return candidates
