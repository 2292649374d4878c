"""The worker processes that do the CPU-bound work of an update run.

Workers are started by a ``forkserver``, never forked from the calling process: the
service runs updates beside web and scheduler threads, and a process forked while
another thread holds a lock (logging, SQLite, the allocator) can deadlock. The fork
server is a fresh interpreter that imports the heavy modules once (:data:`PRELOAD`), so
each worker still starts in milliseconds. Workers get the model *path* and load the
model themselves when the first document needs it.

Guarantees: workers run at a lower priority than the main process (which fetches and
writes for all of them) and die with it, even when it is killed with SIGKILL; a document
that crashes a worker is retried once in a fresh pool and then fails its source alone.
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

from nieuwsradar.errors import ParseError
from nieuwsradar.update import work

T = TypeVar("T")

#: Workers yield the CPU to the main process, which fetches and writes for all of them.
WORKER_NICENESS = 5
#: Imported once by the fork server, so workers start with them loaded.
PRELOAD = ["nieuwsradar.update.work"]
START_METHOD = "forkserver"
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def worker_count() -> int:
    """One worker per core, at most two (the main process needs a core too)."""
    return max(1, min(2, os.cpu_count() or 1))


class WorkerPool:
    """A process pool that replaces itself when a worker dies.

    The processes start with the first document, so a run in which every source answers
    304 starts none (nor the fork server, in a fresh command).
    """

    def __init__(self, model_path: Path | None) -> None:
        self.model_path = model_path
        self._executor: ProcessPoolExecutor | None = None

    def _start(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context(START_METHOD)
        context.set_forkserver_preload(PRELOAD)
        executor = ProcessPoolExecutor(
            max_workers=worker_count(), mp_context=context, initializer=_init_worker,
            initargs=(os.getpid(), self.model_path))
        for _ in range(worker_count()):  # start every worker, not one per waiting task
            executor.submit(work.warm_up)
        return executor

    async def run(self, url: str, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` in a worker; if a worker dies, renew the pool and try once
        more.

        A document that kills a worker twice (a crash in a C parser) fails its source
        with a clear error instead of breaking every other source of the run.
        """
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            if self._executor is None:
                self._executor = self._start()
            executor = self._executor
            try:
                return await loop.run_in_executor(executor, fn, *args)
            except BrokenProcessPool:
                if self._executor is executor:
                    executor.shutdown(wait=False, cancel_futures=True)
                    self._executor = None
                if attempt == 2:
                    raise ParseError(url, "a worker process crashed on this document "
                                          "twice; it is skipped until it changes") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Stop the worker processes."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


def _init_worker(parent_pid: int, model_path: Path | None) -> None:
    """Set up a worker: a lower priority, death with the update process, its model.

    A worker is a child of the fork server, not of the update process, and it holds the
    fork server's lifeline itself, so neither notices the update process dying. The
    worker therefore watches the update process and exits the moment it is gone, even
    when it was killed with SIGKILL; without that a killed ``nieuwsradar update`` would
    leave its workers (and the fork server) waiting forever. Linux also ends the worker
    when the fork server dies (PR_SET_PDEATHSIG).
    """
    os.nice(WORKER_NICENESS)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    _exit_with(parent_pid)
    work.use_model(model_path)


def _exit_with(pid: int) -> None:
    """End this process as soon as process ``pid`` has ended (a watcher thread)."""
    try:
        pidfd: int | None = os.pidfd_open(pid)
    except ProcessLookupError:  # it is gone already
        os._exit(0)
    except (AttributeError, OSError):  # no pidfd on this system: poll instead
        pidfd = None

    def watch() -> None:
        if pidfd is not None:
            select.select([pidfd], [], [])
        else:
            while _alive(pid):
                time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-update", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
