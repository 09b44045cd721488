"""Walking a model's layers in a stable order, and setting `trainable` right.

Shared by `transfer` (freeze, unfreeze, discriminative learning rates) and
`callbacks` (`GradualUnfreezing`).
"""

import math

import keras


def sublayers(layer):
    """Direct children that `weighted_leaves` descends into, or `[]`."""
    # Imported here: `transfer` imports this module.
    from keras_smalldata.transfer import InferenceMode

    if isinstance(layer, InferenceMode):
        return [layer.layer]
    if isinstance(layer, keras.Model):
        return list(layer.layers)
    return []


def weighted_leaves(model):
    """Leaf layers holding weights, depth first in the model's layer order.

    Nested models (and `InferenceMode` wrappers) are entered; any other layer is
    a leaf, kept if it has weights. The order is the order of `model.layers`,
    which is stable across calls and across save/load.
    """
    leaves = []
    seen = set()

    def visit(layer):
        children = sublayers(layer)
        if children:
            for child in children:
                visit(child)
        elif layer.weights and id(layer) not in seen:
            seen.add(id(layer))
            leaves.append(layer)

    visit(model)
    return leaves


def is_batchnorm(layer):
    return isinstance(layer, keras.layers.BatchNormalization)


def set_leaf_trainable(model, trainable):
    """Sets `trainable` for each leaf in the `{leaf: bool}` dict `trainable`.

    Keras propagates `trainable` from a container to all its children, and a
    frozen container hides its children's weights, so containers are all made
    trainable first and the leaves are set afterwards. Leaves not in the dict
    keep their current value.
    """
    leaves = weighted_leaves(model)
    wanted = {id(leaf): leaf.trainable for leaf in leaves}
    wanted.update({id(leaf): value for leaf, value in trainable.items()})
    set_trainable(model, True)
    for leaf in leaves:
        leaf.trainable = wanted[id(leaf)]


def set_trainable(layer, value):
    """Sets `layer.trainable = value` on `layer` and every nested layer.

    Under the TensorFlow backend, assigning an attribute the value it already
    has is skipped (`KerasAutoTrackable.__setattr__`), so `trainable = False`
    on a frozen container does not reach children unfrozen one by one since.
    Each nested model (and `InferenceMode` wrapper) is therefore set itself.
    """
    layer.trainable = value
    for child in sublayers(layer):
        set_trainable(child, value)


def count_params(layers_, trainable=None):
    """Parameter count of `layers_`, all or only (non-)trainable variables."""
    total = 0
    for layer in layers_:
        for variable in layer.weights:
            if trainable is None or _is_trainable(layer, variable) == trainable:
                total += math.prod(variable.shape)
    return total


def _is_trainable(layer, variable):
    return layer.trainable and any(variable is v for v in layer.trainable_weights)


def trainable_by_nature(layer):
    """Ids of the weights of `layer` that train when it is unfrozen.

    All but those a layer creates non-trainable (BatchNorm's moving
    statistics), whatever the `trainable` flags are now. Keras keeps the two
    kinds apart in each layer's private `_trainable_variables` and
    `_non_trainable_variables` lists (keras 3.15), the only place that says
    which a frozen weight is.
    """
    ids = set()
    stack = [layer]
    while stack:
        current = stack.pop()
        ids.update(id(v) for v in getattr(current, "_trainable_variables", ()))
        stack.extend(getattr(current, "_layers", ()))
    return ids


def layer_groups(model, num_groups):
    """Splits the model's weighted layers into contiguous groups, head last."""
    leaves = weighted_leaves(model)
    backbone = find_backbone(model, required=False)
    if backbone is not None and num_groups > 1:
        body = weighted_leaves(backbone)
        head = [leaf for leaf in leaves if all(leaf is not b for b in body)]
        if body and head:
            return _split(body, num_groups - 1) + [head]
    return _split(leaves, num_groups)


def _split(layers, num_groups):
    num_groups = min(num_groups, len(layers))
    size = math.ceil(len(layers) / num_groups) if num_groups else 0
    groups = [layers[i * size : (i + 1) * size] for i in range(num_groups)]
    return [group for group in groups if group]


def find_backbone(model, required=True):
    """The nested model (or `InferenceMode` wrapper) with the most parameters.

    Not simply the first: an augmentation `keras.Sequential` placed before the
    backbone (as `build_classifier(augmentation=...)` does) is nested too.
    """
    nested = [layer for layer in sublayers(model) if sublayers(layer)]
    nested = [layer for layer in nested if weighted_leaves(layer)]
    if nested:
        return max(nested, key=lambda layer: count_params(weighted_leaves(layer)))
    if required:
        raise ValueError(
            "Could not find a backbone (a nested model with weights) in the "
            "model; pass `backbone=`. "
            f"Received: model with layers {[x.name for x in model.layers]}"
        )
    return None
