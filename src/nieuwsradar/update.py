"""The ingest orchestrator: storage → fetch → parse → normalise → dedupe → classify → storage.

One run fetches the given sources concurrently (asyncio + httpx) and hands every fetched
document to a small process pool for the CPU-bound work (parsing, normalising, sanitizing,
MinHash signatures, stemming for the search index, classification). A single writer in
the main process stores the outcomes: each source's items, their labels and story
clusters, and its fetch state. The writer groups the sources that are ready into one
transaction; a source is always written whole, so a killed process leaves every source
either fully written or untouched. A failing source never stops the run: its
:class:`~nieuwsradar.types.SourceResult` records the error.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from nieuwsradar import dedupe, parse, polling
from nieuwsradar.classify import DomainModel, item_text
from nieuwsradar.errors import FetchError, NieuwsradarError, ParseError
from nieuwsradar.fetch import Fetcher, FetchLimits
from nieuwsradar.storage import Storage
from nieuwsradar.storage.fts import stems_of
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
#: Article pages fetched for full-text extraction per source and run (politeness bound).
MAX_FULLTEXT_PER_SOURCE = 100
#: A story's lead for near-duplicate detection: this many words of summary or text.
LEAD_WORDS = 40
LEAD_MIN_WORDS = 8
#: At most this many sources are written in one transaction ...
WRITE_BATCH = 100
#: ... gathered for at most this long after the first one is ready.
WRITE_LINGER_S = 0.1

ProgressFn = Callable[[SourceResult], None]
log = logging.getLogger(__name__)
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
#: Workers yield the CPU to the main process, which fetches and writes for all of them.
WORKER_NICENESS = 5

# The model used by worker processes. Set in the parent before the pool forks, so each
# worker inherits it without loading or unpickling it again.
_WORKER_MODEL: DomainModel | None = None


@dataclass(frozen=True, slots=True)
class Processed:
    """What a worker made of one fetched document: items and per-item extras."""

    items: list[NewItem]
    signatures: list[bytes | None]
    stems: list[tuple[str, str]]
    predictions: list[Prediction] | None


@dataclass(frozen=True, slots=True)
class _Fetched:
    """A source fetched and processed, waiting for the writer."""

    state: SourceState
    processed: Processed
    etag: str | None
    last_modified: str | None
    max_age_s: int | None
    status: int


@dataclass(frozen=True, slots=True)
class _Failed:
    """A source whose fetch or parse failed, waiting for the writer."""

    state: SourceState
    error: str
    retry_after_s: float | None
    status: int | None


_NOTHING = Processed([], [], [], None)


def story_text(item: NewItem) -> str:
    """The text that identifies a story across sources: title and lead.

    Copies of one press release share title and first sentences, while one source may
    carry only the summary and another the whole article with extra paragraphs; the lead
    (the summary when it has substance, else the start of the text) makes them comparable.
    """
    lead = item.summary if len(item.summary.split()) >= LEAD_MIN_WORDS else item.content_text
    return f"{item.title} {' '.join(lead.split()[:LEAD_WORDS])}"


def process_document(
    kind: str, body: bytes, *, url: str, content_type: str | None,
    rules: ScrapeRules | None, fetched_at: datetime,
) -> Processed:
    """Parse, normalise, sign, stem and classify one document (runs in a worker)."""
    feed = parse.parse_document(kind, body, url=url, content_type=content_type, rules=rules)
    return _finish(parse.normalise_items(feed, source_url=url, fetched_at=fetched_at))


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
        dedupe.signature_bytes(sig) for sig in dedupe.signatures([story_text(it) for it in items])]
    stems = [stems_of(it.title, it.summary, it.content_text) for it in items]
    predictions = None
    if _WORKER_MODEL is not None and items:
        predictions = _WORKER_MODEL.predict(
            [item_text(it.title, it.content_text or it.summary) for it in items])
    return Processed(items, signatures, stems, predictions)


def _call_process(kind: str, body: bytes, url: str, content_type: str | None,
                  rules: ScrapeRules | None, fetched_at: datetime) -> Processed:
    """Positional wrapper for :func:`process_document` (executors pass no keywords)."""
    return process_document(kind, body, url=url, content_type=content_type, rules=rules,
                            fetched_at=fetched_at)


def printable(text: str) -> str:
    """``text`` with anything UTF-8 cannot encode (lone surrogates) escaped, so an error
    message that quotes hostile input can always be stored."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _labels(prediction: Prediction, version: str | None) -> list[Label]:
    return [Label(label=name, score=prediction.scores.get(name, 1.0), origin="model",
                  model_version=version) for name in prediction.labels]


