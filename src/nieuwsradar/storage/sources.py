"""Sources: their configuration (from feeds.toml / OPML), their fetch state, and the
leases that keep concurrent update runs from fetching one source at the same time."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from nieuwsradar.storage.base import StorageBase
from nieuwsradar.storage.convert import from_db_opt, to_db, to_db_opt
from nieuwsradar.types import ScrapeRules, SourceSpec, SourceState

_SELECT = (
    "SELECT s.id, s.url, s.kind, s.name, s.publisher, s.default_domains, s.settings, "
    "s.etag, s.last_modified, s.next_check_at, s.interval_s, s.last_error, s.error_count, "
    "s.last_ok_at, s.last_checked_at, "
    "(SELECT count(*) FROM items i WHERE i.source_id = s.id) FROM sources s"
)


def _settings_json(spec: SourceSpec) -> str:
    scrape = spec.scrape
    return json.dumps({
        "interval_s": spec.interval_s,
        "full_text": spec.full_text,
        "content_selector": spec.content_selector,
        "scrape": None if scrape is None else {
            "item": scrape.item, "title": scrape.title, "link": scrape.link,
            "date": scrape.date, "date_attr": scrape.date_attr, "summary": scrape.summary,
        },
    }, ensure_ascii=False)


def _state(row: tuple[Any, ...]) -> SourceState:
    settings = json.loads(row[6])
    scrape = settings.get("scrape")
    spec = SourceSpec(
        url=row[1], kind=row[2], name=row[3], publisher=row[4],
        default_domains=tuple(json.loads(row[5])),
        interval_s=int(settings.get("interval_s", row[10])),
        full_text=bool(settings.get("full_text", False)),
        content_selector=settings.get("content_selector"),
        scrape=None if scrape is None else ScrapeRules(**scrape),
    )
    return SourceState(
        id=row[0], spec=spec, etag=row[7], last_modified=row[8],
        next_check_at=from_db_opt(row[9]), interval_s=row[10], last_error=row[11],
        error_count=row[12], last_ok_at=from_db_opt(row[13]),
        last_checked_at=from_db_opt(row[14]), item_count=row[15],
    )


class SourcesMixin(StorageBase):
    """Source configuration and fetch bookkeeping."""

    def upsert_source(self, spec: SourceSpec) -> int:
        """Insert the source, or update its configuration when its url is known; the
        fetch state (etag, schedule, errors) of a known source is kept. Returns its id."""
        now = to_db(datetime.now(UTC), "created_at")
        with self.transaction():
            row = self._conn.execute(
                "INSERT INTO sources (url, kind, name, publisher, default_domains, settings, "
                "interval_s, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (url) DO UPDATE SET kind = excluded.kind, name = excluded.name, "
                "publisher = excluded.publisher, default_domains = excluded.default_domains, "
                "settings = excluded.settings RETURNING id",
                (spec.url, spec.kind, spec.name, spec.publisher,
                 json.dumps(list(spec.default_domains), ensure_ascii=False),
                 _settings_json(spec), spec.interval_s, now),
            ).fetchone()
        return int(row[0])

    def list_sources(self) -> list[SourceState]:
        """All sources, by name."""
        with self._reading():
            rows = self._conn.execute(f"{_SELECT} ORDER BY s.name, s.id").fetchall()
        return [_state(r) for r in rows]

    def get_source(self, source_id: int) -> SourceState:
        """One source; StorageError when there is none with this id."""
        with self._reading():
            row = self._conn.execute(f"{_SELECT} WHERE s.id = ?", (source_id,)).fetchone()
        if row is None:
            raise self._fail(f"there is no source with id {source_id}")
        return _state(row)

    def source_exists(self, source_id: int) -> bool:
        """Whether a source with this id exists (it may be removed while an update runs)."""
        with self._reading():
            return self._conn.execute(
                "SELECT 1 FROM sources WHERE id = ?", (source_id,)).fetchone() is not None

    def source_id_by_url(self, url: str) -> int | None:
        """The id of the source with this exact url, or None."""
        with self._reading():
            row = self._conn.execute("SELECT id FROM sources WHERE url = ?", (url,)).fetchone()
        return None if row is None else int(row[0])

    def due_sources(self, now: datetime) -> list[SourceState]:
        """Sources never checked or whose next check is at or before ``now``,
        most overdue first."""
        with self._reading():
            rows = self._conn.execute(
                f"{_SELECT} WHERE s.next_check_at IS NULL OR s.next_check_at <= ? "
                "ORDER BY s.next_check_at, s.id",
                (to_db(now, "now"),),
            ).fetchall()
        return [_state(r) for r in rows]

    def claim_sources(self, owner: str, *, now: datetime, until: datetime,
                      due_only: bool = True) -> list[SourceState]:
        """Lease to ``owner`` until ``until`` the sources that no other run holds (no lease,
        or one expired at ``now``) and, with ``due_only``, that are due; return them,
        most overdue first.

        One short write transaction, so two runs claiming at once never get one source
        both. A lease ends when the source's fetch is recorded, or with
        :meth:`release_sources`.
        """
        at = to_db(now, "now")
        with self.transaction():
            ids = [r[0] for r in self._conn.execute(
                "UPDATE sources SET lease_owner = ?, lease_until = ? "
                "WHERE (lease_until IS NULL OR lease_until <= ?) "
                "AND (? = 0 OR next_check_at IS NULL OR next_check_at <= ?) RETURNING id",
                (owner, to_db(until, "until"), at, int(due_only), at),
            )]
            rows = self._conn.execute(
                f"{_SELECT} WHERE s.id IN (SELECT value FROM json_each(?)) "  # noqa: S608 - constant
                "ORDER BY s.next_check_at, s.id", (json.dumps(ids),),
            ).fetchall()
        return [_state(r) for r in rows]

    def lease_owners(self) -> list[str]:
        """The owners of the leases currently held (expired or not)."""
        with self._reading():
            return [r[0] for r in self._conn.execute(
                "SELECT DISTINCT lease_owner FROM sources WHERE lease_owner IS NOT NULL")]

    def renew_leases(self, owner: str, *, until: datetime) -> int:
        """Extend every lease ``owner`` still holds to ``until``; return how many."""
        with self.transaction():
            cur = self._conn.execute("UPDATE sources SET lease_until = ? WHERE lease_owner = ?",
                                     (to_db(until, "until"), owner))
        return cur.rowcount

    def release_sources(self, owner: str) -> None:
        """End every lease that ``owner`` still holds."""
        with self.transaction():
            self._conn.execute("UPDATE sources SET lease_owner = NULL, lease_until = NULL "
                               "WHERE lease_owner = ?", (owner,))

    def record_fetch_ok(
        self, source_id: int, *, at: datetime, etag: str | None, last_modified: str | None,
        next_check_at: datetime, interval_s: int,
    ) -> None:
        """Record a successful check (also a 304): new validators and schedule, errors
        cleared, the lease ended."""
        with self.transaction():
            cur = self._conn.execute(
                "UPDATE sources SET etag = ?, last_modified = ?, next_check_at = ?, "
                "interval_s = ?, last_ok_at = ?, last_checked_at = ?, last_error = NULL, "
                "error_count = 0, lease_owner = NULL, lease_until = NULL WHERE id = ?",
                (etag, last_modified, to_db(next_check_at, "next_check_at"), interval_s,
                 to_db(at, "at"), to_db(at, "at"), source_id),
            )
            if cur.rowcount == 0:
                raise self._fail(f"there is no source with id {source_id}")

    def record_fetch_error(
        self, source_id: int, *, at: datetime, error: str, next_check_at: datetime
    ) -> None:
        """Record a failed check: the error text, one more consecutive error, when to
        try again; the lease ended."""
        with self.transaction():
            cur = self._conn.execute(
                "UPDATE sources SET last_error = ?, error_count = error_count + 1, "
                "last_checked_at = ?, next_check_at = ?, lease_owner = NULL, "
                "lease_until = NULL WHERE id = ?",
                (error, to_db(at, "at"), to_db_opt(next_check_at, "next_check_at"),
                 source_id),
            )
            if cur.rowcount == 0:
                raise self._fail(f"there is no source with id {source_id}")

    def source_names(self) -> list[tuple[int, str]]:
        """(id, name) of every source, by name: cheap (no item counts), for pickers."""
        with self._reading():
            rows = self._conn.execute("SELECT id, name FROM sources ORDER BY name, id")
            return [(int(r[0]), str(r[1])) for r in rows]
