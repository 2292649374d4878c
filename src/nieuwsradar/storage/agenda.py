"""Meetings and their agenda: pinned items and topics, with a note and an order.

A pin is either an item (``item_id``) or a topic (``topic`` key with the ``topic_label``
shown and the ``domain`` it rose in). ``position`` orders the agenda; moving swaps two
neighbours, so positions stay unique per meeting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from nieuwsradar.storage.base import StorageBase
from nieuwsradar.storage.convert import to_db


@dataclass(frozen=True, slots=True)
class Meeting:
    """A network meeting (``held_on`` None while the date is open)."""

    id: int
    network: str
    title: str
    held_on: date | None


@dataclass(frozen=True, slots=True)
class AgendaEntry:
    """One pinned agenda line: an item (with its title, link and source) or a topic."""

    id: int
    meeting_id: int
    position: int
    note: str
    pinned_by: str
    item_id: int | None = None
    title: str = ""
    url: str = ""
    source: str = ""
    topic: str = ""
    domain: str = ""

    @property
    def kind(self) -> str:
        """"item" or "onderwerp"."""
        return "item" if self.item_id is not None else "onderwerp"


def _meeting(row: tuple[object, ...]) -> Meeting:
    held = row[3]
    return Meeting(int(str(row[0])), str(row[1]), str(row[2]),
                   date.fromisoformat(str(held)[:10]) if held else None)


class AgendaMixin(StorageBase):
    """Writing and reading meetings and agenda pins."""

    def create_meeting(self, network: str, title: str, held_on: date | None) -> int:
        """Store a new meeting and return its id."""
        with self.transaction():
            cur = self._conn.execute(
                "INSERT INTO meetings (network, title, held_at, created_at) VALUES (?, ?, ?, ?)",
                (network, title, held_on.isoformat() if held_on else None,
                 to_db(datetime.now(UTC), "created_at")))
        return int(cur.lastrowid or 0)

    def meetings(self) -> list[Meeting]:
        """All meetings, the latest date first (open dates first of all)."""
        with self._reading():
            rows = self._conn.execute(
                "SELECT id, network, title, held_at FROM meetings "
                "ORDER BY held_at IS NOT NULL, held_at DESC, id DESC").fetchall()
        return [_meeting(r) for r in rows]

    def get_meeting(self, meeting_id: int) -> Meeting:
        """One meeting (StorageError naming the id when there is none)."""
        with self._reading():
            row = self._conn.execute("SELECT id, network, title, held_at FROM meetings "
                                     "WHERE id = ?", (meeting_id,)).fetchone()
        if row is None:
            raise self._fail(f"there is no meeting {meeting_id}")
        return _meeting(row)

    def last_meeting(self, network: str, before: date) -> Meeting | None:
        """The network's latest meeting held before ``before``."""
        with self._reading():
            row = self._conn.execute(
                "SELECT id, network, title, held_at FROM meetings WHERE network = ? "
                "AND held_at IS NOT NULL AND held_at < ? ORDER BY held_at DESC LIMIT 1",
                (network, before.isoformat())).fetchone()
        return None if row is None else _meeting(row)

    def delete_meeting(self, meeting_id: int) -> None:
        """Delete a meeting with its agenda."""
        with self.transaction():
            self._conn.execute("DELETE FROM meetings WHERE id = ?", (meeting_id,))

    def pin(self, meeting_id: int, *, item_id: int | None = None, topic: str = "",
            topic_label: str = "", domain: str = "", note: str = "",
            pinned_by: str = "") -> int:
        """Pin an item or a topic at the end of a meeting's agenda; pinning the same thing
        again keeps the first pin (and its place) and returns its id."""
        with self.transaction():
            conn = self._conn
            if item_id is not None:
                found = conn.execute("SELECT id FROM agenda_items WHERE meeting_id = ? "
                                     "AND item_id = ?", (meeting_id, item_id)).fetchone()
            else:
                found = conn.execute("SELECT id FROM agenda_items WHERE meeting_id = ? "
                                     "AND topic = ? AND domain = ?",
                                     (meeting_id, topic, domain)).fetchone()
            if found:
                return int(found[0])
            (last,) = conn.execute("SELECT coalesce(max(position), 0) FROM agenda_items "
                                   "WHERE meeting_id = ?", (meeting_id,)).fetchone()
            cur = conn.execute(
                "INSERT INTO agenda_items (meeting_id, item_id, note, position, pinned_by, "
                "created_at, topic, topic_label, domain) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (meeting_id, item_id, note, int(last) + 1, pinned_by,
                 to_db(datetime.now(UTC), "created_at"), topic, topic_label, domain))
        return int(cur.lastrowid or 0)

    def agenda(self, meeting_id: int) -> list[AgendaEntry]:
        """A meeting's agenda in order, items with their title, link and source."""
        with self._reading():
            rows = self._conn.execute(
                "SELECT a.id, a.meeting_id, a.position, a.note, a.pinned_by, a.item_id, "
                "coalesce(i.title, a.topic_label), coalesce(i.url, ''), coalesce(s.name, ''), "
                "a.topic, a.domain FROM agenda_items a "
                "LEFT JOIN items i ON i.id = a.item_id "
                "LEFT JOIN sources s ON s.id = i.source_id "
                "WHERE a.meeting_id = ? ORDER BY a.position, a.id", (meeting_id,)).fetchall()
        return [AgendaEntry(*row) for row in rows]

    def set_note(self, entry_id: int, note: str) -> None:
        """Replace the note of an agenda line."""
        with self.transaction():
            self._conn.execute("UPDATE agenda_items SET note = ? WHERE id = ?", (note, entry_id))

    def unpin(self, entry_id: int) -> None:
        """Remove a line from its agenda."""
        with self.transaction():
            self._conn.execute("DELETE FROM agenda_items WHERE id = ?", (entry_id,))

    def move(self, entry_id: int, step: int) -> None:
        """Move an agenda line one place up (``step`` < 0) or down (> 0) by swapping it
        with its neighbour; at either end nothing changes."""
        with self.transaction():
            conn = self._conn
            row = conn.execute("SELECT meeting_id, position FROM agenda_items WHERE id = ?",
                               (entry_id,)).fetchone()
            if row is None:
                raise self._fail(f"there is no agenda line {entry_id}")
            meeting_id, position = row
            order = "DESC" if step < 0 else "ASC"
            compare = "<" if step < 0 else ">"
            other = conn.execute(
                f"SELECT id, position FROM agenda_items WHERE meeting_id = ? "  # noqa: S608
                f"AND position {compare} ? ORDER BY position {order} LIMIT 1",
                (meeting_id, position)).fetchone()
            if other is None:
                return
            conn.execute("UPDATE agenda_items SET position = ? WHERE id = ?",
                         (other[1], entry_id))
            conn.execute("UPDATE agenda_items SET position = ? WHERE id = ?",
                         (position, other[0]))
