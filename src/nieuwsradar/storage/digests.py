"""The digest's reads (a week's items, the sources of their stories) and its send log.

The send log has one row per (member, ISO week). Its states make sending idempotent::

    (no row) / pending ──claim──► sending ──► sent
                                    │  └────► pending   (temporary failure: retried later)
                                    │  └────► failed    (permanent failure: shown, not retried)
                                    └─(run died)─► uncertain (reported, never resent)
    (no row) ──► empty   (nothing for the member this week and no note wanted)

``claim_send`` commits 'sending' *before* the message goes to the SMTP server; only a
row in 'pending' (or no row) can be claimed, so no run ever sends a member's week twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from nieuwsradar.storage.base import StorageBase
from nieuwsradar.storage.convert import from_db_opt, json_ids, load_items, to_db
from nieuwsradar.types import Item, SendRecord, SendStatus

_SEND_SELECT = (
    "SELECT d.member_id, m.email, d.period, d.status, d.message_id, d.subject, d.item_ids, "
    "d.attempts, d.last_error, d.updated_at, d.sent_at FROM digest_sends d "
    "JOIN members m ON m.id = d.member_id"
)


def _now() -> str:
    return to_db(datetime.now(UTC), "now")


def _record(r: Sequence[object]) -> SendRecord:
    return SendRecord(
        member_id=r[0], email=r[1], period=r[2], status=r[3],  # type: ignore[arg-type]
        message_id=r[4], subject=r[5], item_ids=tuple(json.loads(r[6])),  # type: ignore[arg-type]
        attempts=r[7], last_error=r[8], updated_at=from_db_opt(r[9]),  # type: ignore[arg-type]
        sent_at=from_db_opt(r[10]))  # type: ignore[arg-type]


class DigestsMixin(StorageBase):
    """A week's items for the digest, and the per-(member, week) send log."""

    # -- reading items -------------------------------------------------------------------
    def items_between(self, start: datetime, end: datetime) -> list[Item]:
        """Items published in [start, end), newest first, with labels and source name."""
        with self._reading():
            ids = [r[0] for r in self._conn.execute(
                "SELECT id FROM items WHERE published_at >= ? AND published_at < ? "
                "ORDER BY published_at DESC, id DESC",
                (to_db(start, "start"), to_db(end, "end")))]
            return load_items(self._conn, ids)

    def newest_published_at(self) -> datetime | None:
        """When the newest item was published (None for an empty archive)."""
        with self._reading():
            row = self._conn.execute("SELECT max(published_at) FROM items").fetchone()
        return from_db_opt(row[0])

    def story_sources(self, cluster_ids: Sequence[int]) -> dict[int, list[tuple[int, str]]]:
        """For each cluster: its items as (item id, source name), earliest first."""
        out: dict[int, list[tuple[int, str]]] = {}
        with self._reading():
            for cluster_id, item_id, name in self._conn.execute(
                    "SELECT i.cluster_id, i.id, s.name FROM items i "
                    "JOIN sources s ON s.id = i.source_id "
                    "WHERE i.cluster_id IN (SELECT value FROM json_each(?)) "
                    "ORDER BY i.published_at, i.id", (json_ids(cluster_ids),)):
                out.setdefault(cluster_id, []).append((item_id, name))
        return out

    def source_domains(self) -> dict[int, tuple[str, ...]]:
        """Each source's configured domains (a hint of what it specialises in)."""
        with self._reading():
            return {r[0]: tuple(json.loads(r[1])) for r in self._conn.execute(
                "SELECT id, default_domains FROM sources")}

    # -- the send log --------------------------------------------------------------------
    def send_records(self, period: str | None = None, member_id: int | None = None
                     ) -> list[SendRecord]:
        """Send log rows of one week and/or one member, newest week first, by e-mail."""
        clauses: list[str] = []
        params: list[object] = []
        if period is not None:
            clauses.append("d.period = ?")
            params.append(period)
        if member_id is not None:
            clauses.append("d.member_id = ?")
            params.append(member_id)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._reading():
            rows = self._conn.execute(
                f"{_SEND_SELECT}{where} ORDER BY d.period DESC, m.email", params).fetchall()
        return [_record(r) for r in rows]

    def send_periods(self) -> list[tuple[str, dict[str, int]]]:
        """Every week in the send log with its count per status, newest first."""
        weeks: dict[str, dict[str, int]] = {}
        with self._reading():
            for period, status, count in self._conn.execute(
                    "SELECT period, status, count(*) FROM digest_sends "
                    "GROUP BY period, status ORDER BY period DESC"):
                weeks.setdefault(period, {})[status] = count
        return list(weeks.items())

    def settle_in_flight(self, period: str) -> int:
        """Mark the week's 'sending' rows 'uncertain': a run died while they were with the
        SMTP server, so they may or may not have arrived. Call only while holding the
        send lock (no other run is sending). Returns how many."""
        with self.transaction():
            return self._conn.execute(
                "UPDATE digest_sends SET status = 'uncertain', updated_at = ?, last_error = "
                "'de verzending werd onderbroken; mogelijk is dit bericht wel aangekomen' "
                "WHERE period = ? AND status = 'sending'", (_now(), period)).rowcount

    def claim_send(self, member_id: int, period: str, message_id: str, subject: str,
                   item_ids: Sequence[int]) -> bool:
        """Commit 'sending' for (member, week) before the SMTP transaction. False when the
        week is already sent, failed, uncertain or being sent: then do not send."""
        now = _now()
        with self.transaction():
            cursor = self._conn.execute(
                "INSERT INTO digest_sends (member_id, period, status, message_id, subject, "
                "item_ids, attempts, updated_at) VALUES (?, ?, 'sending', ?, ?, ?, 1, ?) "
                "ON CONFLICT (member_id, period) DO UPDATE SET status = 'sending', "
                "message_id = excluded.message_id, subject = excluded.subject, "
                "item_ids = excluded.item_ids, attempts = attempts + 1, "
                "updated_at = excluded.updated_at WHERE status = 'pending'",
                (member_id, period, message_id, subject, json_ids(item_ids), now))
            return cursor.rowcount == 1

    def finish_send(self, member_id: int, period: str, status: SendStatus,
                    error: str | None = None) -> None:
        """Record the outcome of a claimed send: 'sent', 'pending' (temporary failure,
        a later run retries) or 'failed' (permanent)."""
        now = _now()
        with self.transaction():
            self._conn.execute(
                "UPDATE digest_sends SET status = ?, last_error = ?, updated_at = ?, "
                "sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END "
                "WHERE member_id = ? AND period = ? AND status = 'sending'",
                (status, error, now, status, now, member_id, period))

    def record_empty(self, member_id: int, period: str) -> None:
        """Record that the member had nothing this week (so status can say so)."""
        with self.transaction():
            self._conn.execute(
                "INSERT INTO digest_sends (member_id, period, status, updated_at) "
                "VALUES (?, ?, 'empty', ?) ON CONFLICT (member_id, period) DO NOTHING",
                (member_id, period, _now()))

    def release_uncertain(self, member_id: int, period: str) -> bool:
        """Let an 'uncertain' week be sent again (a coordinator checked it did not
        arrive). True when there was such a row."""
        with self.transaction():
            return self._conn.execute(
                "UPDATE digest_sends SET status = 'pending', updated_at = ? "
                "WHERE member_id = ? AND period = ? AND status = 'uncertain'",
                (_now(), member_id, period)).rowcount == 1
