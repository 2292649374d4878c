"""Facade part: what the long-running service needs: recorded polls and its health.

A *poll* is one scheduled update of the sources that are due. Its start and end are kept
in the database (``meta``), not in the memory of the service, so ``/health`` and any
other process (a CLI, a second web worker) give the same answer, and an abandoned poll
(started, never finished) stays visible after a restart.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from nieuwsradar import config
from nieuwsradar.core.ingest import IngestPart
from nieuwsradar.core.sources import SourcesPart, SyncResult
from nieuwsradar.errors import ConfigError, StorageError
from nieuwsradar.storage.meta import probe
from nieuwsradar.types import UpdateResult

log = logging.getLogger(__name__)

#: A source failing for longer than this is flagged by ``/health``.
FAILING_AFTER = timedelta(days=1)
_STARTED = "poll.started_at"
_FINISHED = "poll.finished_at"
_OUTCOME = "poll.outcome"


@dataclass(frozen=True, slots=True)
class PollRecord:
    """The last poll: when it started and ended, and what it did (or why it failed)."""

    started_at: datetime | None = None
    finished_at: datetime | None = None
    sources: int = 0
    sources_failed: int = 0
    items_new: int = 0
    error: str | None = None

    @property
    def running(self) -> bool:
        """True while a poll is under way (or was abandoned: started, never finished)."""
        return self.started_at is not None and (
            self.finished_at is None or self.finished_at < self.started_at)


@dataclass(frozen=True, slots=True)
class FailingSource:
    """A source that has failed at every check since ``since``."""

    id: int
    name: str
    url: str
    since: datetime
    error_count: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class Health:
    """The service's health: database usable, the last poll, sources failing for long."""

    database_error: str | None
    last_poll: PollRecord
    failing: tuple[FailingSource, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the database is usable (failing sources do not make the service ill)."""
        return self.database_error is None


_NOTHING_DUE = UpdateResult()


class ServicePart(SourcesPart, IngestPart):
    """Scheduled polls with their record in the database, and the health report."""

    def poll(self, *, sync_feeds: bool = True) -> UpdateResult:
        """Update the sources that are due and record the poll's start and end.

        With ``sync_feeds`` the feeds file is synced first, so an edited feeds.toml takes
        effect at the next poll without a restart; a mistake in it is logged and recorded
        as the poll's error, and the sources already stored are polled all the same. Any
        other exception is recorded as the poll's outcome and raised again.
        """
        db = self._db
        started = datetime.now(UTC)
        db.set_meta_values({_STARTED: started.isoformat(), _OUTCOME: None})
        problem: str | None = None
        try:
            if sync_feeds:
                try:
                    self.sync_configured_feeds()
                except ConfigError as exc:
                    problem = str(exc)
                    log.error("poll: the feeds file is not used until fixed: %s", problem)
            # Most polls find nothing due: skip the run (and its worker processes) then.
            result = self.update() if db.any_due(datetime.now(UTC)) else _NOTHING_DUE
        except Exception as exc:
            db.set_meta_values({_FINISHED: datetime.now(UTC).isoformat(),
                                _OUTCOME: json.dumps({"error": str(exc)}, ensure_ascii=False)})
            raise
        db.set_meta_values({
            _FINISHED: datetime.now(UTC).isoformat(),
            _OUTCOME: json.dumps({"sources": len(result.sources),
                                  "sources_failed": result.sources_failed,
                                  "items_new": result.items_new, "error": problem},
                                 ensure_ascii=False),
        })
        # A poll with nothing due (most of them) is not worth a line in the log.
        log.log(logging.INFO if result.sources else logging.DEBUG,
                "poll: %d sources checked, %d failed, %d new items in %.1f s",
                len(result.sources), result.sources_failed, result.items_new,
                result.elapsed_s)
        return result

    def sync_configured_feeds(self) -> SyncResult | None:
        """Sync the feeds file; without one, start an empty database with the shipped list.

        A new installation thus polls the real Dutch sources that ship with nieuwsradar
        (``config.SHIPPED_FEEDS``) out of the box. It happens only while no source is
        stored: sources imported from OPML, or shipped ones a coordinator removed, are never
        overruled by it. None when there was nothing to sync.
        """
        synced = self.sync_feeds_file()
        if synced is not None or self._db.list_sources():
            return synced
        synced = self.sync_sources(config.load_sources(config.SHIPPED_FEEDS))
        log.info("no feeds file (%s): started with the %d sources shipped with nieuwsradar",
                 self.settings.feeds, synced.added)
        return synced

    def last_poll(self) -> PollRecord:
        """The record of the last poll (empty when the service never polled)."""
        values = self._db.meta_values("poll.")
        outcome = json.loads(values.get(_OUTCOME) or "{}")
        return PollRecord(
            started_at=_when(values.get(_STARTED)), finished_at=_when(values.get(_FINISHED)),
            sources=int(outcome.get("sources", 0)),
            sources_failed=int(outcome.get("sources_failed", 0)),
            items_new=int(outcome.get("items_new", 0)), error=outcome.get("error"))

    def failing_sources(self, longer_than: timedelta = FAILING_AFTER) -> list[FailingSource]:
        """Sources that have failed at every check for longer than ``longer_than``."""
        db = self._db
        failing = db.failing_since(datetime.now(UTC) - longer_than)
        if not failing:
            return []
        states = {s.id: s for s in db.list_sources()}
        return [FailingSource(id=sid, name=states[sid].spec.name, url=states[sid].spec.url,
                              since=since, error_count=states[sid].error_count,
                              last_error=states[sid].last_error)
                for sid, since in failing if sid in states]

    def health(self) -> Health:
        """Check the database file afresh and report the last poll and failing sources.

        Never raises: an unusable database is reported in :attr:`Health.database_error`.
        """
        problem = probe(self.settings.db)
        if problem is None:
            try:
                return Health(None, self.last_poll(), tuple(self.failing_sources()))
            except StorageError as exc:
                problem = str(exc)
        log.error("health: database unusable: %s", problem)
        return Health(problem, PollRecord())


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
