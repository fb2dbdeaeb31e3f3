"""Accuracy evaluation spread over a local process pool or a Dask distributed cluster.

Both wrap a picklable ``accuracy_fn(X) -> (N,)`` and are themselves such a function, so
the :class:`~evo_cosearch.evaluate.Evaluator` (which deduplicates networks and keeps the
cache in the parent) does not know where accuracy is computed. Each worker unpickles the
function once and keeps it (a supernet is loaded once per worker). Genomes are split into
contiguous chunks and results are put back in order, so the values do not depend on the
number of workers as long as ``accuracy_fn`` treats each genome independently.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import threading
from concurrent.futures import CancelledError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable

import numpy as np

from evo_cosearch.errors import InputError, WorkerError, arg

__all__ = ["PoolAccuracy", "DaskAccuracy"]

WORKER_WAIT_S = 20  # how long a new search waits for the first Dask worker
_RESUME = "the run keeps its completed generations: run the same command again to resume it"

_WORKER_PAYLOAD: bytes | None = None
_WORKER_FN: Callable[[np.ndarray], np.ndarray] | None = None
_DASK_FNS: dict[str, Callable[[np.ndarray], np.ndarray]] = {}


def _dumps(accuracy_fn: Callable[[np.ndarray], np.ndarray], where: str) -> bytes:
    """``accuracy_fn`` pickled for the workers; one that cannot be (a lambda, a nested function) is
    an :class:`InputError` naming ``where`` (the option that asked for workers)."""
    try:
        return pickle.dumps(accuracy_fn)
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        raise InputError(f"{where}: the accuracy function cannot be pickled for the workers ({exc}); give one "
                         "defined at the top level of a module, not a lambda or a nested function") from None


def _loads(payload: bytes) -> Callable[[np.ndarray], np.ndarray]:
    """The accuracy function in a worker; one the worker cannot import (a function of the
    ``__main__`` of a notebook, the REPL or ``python -c``) is an :class:`InputError`, not a
    worker that seems to have died."""
    try:
        return pickle.loads(payload)
    except (AttributeError, ImportError) as exc:
        raise InputError(f"a worker process cannot load the accuracy function ({exc}); define it in a module "
                         "the workers can import (a script's own functions work when it runs as a file)") from None


def _init_worker(payload: bytes) -> None:
    global _WORKER_PAYLOAD
    threading.Thread(target=_exit_with_parent, name="exit-with-parent", daemon=True).start()
    _WORKER_PAYLOAD = payload  # loaded by the first call, so that a failure reaches the parent as an error


def _exit_with_parent() -> None:
    """End this worker when the search that started it is gone: a search killed with ``kill -9``
    cannot shut its pool down, and its workers would otherwise wait for work forever."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)


def _worker_call(X: np.ndarray) -> np.ndarray:
    global _WORKER_FN
    if _WORKER_FN is None:
        assert _WORKER_PAYLOAD is not None
        _WORKER_FN = _loads(_WORKER_PAYLOAD)
    return np.asarray(_WORKER_FN(X), dtype=np.float64)


def _dask_call(key: str, payload: bytes, X: np.ndarray) -> np.ndarray:
    fn = _DASK_FNS.get(key)
    if fn is None:
        fn = _DASK_FNS[key] = _loads(payload)
    return np.asarray(fn(X), dtype=np.float64)


def _chunks(X: np.ndarray, n: int) -> list[np.ndarray]:
    return [c for c in np.array_split(X, max(1, min(n, len(X)))) if len(c)]


class PoolAccuracy:
    """``accuracy_fn`` on ``workers`` local processes (spawned: safe with torch threads)."""

    def __init__(self, accuracy_fn: Callable[[np.ndarray], np.ndarray], workers: int) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.workers = int(workers)
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_init_worker,
                                         initargs=(_dumps(accuracy_fn, arg("workers", self.workers)),))

    def __call__(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.int64)
        if len(X) == 0:
            return np.zeros(0)
        try:
            return np.concatenate(list(self._pool.map(_worker_call, _chunks(X, self.workers))))
        except BrokenProcessPool:
            raise WorkerError(f"{arg('workers', self.workers)}: a worker process died (killed, or out of memory); "
                              f"{_RESUME}") from None

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "PoolAccuracy":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class DaskAccuracy:
    """``accuracy_fn`` on an existing Dask cluster (``scheduler``: ``tcp://HOST:PORT`` or a Client)."""

    def __init__(self, accuracy_fn: Callable[[np.ndarray], np.ndarray], scheduler: Any) -> None:
        from distributed import Client

        payload = _dumps(accuracy_fn, arg("dask_scheduler"))  # before connecting: refused at once
        self._own = isinstance(scheduler, str)
        self._client = Client(scheduler, set_as_default=False, timeout="10s") if self._own else scheduler
        if self._own:  # a lost scheduler is reported as one line (WorkerError), not as the client's tracebacks
            self._log = logging.getLogger("distributed.client")
            self._log_level = self._log.level
            self._log.setLevel(logging.CRITICAL)
        try:
            self._client.wait_for_workers(1, timeout=WORKER_WAIT_S)
        except TimeoutError:
            self.close()
            raise WorkerError(f"{arg('dask_scheduler', scheduler)}: connected, but no worker joined it within "
                              f"{WORKER_WAIT_S} s; start workers with: dask worker ADDRESS") from None
        self._key = hashlib.sha256(payload).hexdigest()
        self._payload = self._client.scatter(payload, broadcast=True, hash=False)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.int64)
        if len(X) == 0:
            return np.zeros(0)
        from distributed.scheduler import KilledWorker

        try:
            n = max(1, len(self._client.scheduler_info().get("workers", {})))
            futures = [self._client.submit(_dask_call, self._key, self._payload, c, pure=False)
                       for c in _chunks(X, n)]
            return np.concatenate(self._client.gather(futures))
        except (CancelledError, KilledWorker, OSError, TimeoutError) as exc:  # OSError: CommClosedError
            why = " ".join(str(exc).split())[:120]  # one line
            raise WorkerError(f"{arg('dask_scheduler')}: the cluster stopped evaluating ({type(exc).__name__}: "
                              f"{why}); {_RESUME}") from None

    def close(self) -> None:
        if self._own:
            self._client.close()
            self._log.setLevel(self._log_level)

    def __enter__(self) -> "DaskAccuracy":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
