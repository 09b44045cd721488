"""The study's deep arms: the plateau rule, and what the semi arm trains on."""

import numpy as np
import pytest

from keras_smalldata.datasets import load_wine
from keras_smalldata.study import _arms
from keras_smalldata.study._convergence import Plateau
from keras_smalldata.study._deep_arm import DeepArm, _without_rows
from keras_smalldata.study._splits import pool_and_test


class _Model:
    stop_training = False


def _feed(plateau, logs):
    plateau.set_model(_Model())
    for epoch, values in enumerate(logs):
        plateau.on_epoch_end(epoch, values)
        if plateau.model.stop_training:
            return epoch + 1
    return None


def test_plateau_stops_after_patience_chunks_without_improvement():
    losses = [1.0, 0.5, 0.3, 0.295, 0.292, 0.291, 0.2, 0.1]
    plateau = Plateau({"loss": "min"}, min_delta=0.01, patience=3)
    assert _feed(plateau, [{"loss": v} for v in losses]) == 6
    assert plateau.stopped and plateau.chunks == 6
    np.testing.assert_allclose(plateau.curve()["loss"], losses[:6])


def test_plateau_waits_for_min_chunks_and_goes_on_while_any_log_improves():
    flat = [{"loss": 1.0, "mask_rate": 0.1 * i} for i in range(6)]
    plateau = Plateau({"loss": "min", "mask_rate": "max"}, patience=2, min_chunks=3)
    # The loss never improves, the mask rate keeps rising: no stop.
    assert _feed(plateau, flat) is None and not plateau.stopped
    early = Plateau({"loss": "min"}, patience=1, min_chunks=4)
    assert _feed(early, [{"loss": 1.0}] * 6) == 4


def test_without_rows_drops_the_training_samples():
    pool = np.arange(12, dtype="float32").reshape(6, 2)
    kept = _without_rows(pool, pool[[1, 4]])
    np.testing.assert_array_equal(kept, pool[[0, 2, 3, 5]])
    assert _without_rows(None, pool).shape == (0, 2)


def test_semi_arm_learns_from_the_pool_but_never_the_test_samples(monkeypatch):
    x, y = load_wine()
    seen = {}

    def record(self, X, y):
        seen.setdefault("pools", []).append(self.unlabeled_pool)
        seen.setdefault("train", []).append(X)
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.zeros(len(X), int)

    monkeypatch.setattr(DeepArm, "fit", record)
    monkeypatch.setattr(DeepArm, "predict", predict)
    fold = [pool_and_test(y, 8, 0)]
    extra = x[:3] + 1000.0  # the user's own unlabeled samples
    settings = dict(kind="tabular", steps=100, flips=False, unlabeled=extra)
    (curve,) = _arms.run_group(["semi"], x, y, fold, [4, 8], 0, settings)
    pool, test = fold[0]
    test_rows = {row.tobytes() for row in x[test].astype("float32")}
    for candidates in seen["pools"]:
        rows = {row.tobytes() for row in np.asarray(candidates, "float32")}
        assert not rows & test_rows
        assert len(candidates) == len(pool) + len(extra)
    # Unlabeled samples beside the training subset: the rest of the pool and
    # the user's.
    assert curve["n_unlabeled"].tolist() == [len(pool) + 3 - 12, len(pool) + 3 - 24]


def test_semi_arm_trains_on_tabular_data():
    x, y = load_wine()
    pool, test = pool_and_test(y, 10, 0)
    train = pool[:15]
    model = DeepArm(
        techniques=("semi",), kind="tabular", steps=200, unlabeled_pool=x[pool]
    ).fit(x[train], y[train])
    assert model.n_unlabeled_ == len(pool) - len(train)
    assert model.steps_ == 200 and set(model.curve_) == {"supervised_loss", "mask_rate"}
    assert model.predict(x[test]).shape == (len(test),)


@pytest.mark.parametrize("stop", [True, False])
def test_scratch_arm_records_its_curve(stop):
    x, y = load_wine()
    model = DeepArm(kind="tabular", steps=300, stop_at_plateau=stop).fit(x[::6], y[::6])
    assert model.steps_ <= 300 and len(model.curve_["loss"]) == model.steps_ // 100
    if not stop:
        assert model.steps_ == 300 and not model.converged_
