"""`ModelComparison` jobs spread over a Dask cluster through joblib."""

import logging
import os

import joblib
import numpy as np
import pytest
from _compare_builders import mlp_classifier
from _compare_recorders import RecordingClassifier, read
from dask.distributed import Client, LocalCluster
from sklearn.datasets import make_classification

from keras_smalldata.compare import KerasClassifier, ModelComparison


def _estimators(log_dir):
    return {
        "recorder": RecordingClassifier(str(log_dir)),
        "keras": KerasClassifier(
            mlp_classifier, epochs=1, batch_size=512, random_state=0
        ),
    }


@pytest.mark.slow
def test_dask_local_cluster_runs_the_fits(tmp_path):
    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    X = np.column_stack([np.arange(len(X)), X])  # ids for the recorder
    (tmp_path / "dask").mkdir()
    (tmp_path / "local").mkdir()
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        with joblib.parallel_backend("dask"):
            on_dask = ModelComparison(_estimators(tmp_path / "dask"), cv=2).fit(X, y)
        worker_pids = set(client.run(os.getpid).values())
    local = ModelComparison(_estimators(tmp_path / "local"), cv=2).fit(X, y)

    assert len(worker_pids) == 2 and os.getpid() not in worker_pids
    fitted_in = {pid for _, _, pid in read(tmp_path / "dask", "fit_classifier")}
    assert fitted_in <= worker_pids
    # Same folds, seeded Keras model: the cluster computes what this process does.
    np.testing.assert_allclose(
        on_dask.fold_scores_.score, local.fold_scores_.score, atol=1e-6
    )
    assert set(on_dask.results_.index) == {"recorder", "keras"}
