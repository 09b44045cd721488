"""What `freeze` and `unfreeze` return."""

import dataclasses


@dataclasses.dataclass(frozen=True)
class TrainableChange:
    """The layers whose `trainable` flag changed, and the parameter counts after.

    Attributes:
        changed: names of the layers whose flag changed.
        trainable_params: trainable parameters of the model after the change.
        frozen_params: frozen parameters after the change (BatchNorm moving
            statistics included).

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="d")])
    >>> change = keras_smalldata.transfer.freeze(model)
    >>> change
    TrainableChange(changed=('d',), trainable_params=0, frozen_params=10)
    >>> print(change)
    1 layers changed [d]; trainable params: 0, frozen params: 10
    """

    changed: tuple
    trainable_params: int
    frozen_params: int

    def __str__(self):
        names = ", ".join(self.changed[:5])
        if len(self.changed) > 5:
            names += f", ... ({len(self.changed) - 5} more)"
        return (
            f"{len(self.changed)} layers changed [{names}]; "
            f"trainable params: {self.trainable_params:,}, "
            f"frozen params: {self.frozen_params:,}"
        )


def describe_change(model, before):
    """`TrainableChange` between the `{leaf: trainable}` dict `before` and now."""
    from keras_smalldata._model_layers import count_params, weighted_leaves

    leaves = weighted_leaves(model)
    changed = tuple(leaf.name for leaf in leaves if before[leaf] != leaf.trainable)
    return TrainableChange(
        changed=changed,
        trainable_params=count_params(leaves, trainable=True),
        frozen_params=count_params(leaves, trainable=False),
    )
