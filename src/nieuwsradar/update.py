"""The ingest orchestrator: storage → fetch → parse → normalise → dedupe → classify → storage.

One run fetches the given sources concurrently (asyncio + httpx), hands every fetched
document to a small process pool for the CPU-bound work (parsing, normalising, sanitizing,
MinHash signatures, classification), and writes each source's outcome in one transaction
in the main process: its items, their labels and story clusters, and its fetch state.
So a killed process leaves every source either fully written or untouched, and a failing
source never stops the run: its :class:`~nieuwsradar.types.SourceResult` records the error.
"""

from __future__ import annotations

import asyncio
import dataclasses
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from datetime import UTC, datetime, timedelta

from nieuwsradar import dedupe, parse, polling
from nieuwsradar.classify import DomainModel
from nieuwsradar.errors import FetchError, NieuwsradarError
from nieuwsradar.fetch import Fetcher, FetchLimits
from nieuwsradar.storage import Storage
from nieuwsradar.types import (
    Label,
    NewItem,
    Prediction,
    ScrapeRules,
    SourceResult,
    SourceState,
    UpdateResult,
)

#: How far back near-duplicate detection looks for the same story in other sources.
STORY_WINDOW = timedelta(days=14)
#: Items fetched for full-text extraction per source and run (politeness bound).
MAX_FULLTEXT_PER_SOURCE = 30

ProgressFn = Callable[[SourceResult], None]

# The model used by worker processes. Set in the parent before the pool forks, so each
# worker inherits it without loading or unpickling it again.
_WORKER_MODEL: DomainModel | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Processed:
    """What a worker made of one fetched document."""

    items: list[NewItem]
    signatures: list[bytes | None]
    predictions: list[Prediction] | None


def process_document(
    kind: str, body: bytes, *, url: str, content_type: str | None,
    rules: ScrapeRules | None, fetched_at: datetime,
) -> Processed:
    """Parse, normalise, sign and classify one document (runs in a worker process)."""
    feed = parse.parse_document(kind, body, url=url, content_type=content_type, rules=rules)
    items = parse.normalise_items(feed, source_url=url, fetched_at=fetched_at)
    return _finish(items)


def process_fulltext(items: list[NewItem], pages: dict[str, bytes],
                     selector: str | None) -> Processed:
    """Replace summaries by extracted article text where a page was fetched (worker)."""
    enriched = []
    for item in items:
        page = pages.get(item.guid)
        html = parse.extract_fulltext(page, url=item.url, selector=selector) if page else ""
        enriched.append(parse.with_content(item, html) if html else item)
    return _finish(enriched)


def _finish(items: list[NewItem]) -> Processed:
    signatures: list[bytes | None] = [
        dedupe.signature_bytes(dedupe.signature(f"{it.title} {it.content_text or it.summary}"))
        for it in items
    ]
    predictions = None
    if _WORKER_MODEL is not None and items:
        from nieuwsradar.classify import item_text

        predictions = _WORKER_MODEL.predict(
            [item_text(it.title, it.content_text or it.summary) for it in items])
    return Processed(items, signatures, predictions)


