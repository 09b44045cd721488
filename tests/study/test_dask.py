"""A study's jobs on a Dask cluster give the numbers of a local run."""

import logging

import joblib
import pandas as pd
import pytest

import keras_smalldata.cli
import keras_smalldata.study
from keras_smalldata.cli import main
from keras_smalldata.datasets import load_wine
from keras_smalldata.study import run_study

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as cluster:
        yield cluster


@pytest.mark.slow
def test_jobs_on_a_local_cluster_give_the_local_numbers(cluster):
    x, y = load_wine()
    options = dict(per_class=[5], arms=["knn", "scratch"], repeats=2, epochs=1)
    local = run_study(x, y, progress=False, **options).scores
    calls = []
    with (
        distributed.Client(cluster) as client,
        joblib.parallel_config(backend="dask"),
        distributed.get_task_stream(client) as tasks,
    ):
        on_dask = run_study(
            x, y, n_jobs=-1, progress=lambda *call: calls.append(call), **options
        ).scores
        workers = set(client.nthreads())
    # The jobs ran as tasks on the cluster's workers, ending in any order.
    assert tasks.data and {task["worker"] for task in tasks.data} <= workers
    assert any("finished repeat" in text for _, _, text in calls)
    columns = ["arm", "size", "repeat", "value", "n_train", "n_test"]
    pd.testing.assert_frame_equal(on_dask[columns], local[columns])


def test_cli_runs_the_study_inside_the_dask_backend(
    cluster, tmp_path, monkeypatch, capsys
):
    from _study_fakes import make_result

    seen = {}

    def fake_run_study(x, y, config=None, progress=True, **options):
        backend, _ = joblib.parallel.get_active_backend()
        seen["backend"] = type(backend).__name__
        seen["n_jobs"] = joblib.effective_n_jobs(config.n_jobs)
        return make_result(kind="tabular")

    monkeypatch.setattr(keras_smalldata.study, "run_study", fake_run_study)
    argv = ["study", "--data", "wine", "--out", str(tmp_path / "out")]
    assert main([*argv, "--dask-scheduler", cluster.scheduler_address]) == 0
    assert seen == {"backend": "DaskDistributedBackend", "n_jobs": 2}
    err = capsys.readouterr().err
    assert f"Jobs run on the Dask cluster at {cluster.scheduler_address}" in err
    assert "2 worker(s), 2 thread(s)" in err
    # Outside the command, joblib's backend is the default again.
    backend, _ = joblib.parallel.get_active_backend()
    assert type(backend).__name__ != "DaskDistributedBackend"


def test_cli_fails_before_training_without_a_scheduler(monkeypatch, capsys):
    def no_training(*args, **kwargs):
        raise AssertionError("run_study must not be called")

    monkeypatch.setattr(keras_smalldata.study, "run_study", no_training)
    monkeypatch.setattr(keras_smalldata.cli, "_DASK_TIMEOUT", "1s")
    status = main(["study", "--data", "wine", "--dask-scheduler", "tcp://127.0.0.1:9"])
    assert status == 2
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert "Received: --dask-scheduler tcp://127.0.0.1:9" in err
