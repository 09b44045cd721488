"""A study's jobs, run here, in joblib's worker processes, or on a Dask cluster.

A job is one repeat of one group of arms (`_arms.job_groups`). Jobs share
nothing but their arguments, so joblib may run them anywhere: in this process
(one job at a time), in local worker processes (loky, each with its share of
the cores for TensorFlow), or on whatever backend a `joblib.parallel_config`
names, such as `"dask"` for the workers of a `dask.distributed.Client`. Every
model is seeded by the job's own seed, so the numbers do not depend on where
a job ran. What a job needs from a file (the pretrained encoder of the
transfer arms) travels as bytes, for workers on other machines.
"""

import dataclasses
import os
import shutil
import tempfile

import joblib

from keras_smalldata.study import _artefacts
from keras_smalldata.study._arms import run_group


@dataclasses.dataclass(frozen=True)
class Job:
    """One repeat of a group of arms on that repeat's `(pool, test)` fold.

    `samples`: whether to draw the synthetic arms' VAE samples afterwards.
    """

    repeat: int
    group: tuple
    fold: tuple
    samples: bool = False


def plan(config, shape, folds):
    """The study's jobs: group by group, the slowest first (so that the
    workers end together), each group's repeats in order.

    The first repeat's synthetic job also draws the VAE samples (images with
    1 or 3 channels only).
    """
    from keras_smalldata.study._arms import job_groups

    draw = _artefacts.draws_images(config, shape)
    return [
        Job(
            repeat,
            tuple(group),
            (folds[repeat],),
            samples=draw and repeat == 0 and _synthetic(group),
        )
        for group in job_groups(list(config.arms))
        for repeat in range(config.repeats)
    ]


def run_jobs(jobs, x, y, config, settings, report, total):
    """Runs `jobs`, reporting each; returns `({(repeat, arm): rows}, samples)`.

    `samples` is the first job's VAE samples `(samples, real)`, or `None`.
    """
    frames, samples = {}, None
    workers = min(joblib.effective_n_jobs(config.n_jobs), len(jobs))
    arguments = (x, y, config.per_class, config.seed, settings)
    if workers == 1:
        for done, job in enumerate(jobs, start=1):
            names = ", ".join(job.group)
            report(done, total, f"repeat {job.repeat + 1}/{config.repeats}: {names}")
            job_frames, job_samples = run_job(job, *arguments, threads=None)
            frames.update(job_frames)
            samples = samples if job_samples is None else job_samples
        return frames, samples
    threads = _threads_per_process(workers)
    parallel = joblib.Parallel(n_jobs=workers, return_as="generator_unordered")
    calls = (joblib.delayed(run_job)(job, *arguments, threads) for job in jobs)
    for done, (job_frames, job_samples) in enumerate(parallel(calls), start=2):
        frames.update(job_frames)
        samples = samples if job_samples is None else job_samples
        repeat = next(iter(job_frames))[0]
        names = ", ".join(arm for _, arm in job_frames)
        report(done, total, f"finished repeat {repeat + 1}/{config.repeats}: {names}")
    return frames, samples


def run_job(job, x, y, per_class, seed, settings, threads):
    """`({(repeat, arm): rows}, samples)` of one job, wherever it runs.

    Rows are keyed, as jobs may end in any order. `threads`: TensorFlow's
    threads in a local worker process, or `None` to leave them as they are.
    """
    settings = dict(settings)
    encoder = settings.pop("backbone_bytes", None)
    folder = tempfile.mkdtemp(prefix="keras_smalldata_job_") if encoder else None
    try:
        if encoder:
            settings["backbone_path"] = os.path.join(folder, "encoder.keras")
            with open(settings["backbone_path"], "wb") as file:
                file.write(encoder)
        job_seed = seed + job.repeat
        group, fold = list(job.group), list(job.fold)
        outputs = run_group(group, x, y, fold, per_class, job_seed, settings, threads)
        samples = None
        if job.samples:
            pool = job.fold[0][0]
            samples = _artefacts.vae_samples(x, y, pool, job_seed, settings)
    finally:
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
    frames = {
        (job.repeat, arm): rows for arm, rows in zip(job.group, outputs, strict=True)
    }
    return frames, samples


def _threads_per_process(workers):
    """Cores per local worker process, or `None` on another kind of backend.

    Local processes (loky, multiprocessing) share this machine's cores; a Dask
    cluster's workers are sized by whoever started them.
    """
    from joblib.parallel import get_active_backend

    backend, _ = get_active_backend()
    if type(backend).__name__ in ("LokyBackend", "MultiprocessingBackend"):
        return max(1, joblib.cpu_count() // workers)
    return None


def _synthetic(group):
    return any("synthetic" in arm.split("+") for arm in group)
