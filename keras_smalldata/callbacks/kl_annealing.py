"""The `KLAnnealing` callback."""

import keras

from keras_smalldata._validation import (
    check_choice,
    check_non_negative,
    check_positive_int,
)

_SCHEDULES = ("linear", "cyclical")
# Fu et al. (2019) ramp beta over the first half of each cycle and hold it at
# its maximum over the second half.
_RAMP_FRACTION = 0.5


@keras.saving.register_keras_serializable(package="keras_smalldata")
class KLAnnealing(keras.callbacks.Callback):
    """Ramps a VAE's KL weight `beta` from 0 during the first epochs of `fit`.

    A VAE trained at full `beta` from the start often ignores its latent code
    (posterior collapse): the KL term wins before the decoder has learned to
    use it. Annealing starts from a plain autoencoder and raises `beta`
    linearly to `max_beta` (Bowman et al. 2016), or repeats that ramp in
    cycles (Fu et al. 2019: each cycle ramps over its first half and holds
    `max_beta` over its second).

    `beta` is updated before every batch, from the fractional epoch
    `epoch + batch / steps_per_epoch` (once per epoch when the number of steps
    is unknown), and is reached for good after `warmup_epochs`. The callback
    writes the model's non-trainable `beta_variable`, so the compiled training
    step reads the new value without being traced again. It adds the beta each
    batch trained with to the batch's logs, and the last one to the epoch's,
    under `"beta"`: `History` records it, and so do the callbacks listed after
    this one.

    Args:
        warmup_epochs: number >= 0. Epochs until `beta` stays at `max_beta`;
            for `"cyclical"`, the span of all cycles. `0` disables annealing.
            Defaults to `10`.
        schedule: `"linear"` or `"cyclical"`. Defaults to `"linear"`.
        cycles: int >= 1. Number of cycles of the `"cyclical"` schedule.
            Defaults to `4`.
        max_beta: float >= 0 or `None`. Final beta; `None` uses the model's
            `beta` argument. Defaults to `None`.

    Example:

    >>> x, y = keras_smalldata.datasets.load_digits()
    >>> vae = keras_smalldata.models.VAE.for_images((8, 8, 1), num_classes=10)
    >>> vae.compile(optimizer="adam")
    >>> annealing = keras_smalldata.callbacks.KLAnnealing(warmup_epochs=2)
    >>> history = vae.fit(
    ...     x[:64], y[:64], epochs=3, batch_size=32, callbacks=[annealing], verbose=0
    ... )
    >>> [round(b, 2) for b in history.history["beta"]]
    [0.25, 0.75, 1.0]
    """

    def __init__(self, warmup_epochs=10, schedule="linear", cycles=4, max_beta=None):
        super().__init__()
        check_non_negative(warmup_epochs, "warmup_epochs")
        self.warmup_epochs = warmup_epochs
        self.schedule = check_choice(schedule, "schedule", _SCHEDULES)
        self.cycles = check_positive_int(cycles, "cycles")
        if max_beta is not None:
            check_non_negative(max_beta, "max_beta")
        self.max_beta = max_beta
        self._epoch = 0
        self._last_value = None

    def beta_at(self, epoch, max_beta=None):
        """The schedule's beta at a fractional epoch (`1.5`: middle of epoch 2).

        Args:
            epoch: number >= 0. Epochs of training done so far.
            max_beta: float or `None`. Beta at the end of the warm-up. `None`
                uses the callback's `max_beta`, or `1.0` if that is `None`
                too (during `fit`, the model's `beta` takes its place).

        Returns:
            Float in `[0, max_beta]`.
        """
        check_non_negative(epoch, "epoch")
        if max_beta is None:
            max_beta = 1.0 if self.max_beta is None else self.max_beta
        check_non_negative(max_beta, "max_beta")
        if epoch >= self.warmup_epochs:
            return float(max_beta)
        if self.schedule == "linear":
            return float(max_beta) * epoch / self.warmup_epochs
        period = self.warmup_epochs / self.cycles
        position = (epoch % period) / period
        return float(max_beta) * min(1.0, position / _RAMP_FRACTION)

    def set_model(self, model):
        if not isinstance(getattr(model, "beta_variable", None), keras.Variable):
            raise ValueError(
                "KLAnnealing expects a model with a `beta_variable` (a Keras "
                "Variable), such as `keras_smalldata.models.VAE`. "
                f"Received: model={model!r}"
            )
        super().set_model(model)

    def on_train_begin(self, logs=None):
        self._last_value = None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._set_beta(epoch)

    def on_train_batch_begin(self, batch, logs=None):
        steps = (self.params or {}).get("steps")
        if steps:
            self._set_beta(self._epoch + batch / steps)

    def on_train_batch_end(self, batch, logs=None):
        if logs is not None:
            logs["beta"] = self._last_value

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["beta"] = self._last_value

    def get_config(self):
        return {
            "warmup_epochs": self.warmup_epochs,
            "schedule": self.schedule,
            "cycles": self.cycles,
            "max_beta": self.max_beta,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _set_beta(self, epoch):
        max_beta = self.model.beta if self.max_beta is None else self.max_beta
        value = self.beta_at(epoch, max_beta)
        if value == self._last_value:
            return
        if keras.backend.backend() == "jax":
            # JAX's fit loop holds the variables' values itself; write them back
            # first so that it re-reads them, with the new beta, on its next step.
            self.model.jax_state_sync()
        self.model.beta_variable.assign(value)
        self._last_value = value
