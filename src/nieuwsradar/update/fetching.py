"""Fetch one source and have a worker process the document: one outcome per source.

Never raises: a failed fetch, an unreadable document or any unexpected error becomes a
:class:`~nieuwsradar.update.writer.Failed` outcome (logged, with the traceback where it
says more than the message).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from nieuwsradar.errors import FetchError, NieuwsradarError
from nieuwsradar.fetch import Fetcher
from nieuwsradar.storage import Storage
from nieuwsradar.types import NewItem, SourceState
from nieuwsradar.update import work
from nieuwsradar.update.pool import WorkerPool
from nieuwsradar.update.writer import Failed, Fetched, Outcome

log = logging.getLogger(__name__)

#: Article pages fetched for full-text extraction per source and run (politeness bound).
MAX_FULLTEXT_PER_SOURCE = 100


class SourceFetcher:
    """Fetches sources over a shared HTTP client and processes them in the pool."""

    def __init__(self, fetcher: Fetcher, pool: WorkerPool, storage: Storage) -> None:
        self.fetcher = fetcher
        self.pool = pool
        self.storage = storage

    async def outcome(self, state: SourceState) -> Outcome:
        """Fetch and process one source."""
        spec = state.spec
        try:
            fetched = await self.fetcher.fetch(spec.url, etag=state.etag,
                                               last_modified=state.last_modified)
            processed = work.NOTHING
            if not fetched.not_modified and fetched.body is not None:
                processed = await self.pool.run(
                    spec.url, work.call_process, spec.kind, fetched.body, spec.url,
                    fetched.headers.get("content-type"), spec.scrape, datetime.now(UTC))
                if spec.full_text and processed.items:
                    processed = await self._fulltext(state, processed)
            return Fetched(state, processed, fetched.etag, fetched.last_modified,
                           fetched.max_age_s, fetched.status)
        except FetchError as exc:  # the HTTP status or network error says it all
            log.warning("source %s: %s", spec.url, exc)
            return Failed(state, str(exc), exc.retry_after_s, exc.status)
        except NieuwsradarError as exc:
            log.warning("source %s: %s", spec.url, exc, exc_info=exc)
            return Failed(state, str(exc), None, None)
        except Exception as exc:  # one broken source must not stop the run
            log.error("source %s: unexpected error", spec.url, exc_info=exc)
            return Failed(state, f"unexpected {type(exc).__name__}: {exc}", None, None)

    async def _fulltext(self, state: SourceState, processed: work.Processed) -> work.Processed:
        """Fetch the article pages of items not stored yet and extract their text."""
        known = self.storage.existing_guids(state.id, [it.guid for it in processed.items])
        wanted = [it for it in processed.items
                  if it.guid not in known and it.url][:MAX_FULLTEXT_PER_SOURCE]

        async def page(item: NewItem) -> tuple[str, bytes | None]:
            try:
                return item.guid, (await self.fetcher.fetch(item.url)).body
            except FetchError:
                return item.guid, None

        pages = {guid: body for guid, body in await asyncio.gather(*map(page, wanted)) if body}
        if not pages:
            return processed
        return await self.pool.run(state.spec.url, work.process_fulltext, processed.items,
                                   pages, state.spec.content_selector)
