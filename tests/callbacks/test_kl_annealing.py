"""The `KLAnnealing` callback: schedules, logs, no retracing, config, errors."""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from keras_smalldata.callbacks import KLAnnealing  # noqa: E402
from keras_smalldata.datasets import load_digits  # noqa: E402
from keras_smalldata.models import VAE  # noqa: E402


class TracingVAE(VAE):
    """Counts how often the training step is traced (Python runs only then)."""

    traces = 0

    def train_step(self, *args):
        TracingVAE.traces += 1
        return super().train_step(*args)


def _vae(cls=VAE, beta=1.0):
    return cls.for_images(
        (8, 8, 1),
        latent_dim=2,
        num_classes=10,
        filters=(4,),
        hidden_units=8,
        beta=beta,
        seed=0,
    )


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits()
    return x[:64], y[:64]


def test_linear_schedule():
    annealing = KLAnnealing(warmup_epochs=4)
    values = [annealing.beta_at(t) for t in (0, 1, 2, 3.5, 4, 10)]
    np.testing.assert_allclose(values, [0, 0.25, 0.5, 0.875, 1, 1])
    assert annealing.beta_at(2, max_beta=4.0) == 2.0


def test_cyclical_schedule():
    # 8 epochs in 2 cycles of 4: ramp over 2 epochs, hold for 2, repeat.
    annealing = KLAnnealing(warmup_epochs=8, schedule="cyclical", cycles=2)
    values = [annealing.beta_at(t) for t in (0, 1, 2, 3, 4, 5, 6, 7.5, 8, 9)]
    np.testing.assert_allclose(values, [0, 0.5, 1, 1, 0, 0.5, 1, 1, 1, 1])


def test_zero_warmup_is_constant():
    annealing = KLAnnealing(warmup_epochs=0)
    assert [annealing.beta_at(t) for t in (0, 0.5, 3)] == [1.0, 1.0, 1.0]


def test_beta_ramps_per_batch_and_shows_in_logs(digits):
    x, y = digits
    vae = _vae(beta=2.0)
    vae.compile(optimizer="adam")
    seen = []
    spy = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(float(logs["beta"]))
    )
    history = vae.fit(
        x,
        y,
        epochs=3,
        batch_size=16,  # 4 steps per epoch.
        callbacks=[KLAnnealing(warmup_epochs=2), spy],
        verbose=0,
    )
    # Batch b of epoch e trains with beta = 2 * (e + b / 4) / 2, up to 2.
    expected = [min(2.0, e + b / 4) for e in range(3) for b in range(4)]
    np.testing.assert_allclose(seen, expected, atol=1e-6)
    np.testing.assert_allclose(history.history["beta"], [0.75, 1.75, 2.0])
    assert float(vae.beta_variable) == 2.0


def test_max_beta_overrides_the_models_beta(digits):
    x, y = digits
    vae = _vae()
    vae.compile(optimizer="adam", run_eagerly=True)
    history = vae.fit(
        x,
        y,
        epochs=2,
        batch_size=64,
        validation_data=(x[:8], y[:8]),
        callbacks=[KLAnnealing(warmup_epochs=1, max_beta=0.1)],
        verbose=0,
    )
    np.testing.assert_allclose(history.history["beta"], [0.0, 0.1], atol=1e-7)
    assert "val_beta" not in history.history  # Beta weights training only.
    # The KL term is weighted by the annealed beta: at beta=0, loss is the
    # reconstruction loss alone.
    assert history.history["loss"][0] == pytest.approx(
        history.history["reconstruction_loss"][0]
    )


def test_changing_beta_does_not_retrace(digits):
    x, y = digits
    counts = []
    for callbacks in ([], [KLAnnealing(warmup_epochs=2, schedule="cyclical")]):
        TracingVAE.traces = 0
        vae = _vae(TracingVAE)
        vae.compile(optimizer="adam")
        vae.fit(x[:32], y[:32], epochs=2, batch_size=16, callbacks=callbacks, verbose=0)
        counts.append(TracingVAE.traces)
    assert counts[1] == counts[0] <= 2


def test_config_round_trip():
    annealing = KLAnnealing(warmup_epochs=6, schedule="cyclical", cycles=3, max_beta=2)
    restored = KLAnnealing.from_config(annealing.get_config())
    assert json.dumps(restored.get_config(), sort_keys=True) == json.dumps(
        annealing.get_config(), sort_keys=True
    )
    assert restored.beta_at(1) == annealing.beta_at(1) == 2.0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"warmup_epochs": -1}, "Received: warmup_epochs=-1"),
        ({"schedule": "cosine"}, "Received: schedule='cosine'"),
        ({"cycles": 0}, "Received: cycles=0"),
        ({"max_beta": -0.5}, "Received: max_beta=-0.5"),
    ],
)
def test_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        KLAnnealing(**kwargs)


def test_model_without_beta_is_refused():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    with pytest.raises(ValueError, match="expects a model with a `beta_variable`"):
        model.fit(
            np.zeros((4, 2)), np.zeros((4, 1)), callbacks=[KLAnnealing()], verbose=0
        )
