"""`fine_tune`: fastai's two-phase transfer-learning recipe."""

import keras

from keras_smalldata._model_layers import find_backbone
from keras_smalldata._validation import check_int, check_number
from keras_smalldata.transfer.discriminative_optimizer import (
    DiscriminativeOptimizer,
    discriminative_optimizer,
)
from keras_smalldata.transfer.freeze import freeze
from keras_smalldata.transfer.unfreeze import unfreeze


def fine_tune(
    model,
    train_data,
    epochs,
    freeze_epochs=1,
    base_lr=1e-3,
    lr_mult=100,
    validation_data=None,
    callbacks=None,
    backbone=None,
):
    """Trains the head with the backbone frozen, then everything, gently.

    Phase 1 (`freeze_epochs`): the backbone is frozen and the model trains at
    `base_lr`. Phase 2 (`epochs`): the backbone is unfrozen with its BatchNorm
    layers kept frozen, and the model trains with discriminative learning rates
    from `base_lr / 2` (head) down to `base_lr / 2 / lr_mult` (first layers), as
    fastai's `fine_tune` does. The model is recompiled for each phase with its
    own loss and metrics (so compile it first) and the new optimizer.

    Args:
        model: a compiled `keras.Model` holding a backbone.
        train_data: what `model.fit` takes as `x`: a `tf.data.Dataset`, a
            `keras.utils.PyDataset`, or a tuple `(x, y)` of arrays.
        epochs: int >= 1. Epochs of phase 2.
        freeze_epochs: int >= 0. Epochs of phase 1. Defaults to `1`.
        base_lr: float > 0. Learning rate of the head. Defaults to `1e-3`.
        lr_mult: float >= 1. Ratio of the head's to the first layers' rate in
            phase 2. Defaults to `100`.
        validation_data: passed to `fit`. Defaults to `None`.
        callbacks: list of callbacks passed to both phases. Defaults to `None`.
        backbone: the backbone layer or model. Defaults to the model's nested
            model with the most parameters (what `build_classifier` makes).

    Returns:
        A `keras.callbacks.History` covering both phases (epochs numbered on).

    Example:

    >>> backbone = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8)])
    >>> model = keras.Sequential([keras.Input((4,)), backbone, keras.layers.Dense(2)])
    >>> model.compile("adam", "sparse_categorical_crossentropy")
    >>> x, y = np.random.rand(16, 4), np.arange(16) % 2
    >>> history = keras_smalldata.transfer.fine_tune(model, (x, y), epochs=2)
    >>> len(history.history["loss"])
    3
    """
    if not getattr(model, "compiled", False):
        raise ValueError(
            "fine_tune needs a compiled model (for its loss and metrics). "
            "Received: an uncompiled model"
        )
    check_int(epochs, "epochs", low=1)
    check_int(freeze_epochs, "freeze_epochs", low=0)
    check_number(base_lr, "base_lr", low=0, closed="neither")
    # Checked here too (discriminative_optimizer checks it), so that a bad
    # value fails before phase 1 has changed the model.
    check_number(lr_mult, "lr_mult", low=1)
    backbone = backbone if backbone is not None else find_backbone(model)
    fit_kwargs = _fit_kwargs(train_data, validation_data, callbacks)
    compile_config = model.get_compile_config()
    template = keras.optimizers.get(compile_config["optimizer"])
    if isinstance(template, DiscriminativeOptimizer):
        # Compiled by an earlier fine_tune: start from the head's optimizer
        # (the last one).
        template = template.optimizers[-1]
    # Both phases train at `base_lr` (or a fraction of it), whatever rate or
    # schedule the model was compiled with.
    config = template.get_config()
    config["learning_rate"] = base_lr
    template = type(template).from_config(config)
    histories = []

    if freeze_epochs:
        freeze(backbone)
        phase_1 = type(template).from_config(template.get_config())
        _recompile(model, compile_config, phase_1)
        histories.append(model.fit(epochs=freeze_epochs, **fit_kwargs))

    unfreeze(backbone)
    optimizer = discriminative_optimizer(
        model, base_lr / 2, lr_mult=lr_mult, optimizer=template
    )
    _recompile(model, compile_config, optimizer)
    histories.append(
        model.fit(
            initial_epoch=freeze_epochs, epochs=freeze_epochs + epochs, **fit_kwargs
        )
    )
    return _combine(model, histories)


def _fit_kwargs(train_data, validation_data, callbacks):
    kwargs = {"validation_data": validation_data, "callbacks": callbacks, "verbose": 0}
    if isinstance(train_data, tuple):
        if len(train_data) != 2:
            raise ValueError(
                "`train_data` as a tuple must be (x, y). "
                f"Received: a tuple of length {len(train_data)}"
            )
        kwargs.update(x=train_data[0], y=train_data[1])
    else:
        # A dataset or generator brings its own order; Keras would warn that it
        # ignores `shuffle=True`.
        kwargs.update(x=train_data, shuffle=False)
    return kwargs


def _recompile(model, compile_config, optimizer):
    # The optimizer itself, not its config: a `DiscriminativeOptimizer` knows
    # the group of each of the model's variables, which its config records
    # by position only.
    config = dict(compile_config, optimizer=None)
    config = keras.saving.deserialize_keras_object(config)
    config["optimizer"] = optimizer
    model.compile(**config)


def _combine(model, histories):
    combined = keras.callbacks.History()
    combined.set_model(model)
    combined.epoch = []
    for history in histories:
        combined.epoch.extend(history.epoch)
        for key, values in history.history.items():
            combined.history.setdefault(key, []).extend(values)
    combined.params = histories[-1].params
    return combined
