"""Members, their subscriptions (domains and saved searches) and unsubscriptions.

A member is keyed on e-mail (case-insensitive). An unsubscribed member stays in the table
(inactive, with ``unsubscribed_at``) so a later import of an old member list cannot sign
them up again behind their back; ``remove_member`` deletes a member and everything about
them for good.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

from nieuwsradar.storage.base import StorageBase
from nieuwsradar.storage.convert import from_db, from_db_opt, to_db
from nieuwsradar.types import Member, Unsubscribe

_MEMBER_SELECT = (
    "SELECT id, email, name, organisation, network, active, note_when_empty, unsubscribed_at "
    "FROM members"
)


def _now() -> str:
    return to_db(datetime.now(UTC), "now")


def _subscriptions(conn: sqlite3.Connection, ids: Sequence[int]
                   ) -> dict[int, tuple[list[str], list[str]]]:
    subs: dict[int, tuple[list[str], list[str]]] = {i: ([], []) for i in ids}
    rows = conn.execute(
        "SELECT member_id, kind, value FROM subscriptions "
        "WHERE member_id IN (SELECT value FROM json_each(?)) ORDER BY id",
        (f"[{','.join(str(int(i)) for i in ids)}]",),
    )
    for member_id, kind, value in rows:
        subs[member_id][0 if kind == "domain" else 1].append(value)
    return subs


def _members(conn: sqlite3.Connection, rows: list[tuple[object, ...]]) -> list[Member]:
    subs = _subscriptions(conn, [int(r[0]) for r in rows])  # type: ignore[call-overload]
    out = []
    for r in rows:
        domains, searches = subs[r[0]]  # type: ignore[index]
        out.append(Member(
            id=r[0], email=r[1], name=r[2], organisation=r[3], network=r[4],  # type: ignore[arg-type]
            active=bool(r[5]), note_when_empty=bool(r[6]),
            unsubscribed_at=from_db_opt(r[7]), domains=tuple(domains),  # type: ignore[arg-type]
            searches=tuple(searches)))
    return out


class MembersMixin(StorageBase):
    """Members, subscriptions and the unsubscribe record."""

    def upsert_members(self, members: Sequence[Member]) -> tuple[int, int, list[str]]:
        """Add or update members (keyed on e-mail) with their subscriptions, all in one
        transaction. Returns (added, updated, e-mails of unsubscribed members left
        unsubscribed): an import never re-subscribes someone who left."""
        added = updated = 0
        kept_out: list[str] = []
        now = _now()
        with self.transaction():
            conn = self._conn
            for m in members:
                row = conn.execute("SELECT id, active FROM members WHERE email = ?",
                                   (m.email,)).fetchone()
                if row is None:
                    member_id = int(conn.execute(
                        "INSERT INTO members (email, name, organisation, network, active, "
                        "note_when_empty, created_at) VALUES (?, ?, ?, ?, 1, ?, ?)",
                        (m.email, m.name, m.organisation, m.network, int(m.note_when_empty),
                         now)).lastrowid or 0)
                    added += 1
                else:
                    member_id = row[0]
                    conn.execute(
                        "UPDATE members SET name = ?, organisation = ?, network = ?, "
                        "note_when_empty = ? WHERE id = ?",
                        (m.name, m.organisation, m.network, int(m.note_when_empty), member_id))
                    updated += 1
                    if not row[1]:
                        kept_out.append(m.email)
                self._replace_subscriptions(member_id, m.domains, m.searches, now)
        return added, updated, kept_out

    def _replace_subscriptions(self, member_id: int, domains: Sequence[str],
                               searches: Sequence[str], now: str) -> None:
        conn = self._conn
        conn.execute("DELETE FROM subscriptions WHERE member_id = ?", (member_id,))
        conn.executemany(
            "INSERT OR IGNORE INTO subscriptions (member_id, kind, value, created_at) "
            "VALUES (?, ?, ?, ?)",
            [(member_id, "domain", d, now) for d in domains]
            + [(member_id, "search", q, now) for q in searches])

    def set_subscription(self, member_id: int, domains: Sequence[str], searches: Sequence[str],
                         note_when_empty: bool) -> None:
        """Replace a member's domains, saved searches and empty-week preference."""
        with self.transaction():
            if not self._conn.execute("UPDATE members SET note_when_empty = ? WHERE id = ?",
                                      (int(note_when_empty), member_id)).rowcount:
                raise self._fail(f"there is no member {member_id}")
            self._replace_subscriptions(member_id, domains, searches, _now())

    def activate_member(self, member_id: int) -> None:
        """Sign a member up again (an explicit act of a coordinator)."""
        with self.transaction():
            self._conn.execute(
                "UPDATE members SET active = 1, unsubscribed_at = NULL WHERE id = ?",
                (member_id,))

    def members(self, *, active_only: bool = False) -> list[Member]:
        """All members (or only active ones), by e-mail, with their subscriptions."""
        where = " WHERE active = 1" if active_only else ""
        with self._reading():
            rows = self._conn.execute(f"{_MEMBER_SELECT}{where} ORDER BY email").fetchall()
            return _members(self._conn, rows)

    def member(self, member_id: int) -> Member | None:
        """One member by id, or None."""
        with self._reading():
            rows = self._conn.execute(f"{_MEMBER_SELECT} WHERE id = ?", (member_id,)).fetchall()
            found = _members(self._conn, rows)
        return found[0] if found else None

    def member_by_email(self, email: str) -> Member | None:
        """One member by e-mail (case-insensitive), or None."""
        with self._reading():
            rows = self._conn.execute(f"{_MEMBER_SELECT} WHERE email = ?", (email,)).fetchall()
            found = _members(self._conn, rows)
        return found[0] if found else None

    def remove_member(self, member_id: int) -> None:
        """Delete a member with their subscriptions and send log."""
        with self.transaction():
            self._conn.execute("DELETE FROM members WHERE id = ?", (member_id,))

    def unsubscribe(self, member_id: int, via: str) -> bool:
        """Unsubscribe a member and record how; False (and nothing recorded) when the
        member was already unsubscribed, so repeated one-click POSTs are harmless."""
        now = _now()
        with self.transaction():
            conn = self._conn
            row = conn.execute("SELECT email FROM members WHERE id = ? AND active = 1",
                               (member_id,)).fetchone()
            if row is None:
                return False
            conn.execute("UPDATE members SET active = 0, unsubscribed_at = ? WHERE id = ?",
                         (now, member_id))
            conn.execute("INSERT INTO unsubscribes (member_id, email, via, at) "
                         "VALUES (?, ?, ?, ?)", (member_id, row[0], via, now))
        return True

    def unsubscribes(self, limit: int = 100) -> list[Unsubscribe]:
        """The latest unsubscriptions, newest first."""
        with self._reading():
            rows = self._conn.execute(
                "SELECT email, via, at, member_id FROM unsubscribes ORDER BY at DESC, id DESC "
                "LIMIT ?", (limit,)).fetchall()
        return [Unsubscribe(email=r[0], via=r[1], at=from_db(r[2]), member_id=r[3]) for r in rows]
