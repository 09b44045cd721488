"""One fit-and-score job, and running many of them through joblib."""

import time
import traceback
import warnings

from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.exceptions import FitFailedWarning
from sklearn.utils import _safe_indexing


def fit_and_score(estimator, X, y, train, test, scorer, error_score):
    """Fits a clone of `estimator` on `train` and scores it on `test`.

    Returns:
        dict with `scores` (metric name -> float), `fit_time`, `score_time`
        (seconds) and `error` (the traceback as a string, or `None`). With
        `error_score="raise"` a failure propagates instead.
    """
    estimator = clone(estimator)
    X_train, y_train = _safe_indexing(X, train), _safe_indexing(y, train)
    X_test, y_test = _safe_indexing(X, test), _safe_indexing(y, test)
    start = time.perf_counter()
    fit_time = score_time = 0.0
    try:
        estimator.fit(X_train, y_train)
        fit_time = time.perf_counter() - start
        scores = scorer(estimator, X_test, y_test)
        score_time = time.perf_counter() - start - fit_time
    except Exception:
        if isinstance(error_score, str) and error_score == "raise":
            raise
        if not fit_time:
            fit_time = time.perf_counter() - start
        return {
            "scores": None,
            "fit_time": fit_time,
            "score_time": score_time,
            "error": traceback.format_exc(),
        }
    return {
        "scores": {name: float(value) for name, value in scores.items()},
        "fit_time": fit_time,
        "score_time": score_time,
        "error": None,
    }


def run_jobs(jobs, n_jobs, verbose, description):
    """Runs `(estimator, X, y, train, test, scorer, error_score)` jobs.

    Through joblib, so that `joblib.parallel_backend("dask")` spreads them over
    a Dask cluster. Returns the results in the order of `jobs`.
    """
    parallel = Parallel(n_jobs=n_jobs, return_as="generator")
    results = parallel(delayed(fit_and_score)(*job) for job in jobs)
    if verbose:
        results = _progress(results, total=len(jobs), description=description)
    return list(results)


def run_scored(
    labels, jobs, setup, n_jobs, verbose, error_score, caller, errors_attribute
):
    """Runs `(estimator, X, y, train, test)` jobs; returns `(records, errors)`.

    A failed job's scores are `error_score`, with a `FitFailedWarning` per
    estimator that points to `errors_attribute`; `errors` maps each estimator
    that failed to the traceback of its first failure (`{}` if none did).
    `labels[i]["estimator"]` names the estimator of `jobs[i]`. `caller` names
    the progress bar. Nothing is stored: the caller keeps what it needs.
    """
    jobs = [(*job, setup["scorer"], error_score) for job in jobs]
    records = run_jobs(jobs, n_jobs, verbose, caller)
    if all(record["error"] is not None for record in records):
        raise ValueError(
            f"All {len(jobs)} fits failed. The first error:\n{records[0]['error']}"
        )
    failures = {}
    for label, record in zip(labels, records, strict=True):
        if record["error"] is not None:
            failures.setdefault(label["estimator"], []).append(record["error"])
            record["scores"] = dict.fromkeys(setup["metrics"], error_score)
    per_estimator = len(jobs) // len(setup["pairs"])
    for name, errors in failures.items():
        last_line = errors[0].strip().splitlines()[-1]
        warnings.warn(
            f"{name}: {len(errors)} of {per_estimator} fits failed; their "
            f"scores are error_score={error_score!r}. First error: "
            f"{last_line} (full traceback in {errors_attribute}[{name!r}])",
            FitFailedWarning,
            stacklevel=3,
        )
    return records, {name: errors[0] for name, errors in failures.items()}


def _progress(iterable, total, description):
    try:
        from tqdm.auto import tqdm
    except ImportError as error:
        raise ImportError(
            "A progress bar (`verbose > 0`) requires tqdm. Install it with: "
            'pip install "keras-smalldata[progress]"'
        ) from error
    return tqdm(iterable, total=total, desc=description, unit="fit")
