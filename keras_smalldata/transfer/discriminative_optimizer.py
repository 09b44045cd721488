"""`discriminative_optimizer`: smaller learning rates for earlier layers."""

import copy
import math
import numbers
import re
import warnings

import keras

from keras_smalldata._config import check_config
from keras_smalldata._model_layers import layer_groups, trainable_by_nature
from keras_smalldata._optimizer_state import copy_state
from keras_smalldata._validation import check_int, check_number
from keras_smalldata.transfer._scaled_schedule import ScaledSchedule


@keras.saving.register_keras_serializable(package="keras_smalldata")
class DiscriminativeOptimizer(keras.optimizers.MultiOptimizer):
    """A `MultiOptimizer` whose groups' learning rates keep fixed ratios.

    Made by `discriminative_optimizer`. Each group (one per entry of
    `optimizers`) trains at `ratios[i]` times the head's rate (the head is the
    map's default optimizer, ratio 1). Its rate is either a number or a
    `keras.optimizers.schedules.LearningRateSchedule`: then each group holds
    the schedule times its ratio, evaluated at the group's own step, and
    nothing is ever frozen into a float.

    Its `learning_rate` is the head's; setting it (a number or a schedule)
    sets every group's, keeping the ratios. Keras' rate callbacks
    (`LearningRateScheduler`, `ReduceLROnPlateau`) set each group's rate from
    its own, as for any `MultiOptimizer`: a schedule that returns a multiple
    of the rate it is given (`lambda epoch, lr: lr * 0.9`) keeps the ratios,
    one that returns a fixed value gives every group that value. For a
    schedule that keeps the ratios at every step, give `discriminative_optimizer`
    a `LearningRateSchedule` as `base_lr`.

    It also accepts gradients for a subset of the variables it was built for,
    which is what training with frozen groups needs; a plain `MultiOptimizer`
    rejects them. It saves and loads with the model, its state included: when
    made by `discriminative_optimizer` it keeps each variable's group by
    identity, and by position among the model's weights in its config, not by
    variable path as `MultiOptimizer` does (a loaded model's paths differ).

    Args:
        optimizer_map: a `keras.optimizers.OptimizerMap`; its default
            optimizer is the head's.
        ratios: list of floats, each group's learning rate over the head's, in
            the order of `optimizers`. Defaults to the ratios of the rates the
            optimizers have (of their multipliers, for groups made from a
            schedule).
        loss_scale_factor: passed to `MultiOptimizer`.
        name: passed to `MultiOptimizer`.

    Example:

    >>> model = keras.Sequential(
    ...     [keras.Input((4,))] + [keras.layers.Dense(4) for _ in range(3)]
    ... )
    >>> opt = keras_smalldata.transfer.discriminative_optimizer(model, 1e-3)
    >>> isinstance(opt, keras_smalldata.transfer.DiscriminativeOptimizer)
    True
    >>> opt.learning_rate = 1e-2  # every group keeps its ratio to the head
    >>> [round(float(o.learning_rate), 6) for o in opt.optimizers]
    [0.0001, 0.001, 0.01]
    """

    def __init__(self, optimizer_map, ratios=None, loss_scale_factor=None, name=None):
        if not isinstance(optimizer_map, keras.optimizers.OptimizerMap):
            raise TypeError(
                "`optimizer_map` must be a `keras.optimizers.OptimizerMap` (build "
                "one with `discriminative_optimizer`). "
                f"Received: optimizer_map of type {type(optimizer_map).__name__}"
            )
        super().__init__(optimizer_map, loss_scale_factor=loss_scale_factor, name=name)
        # Ours, not MultiOptimizer's private copy: the patterns (for the config
        # and the fallback by path) and which optimizer is the head's.
        self._map = optimizer_map
        self._head = self.optimizers.index(optimizer_map.default_optimizer)
        if ratios is None:
            multipliers = [_multiplier(o) for o in self.optimizers]
            ratios = [m / multipliers[self._head] for m in multipliers]
        if (
            not isinstance(ratios, (list, tuple))
            or len(ratios) != len(self.optimizers)
            or not all(
                isinstance(r, numbers.Real)
                and not isinstance(r, bool)
                and 0 < r < math.inf
                for r in ratios
            )
        ):
            raise ValueError(
                f"`ratios` must be {len(self.optimizers)} positive numbers, one per "
                f"optimizer of the map. Received: ratios={ratios!r}"
            )
        self.ratios = [float(r) for r in ratios]
        # Which group each variable belongs to (see `build`), by `id`.
        self._weight_groups = None  # per weight of the model: group, or None
        self._group_of = {}  # id of a model variable -> index into `optimizers`
        self._weights = _Weights([])  # the model's weights, out of tracking
        self._loaded_positions = None  # from a saved config (see `get_config`)
        self._positions = None  # what `build` found the variables to be
        self._group_index = {}  # id of a built-for variable -> its group
        self._built_for = _Weights([])  # the variables `build` was given

    @property
    def learning_rate(self):
        return self.optimizers[self._head].learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        schedule = isinstance(value, keras.optimizers.schedules.LearningRateSchedule)
        for optimizer, ratio in zip(self.optimizers, self.ratios, strict=True):
            # Keras refuses a number for a group made from a schedule.
            optimizer.learning_rate = (
                ScaledSchedule(value, ratio) if schedule else float(value) * ratio
            )

    def _bind(self, weights, weight_groups):
        """Groups the variables of `weights` by identity: `weight_groups[i]` is
        the index into `optimizers` of the group of `weights[i]`, or `None`
        for a weight that never trains (BatchNorm's moving statistics)."""
        weights = list(weights)
        if len(weights) != len(weight_groups):
            raise ValueError(
                f"This DiscriminativeOptimizer was made for a model with "
                f"{len(weight_groups)} weights, so it cannot group the variables "
                "of this one; make a new one with `discriminative_optimizer`. "
                f"Received: a model with {len(weights)} weights"
            )
        self._weight_groups = [None if g is None else int(g) for g in weight_groups]
        self._group_of = {
            id(w): g
            for w, g in zip(weights, self._weight_groups, strict=True)
            if g is not None
        }
        self._weights = _Weights(weights)

    def _adopt_groups(self, old, weights):
        """Groups as `old` (of the same config) does, for the model whose
        weights are `weights`: the variables `old` was built for stay in their
        group, the others go where `discriminative_optimizer` put them."""
        groups = self._weight_groups
        if groups is not None and len(groups) == len(weights):
            self._bind(weights, groups)
        self._group_of.update(old._group_index)

    def _built_positions(self):
        """Indices into the model's weights of the variables it is built for
        (unbuilt: will be, the trainable ones), or `None` if unknown."""
        weights = self._weights.weights
        if not weights:
            return self._positions if self.built else self._loaded_positions
        if not self.built:
            return [i for i, w in enumerate(weights) if w.trainable]
        position_of = {id(w): i for i, w in enumerate(weights)}
        keys = [id(v) for v in self._built_for.weights]
        if all(key in position_of for key in keys):
            return [position_of[key] for key in keys]
        return None

    def _find_positions(self, var_list):
        """Indices into the model's weights of `var_list`, found from counts.

        `var_list` is the model's trainable weights, in order: a subset of
        those that can train (not grouped `None`), so all of them if as many;
        else those the saved optimizer was built for if as many, as `trainable`
        flags are saved with the model. (Keras does not save those of a
        subclassed model's layers, which come back trainable: the first case.)
        """
        candidates = [self._loaded_positions]
        if self._weight_groups is not None:
            trainable = [i for i, g in enumerate(self._weight_groups) if g is not None]
            candidates.insert(0, trainable)
        for positions in candidates:
            if positions is not None and len(positions) == len(var_list):
                return positions
        return None

    def build(self, var_list):
        # `MultiOptimizer.build` groups variables by their path, which is not
        # stable: a model loaded from a `.keras` file names its nested
        # models' variables differently (`sequential/dense/kernel` becomes
        # `dense/kernel`, and may then equal another layer's path). The
        # groups are kept by variable identity while the model is known
        # (`discriminative_optimizer`, `GradualUnfreezing`), and found by
        # position among the model's weights when loading.
        if self.built:
            return
        var_list = list(var_list)
        self._positions = None
        if all(id(v) in self._group_of for v in var_list):
            groups = [self._group_of[id(v)] for v in var_list]
        elif (positions := self._find_positions(var_list)) is not None:
            self._positions = positions
            groups = [self._weight_groups[i] for i in positions]
            groups = [self._head if g is None else g for g in groups]
        else:
            if self._weight_groups is not None:
                warnings.warn(
                    "DiscriminativeOptimizer could not tell which of the model's "
                    "weights it is built for, and groups them by variable path, "
                    "which loading a model may change. Make a new one with "
                    "`discriminative_optimizer(model, ...)` to group them anew. "
                    f"Received: {len(var_list)} variables, for a model of "
                    f"{len(self._weight_groups)} weights",
                    stacklevel=2,
                )
            groups = [self.optimizers.index(self._map(v)) for v in var_list]
        self._group_index = {id(v): g for v, g in zip(var_list, groups, strict=True)}
        self._built_for = _Weights(var_list)
        per_group = [[] for _ in self.optimizers]
        for variable, group in zip(var_list, groups, strict=True):
            per_group[group].append(variable)
        for optimizer, variables in zip(self.optimizers, per_group, strict=True):
            if variables:
                optimizer.build(variables)
        # The base class's build (iterations and the variable list), not
        # MultiOptimizer's, which would group the variables again by path.
        keras.optimizers.Optimizer.build(self, var_list)

    def load_own_variables(self, store):
        # Keras restores an optimizer's state by position, which holds if it
        # is built for the same variables as when saved. If loading made more
        # of them trainable (a subclassed model's layers), an optimizer built
        # as the saved one was receives the state, and hands it on by variable.
        saved, now = self._loaded_positions, self._positions
        if saved is None or now is None or saved == now:
            return super().load_own_variables(store)
        index = {position: i for i, position in enumerate(now)}
        if not all(position in index for position in saved):
            warnings.warn(
                f"Skipping the optimizer state of {self.name!r}: it was saved for "
                "weights of the model that are not trainable now. "
                f"Received: saved for weights {saved}, built for {now}",
                stacklevel=2,
            )
            return None
        as_saved = type(self).from_config({**self.get_config(), "built_weights": saved})
        built_for = self._built_for.weights
        as_saved.build([built_for[index[p]] for p in saved])
        as_saved.load_own_variables(store)
        copy_state(as_saved, self, caller="DiscriminativeOptimizer")
        # Keras then loads each group's optimizer from its own store, by
        # position too: it skips, with a warning, those whose variables
        # changed (their state came from here) and reloads the same values
        # into the others.
        return None

    def finalize_variable_values(self, var_list):
        # Keras' own matches each variable to its moving average by position
        # in the list the optimizer was built for; look each one up instead.
        for variable in var_list:
            index = self._group_index.get(id(variable))
            optimizer = None if index is None else self.optimizers[index]
            if optimizer is None or not optimizer.use_ema:
                continue
            averages = optimizer._model_variables_moving_average
            average = averages[optimizer._get_variable_index(variable)]
            if average is not None:
                variable.assign(average)

    def apply(self, grads, trainable_variables=None):
        # MultiOptimizer.apply insists on gradients for every variable it was
        # built for; dispatch a subset the same way instead. Each group's
        # optimizer applies its own rate (a number, or its schedule at its
        # own step): nothing is reset here.
        if len(grads) == 0:
            return
        if trainable_variables is None:
            # As `stateless_apply` (JAX) calls it: the built-for variables.
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer "
                    "must already be built on a list of variables. Call "
                    "`optimizer.build(trainable_variables)` first."
                )
            trainable_variables = self._built_for.weights
        if not self.built:
            self.build(trainable_variables)
        per_group = [[] for _ in self.optimizers]
        for grad, variable in zip(grads, trainable_variables, strict=True):
            if grad is None:  # e.g. a backbone output the model does not use
                continue
            group = self._group_index.get(id(variable))
            if group is None:
                raise ValueError(
                    f"DiscriminativeOptimizer {self.name!r} was built for "
                    f"{len(self._group_index)} other variables; rebuild it (or "
                    "make a new one with `discriminative_optimizer`) for this "
                    f"one. Received: a gradient for variable {variable.path!r}"
                )
            per_group[group].append((grad, variable))
        for optimizer, pairs in zip(self.optimizers, per_group, strict=True):
            if pairs:
                optimizer.apply([g for g, _ in pairs], [v for _, v in pairs])
        self.iterations.assign_add(1)

    def get_config(self):
        # MultiOptimizer's config serializes its map entry by entry, so
        # `from_config` would make one optimizer per variable: keep the groups.
        patterns = {id(o): [] for o in self.optimizers}
        for pattern, optimizer in self._map.items():
            patterns[id(optimizer)].append(pattern)
        return {
            "optimizers": [
                keras.saving.serialize_keras_object(o) for o in self.optimizers
            ],
            "patterns": [patterns[id(o)] for o in self.optimizers],
            "head": self._head,
            "ratios": self.ratios,
            "loss_scale_factor": self.loss_scale_factor,
            "name": self.name,
            # Groups by position, which a loaded model keeps (its variable
            # paths it does not): one per weight of the model, and which
            # weights the optimizer state saved beside this config is for.
            "weight_groups": self._weight_groups,
            "built_weights": self._built_positions(),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        check_config(cls, config, _CONFIG_KEYS)
        # A copy: Keras' `Optimizer.from_config` deserializes a schedule in
        # place, which would change the caller's config.
        config = copy.deepcopy(config)
        optimizers = [
            keras.saving.deserialize_keras_object(o, custom_objects=custom_objects)
            for o in config.pop("optimizers")
        ]
        patterns = config.pop("patterns")
        # Absent from older files, whose groups are then found by path.
        weight_groups = config.pop("weight_groups", None)
        built_weights = config.pop("built_weights", None)
        ratio_of = {
            id(o): r for o, r in zip(optimizers, config.pop("ratios"), strict=True)
        }
        optimizer_map = keras.optimizers.OptimizerMap(
            default_optimizer=optimizers[config.pop("head")]
        )
        for optimizer, keys in zip(optimizers, patterns, strict=True):
            for key in keys:
                optimizer_map[key] = optimizer
        # The saved ratios follow the saved order; MultiOptimizer orders its
        # optimizers as the map lists them: give each its own once made.
        instance = cls(optimizer_map, ratios=[1.0] * len(optimizers), **config)
        instance.ratios = [ratio_of[id(o)] for o in instance.optimizers]
        if weight_groups is not None:
            instance._weight_groups = [
                None if g is None else int(g) for g in weight_groups
            ]
        if built_weights is not None:
            instance._loaded_positions = [int(i) for i in built_weights]
        return instance


# The keys of `DiscriminativeOptimizer.get_config`.
_CONFIG_KEYS = (
    "optimizers",
    "patterns",
    "head",
    "ratios",
    "loss_scale_factor",
    "name",
    "weight_groups",
    "built_weights",
)


class _Weights:
    """Holds the model's weights out of sight of the optimizer's tracker
    (which would count a list of variables as optimizer state)."""

    __slots__ = ("weights",)

    def __init__(self, weights):
        self.weights = list(weights)


def _multiplier(optimizer):
    """The group's rate, or its multiplier if it holds a `ScaledSchedule`.

    Read from the optimizer's config (public), not from its private rate.
    """
    rate = optimizer.get_config()["learning_rate"]
    if isinstance(rate, dict):
        schedule = keras.saving.deserialize_keras_object(rate)
        if not isinstance(schedule, ScaledSchedule):
            raise ValueError(
                "DiscriminativeOptimizer cannot tell the ratios of optimizers "
                "holding their own schedules: pass `ratios`, or make it with "
                "`discriminative_optimizer(model, schedule, ...)`. "
                f"Received: an optimizer with learning_rate={rate['class_name']}"
            )
        return schedule.multiplier
    return float(rate)


def discriminative_optimizer(
    model, base_lr, lr_mult=100, num_groups=3, optimizer="adam"
):
    """An optimizer giving earlier layer groups smaller learning rates.

    fastai's discriminative learning rates (`slice(base_lr / lr_mult,
    base_lr)`) with Keras' `MultiOptimizer`: the model's layers with weights
    are split into `num_groups` contiguous groups; the last (the head) trains at
    `base_lr` and earlier groups at log-spaced smaller rates down to
    `base_lr / lr_mult`. If the model holds a nested backbone (a nested model,
    or `InferenceMode` from `build_classifier`), the head is everything after it
    and the backbone is split into `num_groups - 1` groups.

    Groups are kept by variable, and saved by position among the model's
    weights, not by path: a nested backbone's variables usually carry no
    backbone prefix (`conv_1/kernel`, not `MobileNetV3Small/conv_1/kernel`),
    so a map keyed on the backbone's name would silently match nothing, and a
    loaded model's paths differ from the saved one's. (Its map also holds
    each variable's exact path: the fallback when it cannot tell otherwise.)
    Variables added later fall to the head.

    `base_lr` may be a `keras.optimizers.schedules.LearningRateSchedule`
    (cosine decay with warm-up is the usual fine-tuning recipe): each group
    then trains at its multiplier times the schedule, evaluated at the group's
    own step, which is the model's step for every group that trains from the
    start. (A group unfrozen later, by `GradualUnfreezing`, starts the schedule
    when it starts training, warm-up included, as a fresh optimizer would.)

    Args:
        model: a built `keras.Model`.
        base_lr: float > 0, or a `keras.optimizers.schedules.
            LearningRateSchedule`. Learning rate of the head.
        lr_mult: float >= 1. Ratio of the head's rate to the first group's.
            Defaults to `100`.
        num_groups: int >= 1. Number of groups. Defaults to `3`.
        optimizer: name or instance of a Keras optimizer with a number as
            its learning rate; each group gets a copy with its own. Defaults
            to `"adam"`.

    Returns:
        A `DiscriminativeOptimizer` (a `keras.optimizers.MultiOptimizer`).

    Example:

    >>> model = keras.Sequential(
    ...     [keras.Input((4,))] + [keras.layers.Dense(4) for _ in range(3)]
    ... )
    >>> opt = keras_smalldata.transfer.discriminative_optimizer(model, 1e-3)
    >>> [round(float(o.learning_rate), 6) for o in opt.optimizers]
    [1e-05, 0.0001, 0.001]
    >>> warm_cosine = keras.optimizers.schedules.CosineDecay(
    ...     0.0, decay_steps=100, warmup_target=1e-3, warmup_steps=10
    ... )
    >>> opt = keras_smalldata.transfer.discriminative_optimizer(model, warm_cosine)
    >>> [round(float(o.learning_rate), 6) for o in opt.optimizers]  # step 0
    [0.0, 0.0, 0.0]
    >>> [round(float(warm_cosine(10)) * r, 6) for r in opt.ratios]  # step 10
    [1e-05, 0.0001, 0.001]
    """
    schedule = isinstance(base_lr, keras.optimizers.schedules.LearningRateSchedule)
    if not schedule and (not isinstance(base_lr, numbers.Real) or not base_lr > 0):
        raise ValueError(
            "`base_lr` must be a number > 0 or a keras.optimizers.schedules."
            f"LearningRateSchedule. Received: base_lr={base_lr!r}"
        )
    check_number(lr_mult, "lr_mult", low=1)
    check_int(num_groups, "num_groups", low=1)
    if not isinstance(model, keras.Model) or not model.built:
        raise ValueError(
            "discriminative_optimizer needs a built keras.Model. "
            f"Received: model={model!r}"
        )
    template = keras.optimizers.get(optimizer)
    if isinstance(template.get_config()["learning_rate"], dict):
        # Each group's rate is derived from `base_lr`: replacing the template's
        # schedule with it would silently drop the schedule.
        raise ValueError(
            "discriminative_optimizer gives each group a multiple of `base_lr`, "
            "so `optimizer` must have a number as its learning rate; pass its "
            "schedule as `base_lr` instead. Received: optimizer="
            f"{type(template).__name__} with a learning-rate schedule"
        )
    groups = layer_groups(model, num_groups)
    multipliers = [
        1 / lr_mult ** ((len(groups) - 1 - i) / max(len(groups) - 1, 1))
        for i in range(len(groups))
    ]
    optimizers = [
        _copy_with_rate(
            template,
            ScaledSchedule(base_lr, m) if schedule else base_lr * m,
        )
        for m in multipliers
    ]
    optimizer_map = keras.optimizers.OptimizerMap(default_optimizer=optimizers[-1])
    for group, group_optimizer in zip(groups[:-1], optimizers[:-1], strict=True):
        for layer in group:
            for variable in layer.weights:
                optimizer_map[_path_pattern(variable.path, model.name)] = (
                    group_optimizer
                )
    result = DiscriminativeOptimizer(optimizer_map)
    # The same groups by identity, which survive saving (see `build`).
    group_of = {}
    for group, group_optimizer in zip(groups, optimizers, strict=True):
        index = result.optimizers.index(group_optimizer)
        for layer in group:
            for variable in layer.weights:
                group_of.setdefault(id(variable), index)
    head = result.optimizers.index(optimizers[-1])
    weights = model.weights
    trains = trainable_by_nature(model)
    result._bind(
        weights,
        [group_of.get(id(w), head) if id(w) in trains else None for w in weights],
    )
    return result


def _path_pattern(path, model_name):
    """A regex matching `path` with or without the model's name in front.

    A `keras.Sequential` built from a `keras.Input` names its variables under
    the model (`sequential/dense/kernel`); the same model loaded from a
    `.keras` file does not (`dense/kernel`, keras 3.15.1). An exact path would
    then match nothing after loading, and every variable would fall to the
    head's optimizer (whose saved state no longer fits).
    """
    prefix = f"{model_name}/"
    if path.startswith(prefix):
        return f"(?:{re.escape(prefix)})?{re.escape(path[len(prefix) :])}"
    return re.escape(path)


def _copy_with_rate(template, learning_rate):
    """A copy of `template` (a number as its rate) with `learning_rate`, a
    number or a schedule, which Keras' `from_config` takes as it is."""
    config = template.get_config()
    config["learning_rate"] = learning_rate
    config.pop("name", None)
    return type(template).from_config(config)
