"""Where the per-package work runs: local processes (the default) or a Dask distributed cluster.

An executor takes a picklable function and a lazy stream of jobs and yields `(job, outcome)` as each
job finishes; `outcome` is what the function returned, or the exception that stopped it (the task
raised, or its worker died). Executors know nothing of dossiers: dossier/pipeline.py gives them jobs
and writes what comes back. Jobs are pulled from the stream only as workers free up, so a driver that
ships package bytes to a cluster never holds the whole batch in memory.
"""
from __future__ import annotations

import ctypes
import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from core.errors import DossierError, UsageError
from ingest.watchdog import MMAP_THRESHOLD_MAX, map_large_buffers

log = logging.getLogger("dossier")

Outcome = Any  # the function's return value, or the BaseException that stopped it


class SchedulerUnreachableError(DossierError):
    exit_code = 9
    hint = ("start it with `dask scheduler` (it listens on tcp://HOST:8786) and at least one "
            "`dask worker tcp://HOST:8786 --nthreads 1`, then pass that address to --scheduler.")


class Executor(Protocol):
    # True when the workers may not see the driver's disk: the driver sends each package's bytes.
    ships_packages: bool

    def map_unordered(self, fn: Callable[[Any], Any], jobs: Iterable[Any]) -> Iterator[tuple[Any, Outcome]]:
        """(job, outcome) for every job, in the order they finish."""
        ...

    def close(self) -> None: ...


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def one_thread_per_worker() -> None:
    """Numerical libraries in the worker processes about to start run one thread each (read when they
    load, so set in the environment the workers inherit): processes give the parallelism, and a second
    thread per worker only spins against the other worker for the same cores."""
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    import cv2

    # OpenCV's pool busy-waits between calls (two workers on two cores took each other's time). Set here,
    # before the fork, so the workers inherit it: cv2.setNumThreads in a forked child hangs once the
    # parent has used the pool.
    cv2.setNumThreads(1)


class LocalExecutor:
    """Worker processes on this machine; with one worker, everything runs in this process.

    A worker that dies (killed, out of memory) breaks Python's process pool for every job in flight.
    Those jobs are retried one at a time in a fresh pool, so the one that kills its worker again is
    told apart from the ones that only shared the pool with it.
    """

    ships_packages = False

    def __init__(self, workers: int = 1, initializer: Callable[[], None] | None = None):
        self.workers = max(1, workers)
        self.initializer = initializer

    def map_unordered(self, fn, jobs):
        if self.workers == 1:
            return self._in_process(fn, jobs)
        return self._in_pool(fn, jobs)

    def _in_process(self, fn, jobs):
        if self.initializer:
            self.initializer()
        for job in jobs:
            yield job, _call(fn, job)

    def _in_pool(self, fn, jobs):
        jobs = iter(jobs)
        suspects: deque = deque()  # jobs in flight when a worker died
        running: dict[Future, tuple[Any, bool]] = {}  # future → (job, ran alone)
        pool = self._pool()
        try:
            while True:
                self._fill(pool, fn, jobs, suspects, running)
                if not running:
                    return
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                if any(isinstance(f.exception(), BrokenProcessPool) for f in finished):
                    finished = list(running)  # the pool is gone: every job in flight ends now
                    wait(finished)
                    pool.shutdown(wait=True)
                    pool = self._pool()
                for future in finished:
                    job, alone = running.pop(future)
                    error = future.exception()
                    if isinstance(error, BrokenProcessPool) and not alone:
                        suspects.append(job)
                    else:
                        yield job, error if error is not None else future.result()
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _fill(self, pool, fn, jobs, suspects, running) -> None:
        """Submit jobs up to one per worker; a suspect runs only alone."""
        if suspects:
            if not running:
                job = suspects.popleft()
                running[pool.submit(fn, job)] = (job, True)
            return
        while len(running) < self.workers:
            job = next(jobs, _END)
            if job is _END:
                return
            running[pool.submit(fn, job)] = (job, False)

    def _pool(self) -> ProcessPoolExecutor:
        one_thread_per_worker()
        return ProcessPoolExecutor(max_workers=self.workers, initializer=self.initializer)

    def close(self) -> None:
        """Nothing held between runs: each run opens and closes its own pool."""


