"""One fit-and-score job, and running many of them through joblib."""

import time
import traceback

from joblib import Parallel, delayed
from sklearn.base import clone
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


def _progress(iterable, total, description):
    try:
        from tqdm.auto import tqdm
    except ImportError as error:
        raise ImportError(
            "A progress bar (`verbose > 0`) requires tqdm. Install it with: "
            'pip install "keras-smalldata[progress]"'
        ) from error
    return tqdm(iterable, total=total, desc=description, unit="fit")
