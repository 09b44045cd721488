"""Rebuilding an optimizer for another trainable set keeps its state by variable.

What `GradualUnfreezing` does at each unfreezing (issue 16): on a drawn stack
of Dense blocks of drawn (often equal) shapes, with a drawn optimizer option,
a drawn trainable set before and after, and drawn gradients, every piece of
optimizer state must follow its own variable, new variables start fresh, and
no frozen weight moves.
"""

import keras
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import keras_smalldata.transfer as kst
from keras_smalldata._optimizer_state import rebuild_optimizer, state_by_key


def _adamw():
    optimizer = keras.optimizers.AdamW(0.1, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    return optimizer


OPTIMIZERS = {
    "adam": lambda: keras.optimizers.Adam(0.1),
    "sgd-momentum": lambda: keras.optimizers.SGD(0.1, momentum=0.9),
    "nadam": lambda: keras.optimizers.Nadam(0.1),
    "adafactor": lambda: keras.optimizers.Adafactor(0.1),
    "ema": lambda: keras.optimizers.Adam(0.1, use_ema=True, ema_momentum=0.5),
    "accumulation": lambda: keras.optimizers.SGD(0.1, gradient_accumulation_steps=2),
    "weight-decay-exclusion": _adamw,
    "loss-scale": lambda: keras.optimizers.LossScaleOptimizer(
        keras.optimizers.Adam(0.1), initial_scale=4.0
    ),
    "discriminative": None,
}
# Per-variable state that starts from the variable's value.
_FROM_VARIABLE = "_model_variables_moving_average"


@st.composite
def cases(draw):
    num_blocks = draw(st.integers(2, 4))
    masks = st.lists(st.booleans(), min_size=num_blocks, max_size=num_blocks)
    return {
        "widths": draw(st.lists(st.sampled_from((2, 3)), min_size=3, max_size=3)),
        "num_blocks": num_blocks,
        "option": draw(st.sampled_from(sorted(OPTIMIZERS))),
        "before": draw(masks),
        "after": draw(masks),
        "steps": draw(st.integers(1, 3)),
        "seed": draw(st.integers(0, 2**16)),
    }


def _model(case):
    widths = case["widths"]
    blocks = [
        keras.layers.Dense(widths[i % 3], bias_initializer="random_normal")
        for i in range(case["num_blocks"])
    ]
    backbone = keras.Sequential([keras.Input((3,)), *blocks])
    model = keras.Sequential([keras.Input((3,)), backbone, keras.layers.Dense(2)])
    if case["option"] == "discriminative":
        optimizer = kst.discriminative_optimizer(model, 0.1, lr_mult=10, num_groups=3)
    else:
        optimizer = OPTIMIZERS[case["option"]]()
    return model, blocks, optimizer


def _step(model, rng):
    variables = model.trainable_variables
    grads = [rng.normal(size=v.shape).astype("float32") for v in variables]
    model.optimizer.apply(grads, variables)


def _state(model):
    """`{(inner path, attribute, variable path or None): value}`."""
    optimizer = model.optimizer
    path_of = {optimizer._var_key(w): w.path for w in model.weights}
    state = {}
    for key, (slot, variable) in state_by_key(optimizer).items():
        if variable is not None:
            key = (*key[:-1], path_of[key[-1]])
        state[key] = (keras.ops.convert_to_numpy(slot), variable)
    return state


def _weights(model):
    return {w.path: w.numpy().copy() for w in model.weights}


@settings(max_examples=max(10, settings().max_examples // 5))
@given(cases())
def test_rebuilt_optimizer_keeps_each_variables_state(count_case, case):
    count_case("optimizer state")
    rng = np.random.default_rng(case["seed"])
    model, blocks, optimizer = _model(case)
    for block, trainable in zip(blocks, case["before"], strict=True):
        block.trainable = trainable
    model.compile(optimizer, "mse", run_eagerly=True)
    model.optimizer.build(model.trainable_variables)
    for _ in range(case["steps"]):
        _step(model, rng)
    before, weights = _state(model), _weights(model)

    for block, trainable in zip(blocks, case["after"], strict=True):
        block.trainable = trainable
    variables = model.trainable_variables
    rebuild_optimizer(model, variables)
    after = _state(model)
    # Every variable's state followed it; the others' is fresh.
    for key, (value, variable) in after.items():
        if key in before:
            np.testing.assert_array_equal(value, before[key][0], err_msg=str(key))
        elif variable is not None and key[-2] == _FROM_VARIABLE:
            np.testing.assert_array_equal(value, variable.numpy(), err_msg=str(key))
        else:
            assert variable is not None, f"global state {key} was lost"
            assert not np.any(value), key
    assert {k for k in before if k[-1] is None} <= set(after)
    if case["option"] == "weight-decay-exclusion":  # state outside the config
        decayed = {v.path: model.optimizer._use_weight_decay(v) for v in variables}
        assert decayed == {p: not p.endswith("bias") for p in decayed}
    # Rebuilding moves no weight; a step and `fit`'s final write-back of the
    # moving averages move only trainable ones, each to its own average.
    assert all(np.array_equal(w, weights[p]) for p, w in _weights(model).items())
    _step(model, rng)
    model.optimizer.finalize_variable_values(model.trainable_weights)
    trainable = {v.path for v in model.trainable_weights}
    for path, value in _weights(model).items():
        if path not in trainable:
            np.testing.assert_array_equal(value, weights[path], err_msg=path)
    for key, (average, variable) in _state(model).items():
        if variable is not None and key[-2] == _FROM_VARIABLE:
            np.testing.assert_array_equal(variable.numpy(), average, err_msg=str(key))
