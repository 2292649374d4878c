"""How many page requests the web app works on at once.

Pages and API reads are CPU-bound Python (a search, facets, snippets, a template) with
SQLite work in between. FastAPI runs them in a pool of up to 40 threads; with 32 clients
at once they all ran together, and the threads' contention for the interpreter halved the
pages served (1,000,000 items, 2 vCPUs: 20 pages/s and a p99 of 5 s with 40 threads,
54 pages/s and a p99 of 0.7 s with 2; docs/benchmarks.md). So reads wait their turn here,
before they take a thread: at most ``limit`` at once. Writes (POST, PUT, DELETE: they may
wait for the database's write lock during a poll) and ``/health`` (a monitor must get an
answer while the pages are busy) do not wait.
"""

from __future__ import annotations

import asyncio
import os

from starlette.types import ASGIApp, Receive, Scope, Send

#: Paths that never wait: the health check and static files.
UNLIMITED_PREFIXES = ("/health", "/static/")
_READS = frozenset({"GET", "HEAD"})


def concurrency(configured: int) -> int:
    """The limit for a configured value: 0 means one per CPU this process may run on
    (its affinity mask, which containers and ``taskset`` narrow), at least 2."""
    if configured > 0:
        return configured
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(2, cpus or 2)


class ReadLimitMiddleware:
    """ASGI middleware letting at most ``limit`` read requests run at once; the others
    wait in arrival order (asyncio's semaphore is fair)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._slots = asyncio.Semaphore(limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] not in _READS
                or scope["path"].startswith(UNLIMITED_PREFIXES)):
            await self.app(scope, receive, send)
            return
        async with self._slots:
            await self.app(scope, receive, send)