class _Run:
    """State of one update run; lives in the main process."""

    def __init__(self, storage: Storage, model: DomainModel | None, now: datetime,
                 pool: Executor, progress: ProgressFn | None) -> None:
        self.storage = storage
        self.model_version = model.version if model is not None else None
        self.now = now
        self.pool = pool
        self.progress = progress
        self.index = dedupe.StoryIndex()
        for item_id, cluster_id, sig in storage.recent_signatures(now - STORY_WINDOW):
            self.index.add(item_id, cluster_id, dedupe.signature_from_bytes(sig))
        self.cluster_sources: dict[int, set[int]] = {}
        self.results: list[SourceResult] = []
        self.clustered = 0
        self.classified = 0

    async def source(self, fetcher: Fetcher, state: SourceState) -> None:
        """Fetch, process and store one source; record any failure, never raise."""
        spec = state.spec
        try:
            fetched = await fetcher.fetch(spec.url, etag=state.etag,
                                          last_modified=state.last_modified)
            fetched_at = datetime.now(UTC)
            if fetched.not_modified or fetched.body is None:
                self._store(state, [], Processed([], [], None), fetched.etag,
                            fetched.last_modified, fetched.max_age_s, status=304)
                return
            loop = asyncio.get_running_loop()
            processed: Processed = await loop.run_in_executor(
                self.pool, _call_process, spec.kind, fetched.body, spec.url,
                fetched.headers.get("content-type"), spec.scrape, fetched_at)
            if spec.full_text and processed.items:
                processed = await self._fulltext(fetcher, state, processed)
            self._store(state, processed.items, processed, fetched.etag,
                        fetched.last_modified, fetched.max_age_s, status=fetched.status)
        except NieuwsradarError as exc:
            retry_after = exc.retry_after_s if isinstance(exc, FetchError) else None
            status = exc.status if isinstance(exc, FetchError) else None
            self._fail(state, str(exc), retry_after, status)
        except Exception as exc:  # noqa: BLE001 - one broken source must not stop the run
            self._fail(state, f"unexpected {type(exc).__name__}: {exc}", None, None)

    async def _fulltext(self, fetcher: Fetcher, state: SourceState,
                        processed: Processed) -> Processed:
        """Fetch the article pages of items not stored yet and extract their text."""
        known = self.storage.existing_guids(state.id, [it.guid for it in processed.items])
        wanted = [it for it in processed.items if it.guid not in known][:MAX_FULLTEXT_PER_SOURCE]

        async def page(item: NewItem) -> tuple[str, bytes | None]:
            try:
                return item.guid, (await fetcher.fetch(item.url)).body
            except FetchError:
                return item.guid, None

        pages = {guid: body for guid, body in await asyncio.gather(*map(page, wanted)) if body}
        if not pages:
            return processed
        loop = asyncio.get_running_loop()
        result: Processed = await loop.run_in_executor(
            self.pool, process_fulltext, processed.items, pages, state.spec.content_selector)
        return result

    def _store(self, state: SourceState, items: list[NewItem], processed: Processed,
               etag: str | None, last_modified: str | None, max_age_s: int | None,
               *, status: int) -> None:
        """Write one source's items, labels, clusters and fetch state in one transaction."""
        storage = self.storage
        duplicates = 0
        with storage.transaction():
            upserted = storage.upsert_items(state.id, items, processed.signatures)
            changed = set(upserted.new_ids) | set(upserted.updated_ids)
            if changed and processed.predictions is not None:
                ids = _ids_by_guid(storage, state.id, items)
                rows = [
                    (ids[it.guid], _labels(pred, self.model_version))
                    for it, pred in zip(items, processed.predictions, strict=True)
                    if ids.get(it.guid) in changed
                ]
                storage.set_model_labels(rows)
                self.classified += len(rows)
            if upserted.new_ids:
                duplicates = self._cluster(state.id, upserted.new_ids, items, processed)
            interval = polling.adaptive_interval_s(
                storage.recent_published_at(state.id), self.now,
                default_s=state.spec.interval_s)
            storage.record_fetch_ok(
                state.id, at=self.now, etag=etag, last_modified=last_modified,
                next_check_at=polling.next_check_at(self.now, interval, max_age_s=max_age_s),
                interval_s=interval)
        self._report(SourceResult(
            source_id=state.id, url=state.spec.url, name=state.spec.name, ok=True,
            status=status, not_modified=status == 304, new=len(upserted.new_ids),
            updated=len(upserted.updated_ids), duplicates=duplicates))

    def _cluster(self, source_id: int, new_ids: Sequence[int], items: list[NewItem],
                 processed: Processed) -> int:
        """Attach new items to the story they repeat, or start a story; count repeats."""
        sig_by_guid = {it.guid: sig for it, sig in zip(items, processed.signatures, strict=True)}
        guid_by_id = {v: k for k, v in _ids_by_guid(self.storage, source_id, items).items()}
        rows: list[tuple[int, int | None]] = []
        sigs = []
        duplicates = 0
        for item_id in new_ids:
            raw = sig_by_guid.get(guid_by_id.get(item_id, ""))
            sig = dedupe.signature_from_bytes(raw) if raw else None
            cluster = self.index.match(sig) if sig is not None else None
            if cluster is not None and source_id not in self.cluster_sources.get(cluster, set()):
                duplicates += 1
            rows.append((item_id, cluster))
            sigs.append(sig)
        cluster_ids = self.storage.assign_clusters(rows)
        for (item_id, _), cluster_id, sig in zip(rows, cluster_ids, sigs, strict=True):
            self.cluster_sources.setdefault(cluster_id, set()).add(source_id)
            if sig is not None:
                self.index.add(item_id, cluster_id, sig)
        self.clustered += duplicates
        return duplicates

    def _fail(self, state: SourceState, error: str, retry_after_s: float | None,
              status: int | None) -> None:
        errors = state.error_count + 1
        next_at = polling.next_check_at(self.now, state.interval_s, error_count=errors,
                                        retry_after_s=retry_after_s)
        with self.storage.transaction():
            self.storage.record_fetch_error(state.id, at=self.now, error=error,
                                            next_check_at=next_at)
        self._report(SourceResult(source_id=state.id, url=state.spec.url,
                                  name=state.spec.name, ok=False, status=status, error=error))

    def _report(self, result: SourceResult) -> None:
        self.results.append(result)
        if self.progress is not None:
            self.progress(result)