class DaskExecutor:
    """The workers of a Dask distributed cluster (`dask scheduler` + `dask worker`).

    `scheduler` is the scheduler's address (tcp://HOST:8786) or a cluster object such as
    `distributed.LocalCluster`. The workers need the same installation as this machine (the dossier
    package, Tesseract with chi_sim, the CJK fonts); they are sent the bytes of each package, so they
    need not see the batch folder. A task whose workers keep dying (Dask retries it on others, then
    gives up with `KilledWorker`) comes back as that exception.
    """

    ships_packages = True

    def __init__(self, scheduler: Any, *, timeout: float = 10.0):
        from distributed import Client

        try:
            self.client = Client(scheduler, timeout=timeout)
        except ValueError as exc:  # not an address: no port, unknown scheme
            raise UsageError(f"--scheduler {scheduler}: {exc}; give it as tcp://HOST:8786") from exc
        except (OSError, TimeoutError) as exc:
            raise SchedulerUnreachableError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
        if not self.client.nthreads():
            log.warning("no Dask worker is connected to %s yet: the packages wait for one", scheduler)

    def _window(self) -> int:
        """Jobs in flight: one per worker thread. A worker never holds a second package besides the one
        it runs, so when it dies Dask blames only that one (reading the next package here takes
        milliseconds, checking one takes minutes)."""
        return max(1, sum(self.client.nthreads().values()))

    def map_unordered(self, fn, jobs):
        from distributed import as_completed

        jobs = iter(jobs)
        owners: dict[Any, Any] = {}  # future → job
        finished = as_completed()
        while True:
            while len(owners) < self._window():
                job = next(jobs, _END)
                if job is _END:
                    break
                future = self.client.submit(_on_dask_worker, fn, job, pure=False)
                owners[future] = job
                finished.add(future)
            if not owners:
                return
            future = next(finished)
            job = owners.pop(future)
            outcome = _call(future.result)
            future.release()
            yield job, outcome

    def close(self) -> None:
        self.client.close()


def _on_dask_worker(fn: Callable, job: Any) -> Any:
    _undo_malloc_trim()
    _one_opencv_thread_here()
    return fn(job)


_IMPORTED_IN = os.getpid()  # a forked copy of this process keeps the parent's pid here
_opencv_threads_set = False


def _one_opencv_thread_here() -> None:
    """OpenCV on one thread in a Dask worker, as in local workers (`one_thread_per_worker`): its pool
    busy-waits against the other workers on the same cores. Dask's nanny spawns its workers, so this
    module was imported in the worker itself and setting it is safe; in a forked copy of a process
    (where `cv2.setNumThreads` hangs once the parent used the pool) it is left alone."""
    global _opencv_threads_set
    if _opencv_threads_set:
        return
    _opencv_threads_set = True
    if os.getpid() == _IMPORTED_IN:
        import cv2

        cv2.setNumThreads(1)


# glibc's mallopt parameter (malloc.h) and the value its dynamic trim threshold grows to on 64-bit Linux
M_TRIM_THRESHOLD = -1
TRIM_THRESHOLD_MAX = 2 * MMAP_THRESHOLD_MAX


def _undo_malloc_trim() -> None:
    """Dask's nanny starts its workers with MALLOC_TRIM_THRESHOLD_=65536, which turns glibc's dynamic
    thresholds off and leaves its mmap threshold at 128 kB: every buffer above that was mapped and
    zeroed afresh, and one package took 5× the system time of a local process (77 s against 13 s).
    Give the trim threshold the limit glibc's own reaches, and large buffers the threshold a local
    worker has (`map_large_buffers`)."""
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ:
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to undo
        return
    map_large_buffers()
    libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_MAX)


def _call(fn: Callable, *args) -> Outcome:
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 — handed back as the job's outcome, never lost
        return exc


_END = object()
