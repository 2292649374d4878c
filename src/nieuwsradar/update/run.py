"""One update run, in sequence: start the workers, fetch and process every source
concurrently, write the outcomes as they come, sum up.

Fetching runs on asyncio (httpx) in the calling thread, at most ``workers`` sources at a
time; each document goes to the worker pool; one writer stores the outcomes in batched
transactions. A failing source never stops the run: its
:class:`~nieuwsradar.types.SourceResult` records the error.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from nieuwsradar.fetch import Fetcher, FetchLimits
from nieuwsradar.storage import Storage
from nieuwsradar.types import SourceState, UpdateResult
from nieuwsradar.update.fetching import SourceFetcher
from nieuwsradar.update.pool import WorkerPool
from nieuwsradar.update.writer import Outcome, ProgressFn, Writer


def run_update(
    storage: Storage, sources: Sequence[SourceState], *, model_path: Path | None,
    workers: int = 32, per_host: int = 4, limits: FetchLimits | None = None,
    progress: ProgressFn | None = None,
) -> UpdateResult:
    """Fetch and ingest ``sources``; return the run summary. Never raises for one source.

    ``model_path`` names the classifier the workers load (None: classify nothing).
    """
    started = time.perf_counter()
    if not sources:  # nothing due: no worker processes to start
        return UpdateResult(elapsed_s=time.perf_counter() - started)
    writer = Writer(storage, datetime.now(UTC), progress=progress)
    pool = WorkerPool(model_path)
    try:
        asyncio.run(_fetch_all(writer, pool, storage, sources, workers, per_host,
                               limits or FetchLimits()))
    finally:
        pool.close()
    results = tuple(writer.results)
    return UpdateResult(
        sources=results, elapsed_s=time.perf_counter() - started,
        items_new=sum(r.new for r in results), items_updated=sum(r.updated for r in results),
        duplicates=sum(r.duplicates for r in results),
        classified=writer.classified, failures=tuple(r for r in results if not r.ok))


async def _fetch_all(writer: Writer, pool: WorkerPool, storage: Storage,
                     sources: Sequence[SourceState], workers: int, per_host: int,
                     limits: FetchLimits) -> None:
    gate = asyncio.Semaphore(workers)
    queue: asyncio.Queue[Outcome | None] = asyncio.Queue()

    async def one(state: SourceState, source_fetcher: SourceFetcher) -> None:
        async with gate:
            await queue.put(await source_fetcher.outcome(state))

    writing = asyncio.create_task(writer.drain(queue))
    try:
        async with Fetcher(limits, max_connections=workers, per_host=per_host) as fetcher:
            source_fetcher = SourceFetcher(fetcher, pool, storage)
            await asyncio.gather(*(one(s, source_fetcher) for s in sources))
    finally:
        await queue.put(None)
        await writing
