"""Where chunks run: in this process, in a local pool of worker processes, or on a Dask
cluster. Each executor takes a function of one chunk and the chunks, and yields the results
as they finish (in any order), keeping a bounded number of chunks in flight, so a run of any
size holds only a few chunks' results at a time.

A worker process killed part-way (out of memory, SIGKILL) loses only its chunk: the local
pool is started again and the chunks that were in flight are given to the new one (up to
``POOL_RESTARTS`` times); Dask's scheduler does the same for a lost worker (``retries``).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Literal, Protocol, TypeVar

__all__ = [
    "CONNECT_TIMEOUT_S", "EXECUTORS", "POOL_RESTARTS", "DaskExecutor", "Executor",
    "ProcessExecutor", "SchedulerError", "SerialExecutor", "default_workers", "make_executor",
]

#: The executors a run can use (``--executor``).
EXECUTORS = ("serial", "processes", "dask")

#: Seconds to wait for the Dask scheduler named by ``--scheduler``.
CONNECT_TIMEOUT_S = 10.0

#: How many times a broken local pool (a worker process died) is started again before the
#: run gives up.
POOL_RESTARTS = 3

_In = TypeVar("_In")
_Out = TypeVar("_Out")

ExecutorName = Literal["serial", "processes", "dask"]


def default_workers() -> int:
    """Every core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class SchedulerError(ValueError):
    """The Dask scheduler a run was pointed at cannot be reached."""


class Executor(Protocol):
    """Runs a function over items, yielding results as they finish."""

    workers: int

    def results(self, fn: Callable[[_In], _Out], items: Iterable[_In]) -> Iterator[_Out]: ...

    def close(self) -> None: ...


class SerialExecutor:
    """Every chunk in this process, in order."""

    workers = 1

    def results(self, fn: Callable[[_In], _Out], items: Iterable[_In]) -> Iterator[_Out]:
        for item in items:
            yield fn(item)

    def close(self) -> None:
        pass


def _context() -> multiprocessing.context.BaseContext:
    """``fork`` on Linux when this process runs no other thread (the workers start as copies of
    it, the simulator already imported, in a few milliseconds: nothing can hold a lock across
    the fork), else ``forkserver`` (workers start from a clean server process that imports
    the simulator first, safe beside threads such as a progress bar's or a notebook's), else
    ``spawn``."""
    methods = multiprocessing.get_all_start_methods()
    if sys.platform == "linux" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["smtpsim.execution.work"])
        return ctx
    return multiprocessing.get_context("spawn")


class ProcessExecutor:
    """A local pool of ``workers`` processes, ``2 * workers`` chunks in flight."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self.started = False
        self._warming: list[Future[int]] = []

    def prestart(self) -> None:
        """Start the workers now, in the background (each imports the simulator)."""
        pool = self._pool or self._start()
        self._warming = [pool.submit(os.getpid) for _ in range(self.workers)]

    def ready(self) -> bool:
        """Whether prestarted workers are all up."""
        return bool(self._warming) and all(f.done() for f in self._warming)

    def _start(self) -> ProcessPoolExecutor:
        self.started = True
        self._pool = ProcessPoolExecutor(self.workers, mp_context=_context())
        return self._pool

    def results(self, fn: Callable[[_In], _Out], items: Iterable[_In]) -> Iterator[_Out]:
        source = iter(items)
        pool = self._pool
        pending: dict[Future[_Out], _In] = {}
        retry: list[_In] = []
        restarts = 0
        exhausted = False
        while True:
            while len(pending) < 2 * self.workers and (retry or not exhausted):
                if retry:
                    item = retry.pop(0)
                else:
                    try:
                        item = next(source)
                    except StopIteration:
                        exhausted = True
                        break
                pool = pool or self._start()
                pending[pool.submit(fn, item)] = item
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                item = pending.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    broken = True
                    retry.append(item)
                    continue
                yield result
            if broken:
                restarts += 1
                if restarts > POOL_RESTARTS:
                    raise RuntimeError(f"worker processes died {restarts} times; giving up")
                print(f"warning: a worker process died; starting the pool again "
                      f"({restarts}/{POOL_RESTARTS}), {len(retry) + len(pending)} chunks "
                      "run again", file=sys.stderr)
                retry += list(pending.values())
                pending.clear()
                if pool is not None:
                    pool.shutdown(wait=False, cancel_futures=True)
                pool = self._start()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor:
    """A Dask ``distributed.Client``: on the cluster at ``address``, or on a local cluster
    of ``workers`` single-threaded worker processes. ``2 * workers`` chunks in flight (the
    cluster's thread count when connecting to one); a chunk whose worker died runs again on
    another (``retries``)."""

    def __init__(self, workers: int, address: str | None = None) -> None:
        from distributed import Client, LocalCluster

        self._cluster: Any = None
        if address is None:
            self._cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                dashboard_address=None, silence_logs=logging.ERROR,
            )
            self._client = Client(self._cluster)
        else:
            try:
                self._client = Client(address, timeout=CONNECT_TIMEOUT_S)
            except (OSError, TimeoutError) as e:
                raise SchedulerError(f"--scheduler {address}: cannot reach a Dask scheduler "
                                     f"there within {CONNECT_TIMEOUT_S:g} s ({e})") from None
        threads = sum(self._client.nthreads().values())
        self.workers = max(1, threads or workers)

    def results(self, fn: Callable[[_In], _Out], items: Iterable[_In]) -> Iterator[_Out]:
        from distributed import as_completed

        source = iter(items)
        finished = as_completed()
        in_flight = 0

        def submit() -> bool:
            try:
                item = next(source)
            except StopIteration:
                return False
            finished.add(self._client.submit(fn, item, pure=False, retries=2))
            return True

        while in_flight < 2 * self.workers and submit():
            in_flight += 1
        for future in finished:
            result = future.result()
            future.release()
            in_flight -= 1
            yield result
            if submit():
                in_flight += 1

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(name: ExecutorName, workers: int, address: str | None = None) -> Executor:
    """The executor ``name`` with ``workers`` workers (``address``: a Dask scheduler)."""
    if address is not None or name == "dask":
        return DaskExecutor(workers, address)
    if name == "serial" or workers == 1:
        return SerialExecutor()
    if name == "processes":
        return ProcessExecutor(workers)
    raise ValueError(f"unknown executor {name!r}; allowed: {', '.join(EXECUTORS)}")
