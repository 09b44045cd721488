"""`ScaledSchedule`: a learning-rate schedule times a constant.

What each group of a `DiscriminativeOptimizer` made from a schedule holds: its
rate is `multiplier * schedule(step)`, evaluated by the group's own optimizer,
so the schedule stays a schedule (saved, loaded and evaluated by Keras) and is
never frozen into a float.
"""

import keras

from keras_smalldata._config import check_config


@keras.saving.register_keras_serializable(package="keras_smalldata")
class ScaledSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """`multiplier` times `schedule`.

    Args:
        schedule: a `keras.optimizers.schedules.LearningRateSchedule`.
        multiplier: float > 0.
    """

    def __init__(self, schedule, multiplier):
        if not isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
            raise TypeError(
                "`schedule` must be a keras.optimizers.schedules."
                f"LearningRateSchedule. Received: schedule={schedule!r}"
            )
        self.schedule = schedule
        self.multiplier = float(multiplier)

    def __call__(self, step):
        return self.schedule(step) * self.multiplier

    def get_config(self):
        return {
            "schedule": keras.saving.serialize_keras_object(self.schedule),
            "multiplier": self.multiplier,
        }

    @classmethod
    def from_config(cls, config):
        check_config(cls, config, ("schedule", "multiplier"))
        config = dict(config)
        # Within Keras' deserialization, so its custom objects and safe mode
        # apply to the inner schedule too.
        config["schedule"] = keras.saving.deserialize_keras_object(config["schedule"])
        return cls(**config)