def _call_process(kind: str, body: bytes, url: str, content_type: str | None,
                  rules: ScrapeRules | None, fetched_at: datetime) -> Processed:
    """Positional wrapper for :func:`process_document` (executors pass no keywords)."""
    return process_document(kind, body, url=url, content_type=content_type, rules=rules,
                            fetched_at=fetched_at)


def _ids_by_guid(storage: Storage, source_id: int, items: list[NewItem]) -> dict[str, int]:
    return storage.ids_by_guid(source_id, [it.guid for it in items])


def _labels(prediction: Prediction, version: str | None) -> list[Label]:
    return [Label(label=name, score=prediction.scores.get(name, 1.0), origin="model",
                  model_version=version) for name in prediction.labels]


def make_pool(model: DomainModel | None) -> Executor:
    """A process pool of one worker per core whose workers inherit ``model`` by fork."""
    global _WORKER_MODEL  # noqa: PLW0603 - set once per pool, read by forked workers
    _WORKER_MODEL = model
    workers = max(1, min(2, os.cpu_count() or 1))
    return ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("fork"))


def run_update(
    storage: Storage, sources: Sequence[SourceState], *, model: DomainModel | None,
    workers: int = 32, per_host: int = 4, limits: FetchLimits | None = None,
    progress: ProgressFn | None = None, pool: Executor | None = None,
) -> UpdateResult:
    """Fetch and ingest ``sources``; return the run summary. Never raises for one source."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    own_pool = pool is None
    executor = make_pool(model) if pool is None else pool
    try:
        run = _Run(storage, model, now, executor, progress)
        asyncio.run(_fetch_all(run, sources, workers, per_host, limits or FetchLimits()))
    finally:
        if own_pool:
            executor.shutdown(wait=True, cancel_futures=True)
    results = tuple(run.results)
    return UpdateResult(
        sources=results, elapsed_s=time.perf_counter() - started,
        items_new=sum(r.new for r in results), items_updated=sum(r.updated for r in results),
        duplicates=sum(r.duplicates for r in results), clustered=run.clustered,
        classified=run.classified, failures=tuple(r for r in results if not r.ok))


async def _fetch_all(run: _Run, sources: Sequence[SourceState], workers: int, per_host: int,
                     limits: FetchLimits) -> None:
    gate = asyncio.Semaphore(workers)

    async def one(state: SourceState, fetcher: Fetcher) -> None:
        async with gate:
            await run.source(fetcher, state)

    async with Fetcher(limits, max_connections=workers, per_host=per_host) as fetcher:
        await asyncio.gather(*(one(s, fetcher) for s in sources))


def reclassify(storage: Storage, model: DomainModel, *, batch_size: int = 1000,
               progress: Callable[[int], None] | None = None) -> int:
    """Re-tag every stored item with ``model`` (after retraining); human labels stay.

    Each batch is written in its own transaction, so an interrupted run leaves every item
    with either its old or its new model labels. Returns the number of items classified.
    """
    from nieuwsradar.classify import item_text

    total = 0
    for batch in storage.iter_items(batch_size):
        predictions = model.predict(
            [item_text(it.title, it.content_text or it.summary) for it in batch])
        with storage.transaction():
            storage.set_model_labels([
                (it.id, _labels(pred, model.version))
                for it, pred in zip(batch, predictions, strict=True)])
        total += len(batch)
        if progress is not None:
            progress(len(batch))
    return total
