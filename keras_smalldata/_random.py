"""Seed generators whose draws differ between the replicas of a distribution.

Under `tf.distribute.MirroredStrategy` a `keras.random.SeedGenerator`'s state is
a mirrored variable (aggregation `"none"`): each replica advances its own copy
the same way, so every replica draws the same numbers and sample `i` of each
replica's batch gets the same augmentation (measured with Keras 3.15.1; Keras'
own `RandomRotation` does this too). `ReplicaSeedGenerator` folds the replica
id into every seed it hands out when more than one replica trains in sync.

Outside a multi-replica context (one device, `tf.data` pipelines, cross-replica
code, the JAX and torch backends) the seeds are exactly those of a plain
`keras.random.SeedGenerator`, so seeded results do not change.
"""

import keras


class ReplicaSeedGenerator(keras.random.SeedGenerator):
    """A `keras.random.SeedGenerator` that draws differently on each replica.

    The state advances as a plain `SeedGenerator`'s does, identically on every
    replica (so the mirrored copies stay equal and checkpoints are unchanged);
    only the seed handed to the random op is folded with
    `tf.random.experimental.stateless_fold_in(seed, replica_id_in_sync_group)`,
    and only under the TensorFlow backend inside a replica context with
    `num_replicas_in_sync > 1`.

    Args:
        seed: int or `None`. Initial seed, as for `keras.random.SeedGenerator`.
            Defaults to `None`.
        name: str or `None`. Defaults to an automatic name.
        **kwargs: passed to `keras.random.SeedGenerator`.
    """

    def next(self, ordered=True):
        seed = super().next(ordered=ordered)
        if keras.backend.backend() != "tensorflow":
            return seed
        return fold_in_replica_id(seed)


def fold_in_replica_id(seed):
    """Folds the replica id into a `(2,)` seed tensor under a multi-replica
    `tf.distribute` strategy; returns `seed` unchanged anywhere else.

    TensorFlow backend only (the caller checks). The folded seed is int32, as
    `tf.random.stateless_*` need under XLA; Keras casts int64 seeds the same way.
    """
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync <= 1:
        return seed
    # Keras' own int64 -> int32 seed cast (keras/src/backend/tensorflow/random.py).
    seed = tf.cast(tf.math.floormod(seed, tf.int32.max - 1), "int32")
    replica_id = tf.cast(context.replica_id_in_sync_group, "int32")
    return tf.random.experimental.stateless_fold_in(seed, replica_id)
