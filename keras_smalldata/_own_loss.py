"""Models that compute their own loss: the compile arguments they refuse, and
the loss's scaling under a `tf.distribute` strategy.

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


def scale_for_replicas(loss):
    """Divides the loss by the number of replicas of a `tf.distribute` strategy.

    Keras' TensorFlow trainer sums the replicas' gradients and multiplies the
    logged loss by the number of replicas, expecting each replica's loss to be
    pre-divided by it, as its `Loss` objects do
    (`keras/src/losses/loss.py: scale_loss_for_distribution`). Without this the
    gradients and the logged loss of a 2-replica run were twice a single
    device's.
    """
    if keras.backend.backend() != "tensorflow":
        return loss
    import tensorflow as tf

    num_replicas = tf.distribute.get_strategy().num_replicas_in_sync
    if num_replicas > 1:
        loss = loss * (1.0 / num_replicas)
    return loss
