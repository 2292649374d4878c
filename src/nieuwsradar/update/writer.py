"""The single writer of an update run: outcomes of sources in batched transactions.

Fetching and processing run concurrently and queue one outcome per source; the writer
stores them. It groups the outcomes that are ready into one transaction (each commit
rewrites the index pages it touched and flushes a new FTS segment, so fewer, larger
transactions are much cheaper than one per source); the search index rows and vocabulary
counts of the whole batch are gathered and written at its end
(:class:`~nieuwsradar.storage.fts.IndexBatch`). A source is always written whole,
so a killed process leaves every source either fully written or untouched.

Any exception while writing fails the source at fault alone: the batch is rolled back and
its sources are written one by one, the failing one records its error (and the traceback
is logged). A source removed while the run fetched it is reported and skipped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from nieuwsradar import polling
from nieuwsradar.storage import Storage
from nieuwsradar.storage.fts import IndexBatch
from nieuwsradar.types import SourceResult, SourceState
from nieuwsradar.update.labels import model_labels
from nieuwsradar.update.stories import Stories
from nieuwsradar.update.work import Processed

log = logging.getLogger(__name__)

#: At most this many sources are written in one transaction ...
WRITE_BATCH = 100
#: ... gathered for at most this long after the first one is ready.
WRITE_LINGER_S = 0.1


@dataclass(frozen=True, slots=True)
class Fetched:
    """A source fetched and processed, waiting for the writer."""

    state: SourceState
    processed: Processed
    etag: str | None
    last_modified: str | None
    max_age_s: int | None
    status: int


@dataclass(frozen=True, slots=True)
class Failed:
    """A source whose fetch or parse failed, waiting for the writer."""

    state: SourceState
    error: str
    retry_after_s: float | None
    status: int | None


Outcome = Fetched | Failed
#: Called with each source's result as soon as it is written.
ProgressFn = Callable[[SourceResult], None]


def printable(text: str) -> str:
    """``text`` with anything UTF-8 cannot encode (lone surrogates) escaped, so an error
    message that quotes hostile input can always be stored."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class Writer:
    """Stores outcomes; collects the per-source results of the run."""

    def __init__(self, storage: Storage, now: datetime, *,
                 progress: ProgressFn | None = None) -> None:
        self.storage = storage
        self.now = now
        self.stories = Stories(storage, now)
        self.progress = progress
        self.results: list[SourceResult] = []
        self.classified = 0

    async def drain(self, queue: asyncio.Queue[Outcome | None]) -> None:
        """Write queued outcomes until the None sentinel, many sources per transaction.

        After the first outcome it lingers up to :data:`WRITE_LINGER_S` for more.
        """
        loop = asyncio.get_running_loop()
        done = False
        while not done:
            batch = [await queue.get()]
            until = loop.time() + WRITE_LINGER_S
            while len(batch) < WRITE_BATCH and batch[-1] is not None:
                if not queue.empty():
                    batch.append(queue.get_nowait())
                    continue
                try:
                    batch.append(await asyncio.wait_for(queue.get(), until - loop.time()))
                except TimeoutError:
                    break
            done = batch[-1] is None
            self.write_batch([o for o in batch if o is not None])

    def write_batch(self, batch: list[Outcome]) -> list[SourceResult]:
        """Write the outcomes in one transaction (source by source if that fails)."""
        if not batch:
            return []
        try:
            with self.storage.transaction():
                index = IndexBatch()
                results = [self._write(outcome, index) for outcome in batch]
                self.storage.write_index(index)
        except Exception:  # each source is retried alone just below
            # Something in the batch could not be written: write each source alone, so
            # only the source at fault is recorded as failed.
            self.stories.forget()
            results = [self._write_alone(outcome) for outcome in batch]
        for result in results:
            self.results.append(result)
            if self.progress is not None:
                self.progress(result)
        return results

    def _write_alone(self, outcome: Outcome) -> SourceResult:
        state = outcome.state
        try:
            with self.storage.transaction():
                index = IndexBatch()
                result = self._write(outcome, index)
                self.storage.write_index(index)
                return result
        except Exception as exc:  # record it on the source and keep the run going
            self.stories.forget()
            log.error("source %s: cannot store", state.spec.url, exc_info=exc)
            failure = Failed(state, f"cannot store: {printable(str(exc))}", None, None)
        if not self.storage.source_exists(state.id):
            log.warning("source %s was removed during the update; skipped", state.spec.url)
            return SourceResult(source_id=state.id, url=state.spec.url, name=state.spec.name,
                                ok=False, error="the source was removed during the update; "
                                                "nothing was stored")
        with self.storage.transaction():
            return self._write_failure(failure)

    def _write(self, outcome: Outcome, index: IndexBatch) -> SourceResult:
        """Write one outcome; the search index rows of its items are gathered in
        ``index``, which the caller writes before its transaction ends."""
        if isinstance(outcome, Failed):
            return self._write_failure(outcome)
        state, processed, storage = outcome.state, outcome.processed, self.storage
        items = processed.items
        if not items:
            return self._write_unchanged(outcome)
        self.stories.load()  # before these items are stored, so none matches itself
        labels = None if processed.predictions is None else [
            model_labels(pred, processed.model_version) for pred in processed.predictions]
        upserted = storage.upsert_items(state.id, items, processed.signatures, processed.stems,
                                        labels, vocabulary_keys=processed.keys, index=index)
        changed = set(upserted.new_ids) | set(upserted.updated_ids)
        ids = upserted.ids
        if labels is not None:
            self.classified += len(changed)
        # Topic keys for trends, computed by the worker, stored with the items and labels
        # (the first of repeated items is the one stored, as in upsert_items).
        terms: dict[int, str] = {}
        for it, keys in zip(items, processed.terms, strict=True):
            if ids.get(it.guid) in changed:
                terms.setdefault(ids[it.guid], keys)
        storage.store_ingested_terms(terms)
        duplicates = self.stories.cluster(state.id, upserted.new_ids, ids, processed)
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

    def _write_unchanged(self, outcome: Fetched) -> SourceResult:
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

    def _write_failure(self, failure: Failed) -> SourceResult:
        state = failure.state
        next_at = polling.next_check_at(self.now, state.interval_s,
                                        error_count=state.error_count + 1,
                                        retry_after_s=failure.retry_after_s)
        self.storage.record_fetch_error(state.id, at=self.now, error=printable(failure.error),
                                        next_check_at=next_at)
        return SourceResult(source_id=state.id, url=state.spec.url, name=state.spec.name,
                            ok=False, status=failure.status, error=failure.error)
