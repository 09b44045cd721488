"""A Keras model that computes its own loss: what it must not be compiled with.

Shared by `models.VAE` and `models.SemiSupervised`.
"""

import keras


class OwnLossModel:
    """Mixin (before `keras.Model`) refusing the compile arguments it replaces.

    Subclasses set `_refused_compile_arguments` (names) and `_own_loss` (the
    end of "X computes ...", for the error message).
    """

    _refused_compile_arguments = ("loss",)
    _own_loss = "its own loss"

    def compile(self, optimizer="adam", **kwargs):
        for name in self._refused_compile_arguments:
            if kwargs.get(name) is not None:
                raise ValueError(
                    f"{type(self).__name__} computes {self._own_loss}; compile it "
                    f"without `{name}`. Received: {name}={kwargs[name]!r}"
                )
        super().compile(optimizer=optimizer, **kwargs)

    def compile_from_config(self, config):
        # Keras skips overridden `compile` methods when loading; this one only
        # rejects a loss, so the saved compile config (loss=None) replays.
        self.compile(**keras.saving.deserialize_keras_object(config))
        if self.built:
            self.optimizer.build(self.trainable_variables)
