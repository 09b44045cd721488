"""The `SemiSupervised` model: FixMatch-style consistency training."""

import keras
import numpy as np
from keras import ops

from keras_smalldata._config import check_config
from keras_smalldata._own_loss import OwnLossModel, scale_for_replicas
from keras_smalldata._validation import (
    check_bool,
    check_choice,
    check_fraction,
    check_int,
    check_non_negative,
    check_value_range,
)
from keras_smalldata.models import _semi_supervised_checks as checks
from keras_smalldata.models import _semi_supervised_policies as policies
from keras_smalldata.models._semi_supervised_checks import LABELED, UNLABELED

# Momentum of the running class distributions of distribution alignment.
_ALIGNMENT_MOMENTUM = 0.99
# The logs of training only; `evaluate` reports the classifier's own.
_TRAINING_LOGS = ("supervised_loss", "unlabeled_loss", "mask_rate")


@keras.saving.register_keras_serializable(package="keras_smalldata")
class SemiSupervised(OwnLossModel, keras.Model):
    """Trains a classifier on labelled and unlabeled data: FixMatch.

    Each training step takes a batch of labelled samples and one of unlabeled
    samples (`keras_smalldata.data.semi_supervised_dataset` makes them). The
    classifier learns the labelled batch, weakly augmented, as usual; on every
    unlabeled sample its prediction for a weakly augmented view becomes a
    pseudo-label when the predicted probability reaches `threshold`, and the
    classifier learns that pseudo-label on a strongly augmented view of the
    same sample (Sohn et al. 2020, "FixMatch"). The loss is the labelled
    cross-entropy plus `unlabeled_loss_weight` times the unlabeled one,
    averaged over all unlabeled samples (those below the threshold count as
    zero); no gradient flows through the pseudo-labels.

    The classifier runs twice per step: in inference mode (no dropout) on the
    weak views, for the pseudo-labels, without gradient, then in training mode
    on the labelled views and the strong views of the confident samples (under
    TensorFlow; other backends, which compile for fixed shapes, take all
    strong views and mask the loss). A classifier with batch normalization
    runs once, in training mode, on all views together, as in FixMatch, so
    that the normalization statistics see them all.

    The logs hold `loss`, `supervised_loss`, `unlabeled_loss`, `mask_rate`
    (the fraction of unlabeled samples above the threshold), the compiled
    metrics on the labelled batches and, when the dataset carries the labels
    of the unlabeled samples (`y_unlabeled`, never trained on),
    `pseudo_label_accuracy`: the accuracy of the pseudo-labels above the
    threshold.

    `evaluate`, `predict` and calling the model on plain inputs run the
    classifier alone, on ordinary `(x, y)` data; `model.classifier` is the
    trained classifier, to save or export on its own
    (`keras_smalldata.export.export_for_serving(model.classifier, ...)`).
    Compile without a loss: `model.compile(optimizer="adam",
    metrics=["accuracy"])`. For an exponential moving average of the weights,
    compile with an optimizer built with `use_ema=True`: Keras swaps the
    averaged weights in at the end of `fit`.

    Default augmentation policies, per `data_kind`:

    - `"images"`: weak, a shift of up to 1/8 of each side (and a horizontal
      flip with `flips=True`); strong, the same then `TrivialAugment` and a
      gray cutout of up to half of each side (`keras.layers.RandomErasing`).
    - `"tabular"`: weak, `FeatureNoise(0.05)`; strong, `FeatureNoise(0.3)`:
      Gaussian noise in units of each feature's standard deviation, which
      `model.adapt(x)` learns before `fit`.
    - `"series"`: weak, `Jitter(0.03)` and `RandomScaling(0.1)`; strong,
      `Jitter(0.1)`, `RandomScaling(0.2)`, `MagnitudeWarp` and `TimeWarp`.

    Args:
        classifier: `keras.Model` with known inputs and outputs (functional or
            `Sequential` with an `Input`) mapping a batch to class
            probabilities (softmax) or logits (`from_logits=True`) of shape
            `(batch, num_classes)`, `num_classes >= 2`.
        data_kind: `"images"`, `"tabular"`, `"series"` or `None`: which
            default policies to use. Defaults to `None`: inferred from the
            classifier's input rank (4 images, 2 tabular, 3 series).
        weak_augmentation: `keras.layers.Layer` (e.g. a `keras.Sequential`)
            that keeps the input shape, or `None` for the default weak policy.
            Defaults to `None`.
        strong_augmentation: the same, for the strong policy. Defaults to
            `None`.
        threshold: float in (0, 1]. Confidence a pseudo-label needs. Defaults
            to `0.95`.
        unlabeled_loss_weight: float >= 0. Weight of the unlabeled loss
            (FixMatch's lambda_u). Defaults to `1.0`.
        from_logits: bool. Whether the classifier outputs logits. Defaults to
            `False`: probabilities.
        distribution_alignment: bool. Whether to scale the weak predictions by
            the ratio of the running class distribution of the labelled
            batches to that of the predictions, then renormalize, before
            thresholding (Berthelot et al. 2020, "ReMixMatch"). Defaults to
            `False`.
        value_range: tuple of two numbers. The range of image values, for the
            default image policies. Defaults to `(0, 255)`.
        flips: bool. Whether the default image policies flip horizontally.
            Defaults to `False` (a mirrored digit is no digit).
        seed: int or `None`. Seed of the default policies. Defaults to `None`.
        **kwargs: Base model arguments, such as `name`.

    Example:

    >>> x, y = keras_smalldata.datasets.load_digits()
    >>> classifier = keras.Sequential([
    ...     keras.Input((8, 8, 1)),
    ...     keras.layers.Flatten(),
    ...     keras.layers.Dense(10, activation="softmax"),
    ... ])
    >>> model = keras_smalldata.models.SemiSupervised(
    ...     classifier, value_range=(0, 1), seed=0
    ... )
    >>> model.compile(optimizer="adam", metrics=["accuracy"])
    >>> data = keras_smalldata.data.semi_supervised_dataset(
    ...     x[:50], y[:50], x[50:1000], batch_size=16, ratio=3, seed=0
    ... )
    >>> history = model.fit(data, epochs=2, verbose=0)
    >>> sorted(history.history)
    ['accuracy', 'loss', 'mask_rate', 'supervised_loss', 'unlabeled_loss']
    >>> model.predict(x[1000:1004], verbose=0).shape
    (4, 10)
    """

    _refused_compile_arguments = ("loss", "loss_weights")
    _own_loss = "its own cross-entropy losses"

    def __init__(
        self,
        classifier,
        data_kind=None,
        weak_augmentation=None,
        strong_augmentation=None,
        threshold=0.95,
        unlabeled_loss_weight=1.0,
        from_logits=False,
        distribution_alignment=False,
        value_range=(0, 255),
        flips=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        # Under TensorFlow the step has data-dependent shapes (the confident
        # samples; `TrivialAugment` and `RandomApply` split batches per
        # operation), which XLA cannot compile: Keras then leaves
        # `jit_compile` off, also where "auto" would turn it on (a GPU). JAX
        # steps are compiled for fixed shapes.
        self.supports_jit = keras.backend.backend() != "tensorflow"
        input_shape, num_classes = checks.check_classifier(classifier)
        if data_kind is None:
            data_kind = policies.kind_of_rank(len(input_shape))
            if data_kind is None:
                raise ValueError(
                    "Cannot infer `data_kind` from the classifier's input shape "
                    f"{input_shape}; pass data_kind='images', 'tabular' or "
                    f"'series'. Received: data_kind=None"
                )
        self.data_kind = check_choice(data_kind, "data_kind", policies.DATA_KINDS)
        self.threshold = check_fraction(threshold, "threshold", low_inclusive=False)
        self.unlabeled_loss_weight = check_non_negative(
            unlabeled_loss_weight, "unlabeled_loss_weight"
        )
        self.from_logits = check_bool(from_logits, "from_logits")
        self.distribution_alignment = check_bool(
            distribution_alignment, "distribution_alignment"
        )
        self.flips = check_bool(flips, "flips")
        self.value_range = check_value_range(value_range)
        self.seed = check_int(seed, "seed", low=0, none_ok=True)
        self.classifier = classifier
        self.num_classes = num_classes
        # Batch normalization (moving statistics) needs FixMatch's single pass.
        self._one_pass = any(
            "moving_mean" in v.path for v in classifier.non_trainable_variables
        )
        weak, strong = policies.default_policies(
            self.data_kind, self.value_range, flips, seed
        )
        self.weak_augmentation = checks.check_policy(
            weak if weak_augmentation is None else weak_augmentation,
            "weak_augmentation",
            input_shape,
        )
        self.strong_augmentation = checks.check_policy(
            strong if strong_augmentation is None else strong_augmentation,
            "strong_augmentation",
            input_shape,
        )
        if distribution_alignment:
            uniform = keras.initializers.Constant(1.0 / num_classes)
            self.label_distribution = self.add_weight(
                shape=(num_classes,),
                initializer=uniform,
                trainable=False,
                name="label_distribution",
            )
            self.prediction_distribution = self.add_weight(
                shape=(num_classes,),
                initializer=uniform,
                trainable=False,
                name="prediction_distribution",
            )
        self.supervised_loss_tracker = keras.metrics.Mean(name="supervised_loss")
        self.unlabeled_loss_tracker = keras.metrics.Mean(name="unlabeled_loss")
        self.mask_rate_tracker = keras.metrics.Mean(name="mask_rate")
        self.pseudo_label_accuracy_tracker = keras.metrics.Mean(
            name="pseudo_label_accuracy"
        )
        self.built = True

    # ------------------------------------------------------------- training

    def call(self, inputs, training=None):
        if not isinstance(inputs, dict):
            return self.classifier(inputs, training=training)
        if not training or "labels" not in inputs:
            # Outside a training step (Keras' symbolic build, `evaluate` on
            # the training dataset): the classifier on the labelled batch.
            return self.classifier(inputs[LABELED], training=training)
        return self._consistency(inputs)

    def _consistency(self, inputs):
        x_labeled, x_unlabeled = inputs[LABELED], inputs[UNLABELED]
        labels = inputs["labels"]
        size = ops.shape(x_labeled)[0]
        weak_labeled = self.weak_augmentation(x_labeled, training=True)
        weak = self.weak_augmentation(x_unlabeled, training=True)
        if self._one_pass:
            # FixMatch's single pass over all views, so that batch
            # normalization's statistics see them all.
            strong = self.strong_augmentation(x_unlabeled, training=True)
            outputs = self.classifier(
                ops.concatenate([weak_labeled, weak, strong], axis=0), training=True
            )
            weak_outputs = outputs[size : size + ops.shape(weak)[0]]
            outputs = ops.concatenate(
                [outputs[:size], outputs[size + ops.shape(weak)[0] :]], axis=0
            )
        else:
            # The weak views in inference mode (no dropout noise), outside the
            # gradient, so that the backward pass covers only the second call.
            weak_outputs = self.classifier(weak, training=False)
        probabilities = ops.stop_gradient(self._probabilities(weak_outputs))
        if self.distribution_alignment:
            probabilities = self._align(probabilities, labels)
        pseudo_labels = ops.argmax(probabilities, axis=-1)
        confident = ops.max(probabilities, axis=-1) >= self.threshold
        mask = ops.cast(confident, "float32")
        targets = pseudo_labels
        if not self._one_pass:
            strong_inputs, targets = _confident_only(
                x_unlabeled, pseudo_labels, confident
            )
            strong = self.strong_augmentation(strong_inputs, training=True)
            outputs = self.classifier(
                ops.concatenate([weak_labeled, strong], axis=0), training=True
            )
        predictions, strong_predictions = outputs[:size], outputs[size:]
        unlabeled_losses = self._cross_entropy(targets, strong_predictions)
        if targets is pseudo_labels:  # Every sample went through: mask them.
            unlabeled_losses = unlabeled_losses * mask
        results = {
            "predictions": predictions,
            "supervised_loss": ops.mean(self._cross_entropy(labels, predictions)),
            # Averaged over all unlabeled samples, as in FixMatch.
            "unlabeled_loss": ops.sum(unlabeled_losses)
            / ops.cast(ops.shape(x_unlabeled)[0], "float32"),
            "mask": mask,
        }
        if "unlabeled_labels" in inputs:
            truth = checks.class_indices(inputs["unlabeled_labels"])
            results["pseudo_label_correct"] = ops.cast(
                ops.equal(ops.cast(pseudo_labels, "int32"), truth), "float32"
            )
        return results

    def _probabilities(self, outputs):
        outputs = ops.cast(outputs, "float32")
        return ops.softmax(outputs, axis=-1) if self.from_logits else outputs

    def _cross_entropy(self, labels, outputs):
        """Per-sample cross-entropy of integer or one-hot `labels`."""
        outputs = ops.cast(outputs, "float32")
        if self.from_logits:
            log_probabilities = ops.log_softmax(outputs, axis=-1)
        else:
            epsilon = keras.config.epsilon()
            log_probabilities = ops.log(ops.clip(outputs, epsilon, 1.0))
        if len(labels.shape) == 2 and labels.shape[-1] == self.num_classes > 1:
            targets = ops.cast(labels, "float32")
        else:
            targets = ops.one_hot(checks.class_indices(labels), self.num_classes)
        return -ops.sum(targets * log_probabilities, axis=-1)

    def _align(self, probabilities, labels):
        """Distribution alignment: p * p(y) / running mean of p, renormalized."""
        if len(labels.shape) == 2 and labels.shape[-1] == self.num_classes > 1:
            one_hot = ops.cast(labels, "float32")
        else:
            one_hot = ops.one_hot(checks.class_indices(labels), self.num_classes)
        momentum = _ALIGNMENT_MOMENTUM
        for variable, batch in (
            (self.label_distribution, ops.mean(one_hot, axis=0)),
            (self.prediction_distribution, ops.mean(probabilities, axis=0)),
        ):
            variable.assign(momentum * variable + (1.0 - momentum) * batch)
        ratio = self.label_distribution / ops.maximum(
            self.prediction_distribution, keras.config.epsilon()
        )
        aligned = probabilities * ratio
        return aligned / ops.sum(aligned, axis=-1, keepdims=True)

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        if isinstance(y_pred, dict):
            supervised = y_pred["supervised_loss"]
            unlabeled = y_pred["unlabeled_loss"]
            self.supervised_loss_tracker.update_state(supervised)
            self.unlabeled_loss_tracker.update_state(unlabeled)
            self.mask_rate_tracker.update_state(ops.mean(y_pred["mask"]))
            if "pseudo_label_correct" in y_pred:
                self.pseudo_label_accuracy_tracker.update_state(
                    y_pred["pseudo_label_correct"], sample_weight=y_pred["mask"]
                )
            total = supervised + self.unlabeled_loss_weight * unlabeled
        else:
            per_sample = self._cross_entropy(checks.labeled_targets(y), y_pred)
            if sample_weight is not None:
                weight = ops.reshape(ops.cast(sample_weight, "float32"), (-1,))
                per_sample = per_sample * weight
            total = ops.mean(per_sample)
        for loss in self.losses:  # Weight regularizers and activity losses.
            total = total + ops.cast(ops.sum(loss), "float32")
        return scale_for_replicas(total)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        if isinstance(y_pred, dict):
            results = super().compute_metrics(
                x, x["labels"], y_pred["predictions"], None
            )
            if "pseudo_label_correct" not in y_pred:
                results.pop("pseudo_label_accuracy", None)
            return results
        results = super().compute_metrics(
            x, checks.labeled_targets(y), y_pred, sample_weight
        )
        for name in (*_TRAINING_LOGS, "pseudo_label_accuracy"):
            results.pop(name, None)
        return results

    # TensorFlow and torch call `train_step(data)`; JAX `train_step(state,
    # data)`. The override moves the targets into the inputs, so that `call`
    # computes the per-sample losses, and hands over to the backend's own
    # step (gradients, optimizer, `steps_per_execution`, XLA).
    def train_step(self, *args):
        *state, data = args
        return super().train_step(*state, checks.targets_to_inputs(data))

    def adapt(self, data):
        """Adapts the augmentation layers that learn statistics to `data`.

        `FeatureNoise` (the default tabular policies) learns each feature's
        standard deviation, `FeatureDropout(fill="mean")` each feature's mean:
        call `adapt` with the training inputs, labelled and unlabeled
        together, before `fit`. Other layers are left as they are.

        Args:
            data: array `(n, ...)` of inputs, shaped like the classifier's.
        """
        seen = set()
        for policy in (self.weak_augmentation, self.strong_augmentation):
            for layer in policies.sublayers(policy):
                if hasattr(layer, "adapt") and id(layer) not in seen:
                    seen.add(id(layer))
                    layer.adapt(data)

    def fit(self, x=None, y=None, *args, **kwargs):
        spec = getattr(x, "element_spec", None)  # A `tf.data.Dataset`.
        if isinstance(spec, tuple) and spec:
            checks.check_batch_structure(spec[0])
        elif isinstance(x, (np.ndarray, list)) or ops.is_tensor(x):
            checks.check_batch_structure(x)
        for name in ("weak_augmentation", "strong_augmentation"):
            for layer in policies.unadapted(getattr(self, name)):
                raise ValueError(
                    f"{type(layer).__name__} {layer.name!r} in `{name}` "
                    "learns feature statistics: call `model.adapt(x)` with the "
                    "labelled and unlabeled inputs before `fit`. Received: "
                    f"{type(layer).__name__} not adapted"
                )
        self._build_before_tracing(x)
        return super().fit(x, y, *args, **kwargs)

    def _build_before_tracing(self, data):
        """Creates the optimizer's and compiled metrics' variables eagerly.

        Keras' TensorFlow trainer creates them while tracing the first step,
        and TensorFlow then traces that step a second time (`tf.function`
        creates variables on its first trace only): half of the first step's
        time, seconds per `fit` on a small CPU. Built here from the dataset's
        element spec, the step is traced once.
        """
        if self.optimizer is not None and not self.optimizer.built:
            self.optimizer.build(self.trainable_variables)
        spec = getattr(data, "element_spec", None)
        if not isinstance(spec, tuple) or len(spec) < 2 or spec[1] is None:
            return
        labels = checks.labeled_targets(spec[1])
        if getattr(labels, "shape", None) is None or None in labels.shape[1:]:
            return
        dummy_labels = ops.zeros((1, *labels.shape[1:]), labels.dtype.name)
        dummy_predictions = ops.zeros((1, self.num_classes))
        keras.Model.compute_metrics(self, None, dummy_labels, dummy_predictions)
        self.reset_metrics()

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "classifier": keras.saving.serialize_keras_object(self.classifier),
                "data_kind": self.data_kind,
                "weak_augmentation": keras.saving.serialize_keras_object(
                    self.weak_augmentation
                ),
                "strong_augmentation": keras.saving.serialize_keras_object(
                    self.strong_augmentation
                ),
                "threshold": self.threshold,
                "unlabeled_loss_weight": self.unlabeled_loss_weight,
                "from_logits": self.from_logits,
                "distribution_alignment": self.distribution_alignment,
                "value_range": self.value_range,
                "flips": self.flips,
                "seed": self.seed,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        check_config(cls, config)
        config = dict(config)
        for name in ("classifier", "weak_augmentation", "strong_augmentation"):
            config[name] = keras.saving.deserialize_keras_object(config[name])
        return cls(**config)


def _confident_only(x_unlabeled, pseudo_labels, confident):
    """The unlabeled samples to learn, with their pseudo-labels.

    Under TensorFlow, only the confident ones: a sample below the threshold
    adds nothing to the loss, and skipping its strong view and its pass
    through the classifier (forward and backward) saves up to half of a step
    early in training, when few samples are confident. The gradient is the
    same (the classifier has no batch normalization here). JAX compiles for
    fixed shapes, so other backends keep every sample and mask the loss.
    """
    if keras.backend.backend() != "tensorflow":
        return x_unlabeled, pseudo_labels
    import tensorflow as tf

    return (
        tf.boolean_mask(x_unlabeled, confident),
        tf.boolean_mask(pseudo_labels, confident),
    )