class _Run:
    """State of one update run; lives in the main process."""

    def __init__(self, storage: Storage, model: DomainModel | None, now: datetime,
                 progress: ProgressFn | None) -> None:
        self.storage = storage
        self.model = model
        self.model_version = model.version if model is not None else None
        self.now = now
        self.pool = make_pool(model)
        self.progress = progress
        self._index: dedupe.StoryIndex | None = None
        # story key (cluster id, or -item id for a story told once) → its sources
        self.story_sources: dict[int, set[int]] = {}
        self.promoted: dict[int, int] = {}  # -item id → the cluster its story became
        self.results: list[SourceResult] = []
        self.classified = 0
        self.queue: asyncio.Queue[_Fetched | _Failed | None] = asyncio.Queue()

    # -- fetching and processing (concurrent) ------------------------------------------------
    async def _in_pool(self, url: str, fn: Callable[..., Processed], *args: Any) -> Processed:
        """Run ``fn`` in a worker; if a worker dies, start a new pool and try once more.

        A document that kills a worker twice (a crash in a C parser) fails its source with
        a clear error instead of breaking every other source of the run.
        """
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            pool = self.pool
            try:
                return await loop.run_in_executor(pool, fn, *args)
            except BrokenProcessPool:
                if self.pool is pool:
                    pool.shutdown(wait=False, cancel_futures=True)
                    self.pool = make_pool(self.model)
                if attempt == 2:
                    raise ParseError(url, "a worker process crashed on this document "
                                          "twice; it is skipped until it changes") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Stop the worker processes."""
        self.pool.shutdown(wait=True, cancel_futures=True)

    async def source(self, fetcher: Fetcher, state: SourceState) -> None:
        """Fetch and process one source and queue the outcome; never raises."""
        spec = state.spec
        outcome: _Fetched | _Failed
        try:
            fetched = await fetcher.fetch(spec.url, etag=state.etag,
                                          last_modified=state.last_modified)
            processed = _NOTHING
            if not fetched.not_modified and fetched.body is not None:
                processed = await self._in_pool(
                    spec.url, _call_process, spec.kind, fetched.body, spec.url,
                    fetched.headers.get("content-type"), spec.scrape, datetime.now(UTC))
                if spec.full_text and processed.items:
                    processed = await self._fulltext(fetcher, state, processed)
            outcome = _Fetched(state, processed, fetched.etag, fetched.last_modified,
                               fetched.max_age_s, fetched.status)
        except FetchError as exc:  # the HTTP status or network error says it all
            log.warning("source %s: %s", spec.url, exc)
            outcome = _Failed(state, str(exc), exc.retry_after_s, exc.status)
        except NieuwsradarError as exc:
            log.warning("source %s: %s", spec.url, exc, exc_info=exc)
            outcome = _Failed(state, str(exc), None, None)
        except Exception as exc:  # one broken source must not stop the run
            log.error("source %s: unexpected error", spec.url, exc_info=exc)
            outcome = _Failed(state, f"unexpected {type(exc).__name__}: {exc}", None, None)
        await self.queue.put(outcome)

    async def _fulltext(self, fetcher: Fetcher, state: SourceState,
                        processed: Processed) -> Processed:
        """Fetch the article pages of items not stored yet and extract their text."""
        known = self.storage.existing_guids(state.id, [it.guid for it in processed.items])
        wanted = [it for it in processed.items
                  if it.guid not in known and it.url][:MAX_FULLTEXT_PER_SOURCE]

        async def page(item: NewItem) -> tuple[str, bytes | None]:
            try:
                return item.guid, (await fetcher.fetch(item.url)).body
            except FetchError:
                return item.guid, None

        pages = {guid: body for guid, body in await asyncio.gather(*map(page, wanted)) if body}
        if not pages:
            return processed
        return await self._in_pool(state.spec.url, process_fulltext, processed.items, pages,
                                   state.spec.content_selector)

    # -- writing (one writer, batched transactions) -----------------------------------------
    async def writer(self) -> None:
        """Write queued outcomes until the None sentinel, many sources per transaction.

        After the first outcome it lingers up to :data:`WRITE_LINGER_S` for more: each
        commit rewrites the index pages it touched and flushes a new FTS segment, so
        fewer, larger transactions are much cheaper than one per source.
        """
        loop = asyncio.get_running_loop()
        done = False
        while not done:
            batch = [await self.queue.get()]
            until = loop.time() + WRITE_LINGER_S
            while len(batch) < WRITE_BATCH and batch[-1] is not None:
                if not self.queue.empty():
                    batch.append(self.queue.get_nowait())
                    continue
                try:
                    batch.append(await asyncio.wait_for(self.queue.get(),
                                                        until - loop.time()))
                except TimeoutError:
                    break
            done = batch[-1] is None
            self._write_batch([o for o in batch if o is not None])

    def _write_batch(self, batch: list[_Fetched | _Failed]) -> None:
        if not batch:
            return
        try:
            with self.storage.transaction():
                results = [self._write(outcome) for outcome in batch]
        except Exception:
            # Something in the batch could not be written: write each source alone, so
            # only the source at fault is recorded as failed.
            self._forget_unwritten()
            results = [self._write_alone(outcome) for outcome in batch]
        for result in results:
            self.results.append(result)
            if self.progress is not None:
                self.progress(result)

    def _forget_unwritten(self) -> None:
        """After a rollback: drop the story state that may name rolled-back items or
        clusters; the index is read again from what was committed."""
        self._index = None
        self.promoted.clear()

    def _write_alone(self, outcome: _Fetched | _Failed) -> SourceResult:
        """Write one source in its own transaction; any failure fails this source alone.

        The failure is recorded on the source when it still exists. A source removed
        while the run was fetching it is reported and skipped.
        """
        state = outcome.state
        try:
            with self.storage.transaction():
                return self._write(outcome)
        except Exception as exc:  # record it on the source and keep the run going
            self._forget_unwritten()
            log.error("source %s: cannot store", state.spec.url, exc_info=exc)
            failure = _Failed(state, f"cannot store: {printable(str(exc))}", None, None)
        if not self.storage.source_exists(state.id):
            log.warning("source %s was removed during the update; skipped", state.spec.url)
            return SourceResult(source_id=state.id, url=state.spec.url, name=state.spec.name,
                                ok=False, error="the source was removed during the update; "
                                                "nothing was stored")
        with self.storage.transaction():
            return self._write(failure)

    def _write(self, outcome: _Fetched | _Failed) -> SourceResult:
        if isinstance(outcome, _Failed):
            return self._write_failure(outcome)
        state, processed, storage = outcome.state, outcome.processed, self.storage
        items = processed.items
        if not items:
            return self._write_unchanged(outcome)
        index = self.index  # loaded before these items are stored, so none matches itself
        upserted = storage.upsert_items(state.id, items, processed.signatures, processed.stems)
        changed = set(upserted.new_ids) | set(upserted.updated_ids)
        ids = upserted.ids
        if changed and processed.predictions is not None:
            rows = [(ids[it.guid], _labels(pred, self.model_version))
                    for it, pred in zip(items, processed.predictions, strict=True)
                    if ids.get(it.guid) in changed]
            storage.set_model_labels(rows)
            self.classified += len(rows)
        duplicates = self._cluster(index, state.id, upserted.new_ids, ids, processed)
        interval = polling.adaptive_interval_s([it.published_at for it in items],
                                               self.now, default_s=state.spec.interval_s)
        storage.record_fetch_ok(
            state.id, at=self.now, etag=outcome.etag, last_modified=outcome.last_modified,
            next_check_at=polling.next_check_at(self.now, interval, max_age_s=outcome.max_age_s),
            interval_s=interval)
        return SourceResult(
            source_id=state.id, url=state.spec.url, name=state.spec.name, ok=True,
            status=outcome.status, not_modified=outcome.status == 304,
            new=len(upserted.new_ids), updated=len(upserted.updated_ids), duplicates=duplicates)

    @property
    def index(self) -> dedupe.StoryIndex:
        """The recent stories, loaded when the first new item needs them (not on 304s).

        A story told by one item so far has no cluster row; the index knows it by the
        negative item id until a second item joins it (see :meth:`_cluster`).
        """
        if self._index is None:
            self._index = dedupe.StoryIndex()
            recent = self.storage.recent_signatures(self.now - STORY_WINDOW)
            self._index.add_many([item_id for item_id, _, _ in recent],
                                 [cluster_id or -item_id for item_id, cluster_id, _ in recent],
                                 dedupe.signature_matrix([sig for _, _, sig in recent]))
        return self._index

    def _cluster(self, index: dedupe.StoryIndex, source_id: int, new_ids: Sequence[int],
                 ids: dict[str, int], processed: Processed) -> int:
        """Attach new items to the story they repeat; count repeats from other sources.

        Most items tell a story of their own: they stay out of the clusters table (no
        extra writes). The first repeat of a story gives it a cluster row.
        """
        if not new_ids:
            return 0
        sig_by_id = {ids[it.guid]: sig for it, sig in
                     zip(processed.items, processed.signatures, strict=True) if it.guid in ids}
        signed = [item_id for item_id in new_ids if sig_by_id.get(item_id)]
        matrix = dedupe.signature_matrix([sig_by_id[item_id] or b"" for item_id in signed])
        matched = dict(zip(signed, index.match_many(matrix), strict=True))
        joins: list[tuple[int, int | None]] = []
        story_of: dict[int, int] = {}
        duplicates = 0
        for item_id in new_ids:
            story = matched.get(item_id)
            if story is None:
                story = -item_id
            else:
                story = self.promoted.get(story, story)
                if story < 0:  # first repeat of a story told once: it becomes a cluster
                    cluster_id = self.storage.assign_clusters([(-story, None)])[-story]
                    self.promoted[story] = cluster_id
                    self.story_sources[cluster_id] = self.story_sources.pop(story, set())
                    story = cluster_id
                if source_id not in self.story_sources.get(story, ()):
                    duplicates += 1
                joins.append((item_id, story))
            self.story_sources.setdefault(story, set()).add(source_id)
            story_of[item_id] = story
        if joins:
            self.storage.assign_clusters(joins)
        index.add_many(signed, [story_of[item_id] for item_id in signed], matrix)
        return duplicates

    def _write_unchanged(self, outcome: _Fetched) -> SourceResult:
        """A 304 (or an empty document): only the fetch state changes."""
        state = outcome.state
        self.storage.record_fetch_ok(
            state.id, at=self.now, etag=outcome.etag, last_modified=outcome.last_modified,
            next_check_at=polling.next_check_at(self.now, state.interval_s,
                                                max_age_s=outcome.max_age_s),
            interval_s=state.interval_s)
        return SourceResult(source_id=state.id, url=state.spec.url, name=state.spec.name,
                            ok=True, status=outcome.status,
                            not_modified=outcome.status == 304)

    def _write_failure(self, failure: _Failed) -> SourceResult:
        state = failure.state
        next_at = polling.next_check_at(self.now, state.interval_s,
                                        error_count=state.error_count + 1,
                                        retry_after_s=failure.retry_after_s)
        self.storage.record_fetch_error(state.id, at=self.now, error=printable(failure.error),
                                        next_check_at=next_at)
        return SourceResult(source_id=state.id, url=state.spec.url, name=state.spec.name,
                            ok=False, status=failure.status, error=failure.error)


def make_pool(model: DomainModel | None) -> Executor:
    """A process pool of one worker per core whose workers inherit ``model`` by fork."""
    global _WORKER_MODEL  # set once per pool, read by the forked workers
    _WORKER_MODEL = model
    workers = max(1, min(2, os.cpu_count() or 1))
    return ProcessPoolExecutor(max_workers=workers, initializer=_worker_init,
                               mp_context=multiprocessing.get_context("fork"))


def _worker_init() -> None:
    """Set up a worker: a lower priority than the main process, and death with it.

    The main process fetches and writes for all workers, so it goes first. Linux ends the
    worker when the update process dies (even by SIGKILL); without that a killed
    ``nieuwsradar update`` would leave its workers waiting forever.
    """
    os.nice(WORKER_NICENESS)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(0)


def run_update(
    storage: Storage, sources: Sequence[SourceState], *, model: DomainModel | None,
    workers: int = 32, per_host: int = 4, limits: FetchLimits | None = None,
    progress: ProgressFn | None = None,
) -> UpdateResult:
    """Fetch and ingest ``sources``; return the run summary. Never raises for one source."""
    started = time.perf_counter()
    run = _Run(storage, model, datetime.now(UTC), progress)
    try:
        asyncio.run(_fetch_all(run, sources, workers, per_host, limits or FetchLimits()))
    finally:
        run.close()
    results = tuple(run.results)
    return UpdateResult(
        sources=results, elapsed_s=time.perf_counter() - started,
        items_new=sum(r.new for r in results), items_updated=sum(r.updated for r in results),
        duplicates=sum(r.duplicates for r in results),
        classified=run.classified, failures=tuple(r for r in results if not r.ok))


async def _fetch_all(run: _Run, sources: Sequence[SourceState], workers: int, per_host: int,
                     limits: FetchLimits) -> None:
    gate = asyncio.Semaphore(workers)

    async def one(state: SourceState, fetcher: Fetcher) -> None:
        async with gate:
            await run.source(fetcher, state)

    writer = asyncio.create_task(run.writer())
    try:
        async with Fetcher(limits, max_connections=workers, per_host=per_host) as fetcher:
            await asyncio.gather(*(one(s, fetcher) for s in sources))
    finally:
        await run.queue.put(None)
        await writer


def reclassify(storage: Storage, model: DomainModel, *, batch_size: int = 1000,
               progress: Callable[[int], None] | None = None) -> int:
    """Re-tag every stored item with ``model`` (after retraining); human labels stay.

    Each batch is written in its own transaction, so an interrupted run leaves every item
    with either its old or its new model labels. Returns the number of items classified.
    """
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
