"""The `TestTimeAugmentation` model."""

import keras
import numpy as np
from keras import ops

from keras_smalldata._config import check_config
from keras_smalldata._validation import check_choice, check_int, check_positive_int

_AGGREGATES = ("mean", "geometric_mean", "max")


@keras.saving.register_keras_serializable(package="keras_smalldata")
class TestTimeAugmentation(keras.Model):
    """Averages a model's predictions over augmented views of each input.

    `predict` (and calling the model) runs the wrapped `model` in inference mode
    on `num_views` views of the batch: view 0 is the input itself, views
    `1, ..., num_views - 1` are `augmentation(inputs, training=True)`, and
    aggregates the outputs. The result is deterministic: before each view the
    augmentation's seed generators are set to values derived from `seed` and
    the view index, and restored afterwards, so the same batch gives the same
    output on every call, after `.keras` save/load and in a serving export
    (`keras_smalldata.export.export_for_serving`), and the augmentation's own
    random sequence is left untouched.

    The draws are per batch, as in training: a sample's views depend on its
    position in the batch and on the batch's shape, so `predict` with another
    `batch_size` can give slightly different results. The augmentation must
    draw its randomness from seed generators it owns (as every Keras and
    keras_smalldata layer does), not from unseeded `keras.random` calls.

    The model is for inference: it calls `model` with `training=False`
    whatever `training` it is called with. Its outputs are float32.

    Args:
        model: `keras.Model` (or layer) to wrap.
        augmentation: `keras.layers.Layer`, e.g. a `keras.Sequential` of
            augmentation layers, that keeps the input shape.
        num_views: int >= 1. Number of views, the un-augmented input included.
            Defaults to `8`.
        aggregate: `"mean"`, `"geometric_mean"` or `"max"`. How to combine the
            views' outputs: their mean; for probabilities, the geometric mean
            `exp(mean(log(p + eps)))` renormalized to sum to 1 over the last
            axis; or the elementwise maximum. Defaults to `"mean"`.
        seed: int >= 0. Seed of the augmented views. Defaults to `0`.
        **kwargs: `name` and other `keras.Model` arguments.

    Example:

    >>> model = keras.Sequential([
    ...     keras.Input((8, 8, 1)),
    ...     keras.layers.Flatten(),
    ...     keras.layers.Dense(3, activation="softmax"),
    ... ])
    >>> augmentation = keras.Sequential([
    ...     keras.layers.RandomFlip("horizontal", seed=1),
    ...     keras_smalldata.layers.RandomGaussianNoise(0.05, value_range=(0, 1)),
    ... ])
    >>> tta = keras_smalldata.models.TestTimeAugmentation(
    ...     model, augmentation, num_views=4
    ... )
    >>> x = np.random.rand(5, 8, 8, 1).astype("float32")
    >>> p = tta.predict(x, verbose=0)
    >>> p.shape, bool(np.allclose(p.sum(axis=-1), 1.0, atol=1e-5))
    ((5, 3), True)
    >>> bool(np.array_equal(p, tta.predict(x, verbose=0)))
    True
    """

    # Keeps pytest from collecting this class in test modules that import it.
    __test__ = False

    def __init__(
        self, model, augmentation, num_views=8, aggregate="mean", seed=0, **kwargs
    ):
        super().__init__(**kwargs)
        if not isinstance(model, keras.layers.Layer):
            raise ValueError(
                f"`model` must be a `keras.Model`. Received: model={model!r}"
            )
        if not isinstance(augmentation, keras.layers.Layer):
            raise ValueError(
                "`augmentation` must be a `keras.layers.Layer` (use "
                "`keras.Sequential([...])` for several). "
                f"Received: augmentation={augmentation!r}"
            )
        self.model = model
        self.augmentation = augmentation
        self.num_views = check_positive_int(num_views, "num_views")
        self.aggregate = check_choice(aggregate, "aggregate", set(_AGGREGATES))
        self.seed = check_int(
            seed, "seed", low=0, hint="the seed of the augmented views"
        )

    def build(self, input_shape):
        for layer in (self.augmentation, self.model):
            if not layer.built:
                layer.build(input_shape)

    def call(self, inputs):
        total = keras.tree.map_structure(
            self._prepare, self.model(inputs, training=False)
        )
        if self.num_views > 1:
            states = _seed_states(self.augmentation)
            saved = [state.value * 1 for state in states]  # `* 1` copies.
            for view in range(1, self.num_views):
                for index, state in enumerate(states):
                    state.assign(_view_seed(state, self.seed, view, index))
                views = self.augmentation(inputs, training=True)
                outputs = keras.tree.map_structure(
                    self._prepare, self.model(views, training=False)
                )
                total = keras.tree.map_structure(self._combine, total, outputs)
            for state, value in zip(states, saved, strict=True):
                state.assign(value)
        return keras.tree.map_structure(self._finish, total)

    def _prepare(self, outputs):
        outputs = ops.cast(outputs, "float32")
        if self.aggregate == "geometric_mean":
            return ops.log(outputs + keras.config.epsilon())
        return outputs

    def _combine(self, total, outputs):
        if self.aggregate == "max":
            return ops.maximum(total, outputs)
        return total + outputs

    def _finish(self, total):
        if self.aggregate == "max":
            return total
        mean = total / self.num_views
        if self.aggregate == "mean":
            return mean
        # Subtracting the max keeps exp() in range; the renormalization undoes it.
        mean = mean - ops.max(mean, axis=-1, keepdims=True)
        probabilities = ops.exp(mean)
        return probabilities / ops.sum(probabilities, axis=-1, keepdims=True)

    def compute_output_spec(self, inputs):
        spec = self.model.compute_output_spec(inputs)
        return keras.tree.map_structure(
            lambda s: keras.KerasTensor(s.shape, dtype="float32"), spec
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "model": keras.saving.serialize_keras_object(self.model),
                "augmentation": keras.saving.serialize_keras_object(self.augmentation),
                "num_views": self.num_views,
                "aggregate": self.aggregate,
                "seed": self.seed,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        check_config(cls, config)
        config = dict(config)
        for key in ("model", "augmentation"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


def _seed_states(layer):
    """The state variables of every `SeedGenerator` in `layer`, once each.

    `layer.variables` holds the weights and the seed generator states;
    `layer.weights` only the weights.
    """
    weights = {id(w) for w in layer.weights}
    states, seen = [], set()
    for variable in layer.variables:
        if id(variable) not in weights and id(variable) not in seen:
            seen.add(id(variable))
            states.append(variable)
    return states


def _view_seed(state, seed, view, index):
    """Seed generator state for one view: distinct per (seed, view, generator).

    A generator's draws advance the second element of its state, so the views
    and generators are told apart by the first one.
    """
    first = int(np.random.SeedSequence([seed, view, index]).generate_state(1)[0])
    return ops.convert_to_tensor([first % (2**31 - 1), 0], dtype=state.dtype)
