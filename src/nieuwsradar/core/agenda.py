"""Facade part: the agenda board of network meetings, and its Markdown and CSV exports."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from nieuwsradar.core.base import RadarBase
from nieuwsradar.errors import InputError
from nieuwsradar.storage.agenda import AgendaEntry, Meeting

MAX_TITLE = 200
MAX_NOTE = 2000


def _clean(text: str, what: str, limit: int, *, required: bool = False) -> str:
    """``text`` tidied (a note keeps its lines); ``what`` names the field in the Dutch
    message when it is missing or too long."""
    text = " ".join(text.split()) if what != "notitie" else text.strip()
    if required and not text:
        raise InputError(f"{what} ontbreekt; geef de vergadering een {what}")
    if len(text) > limit:
        raise InputError(f"{what} is {len(text)} tekens lang; maak het korter "
                         f"(hoogstens {limit} tekens)")
    return text


class AgendaPart(RadarBase):
    """Create meetings, pin items and topics to them, order and export the agenda."""

    def create_meeting(self, title: str, *, network: str = "",
                       held_on: date | None = None) -> Meeting:
        """Create a meeting (a title is required; the date may follow later)."""
        db = self._db
        meeting_id = db.create_meeting(_clean(network, "netwerk", 40),
                                       _clean(title, "titel", MAX_TITLE, required=True), held_on)
        return db.get_meeting(meeting_id)

    def meetings(self) -> list[Meeting]:
        """All meetings, the latest first."""
        return self._db.meetings()

    def meeting(self, meeting_id: int) -> Meeting:
        """One meeting (StorageError when it does not exist)."""
        return self._db.get_meeting(meeting_id)

    def delete_meeting(self, meeting_id: int) -> None:
        """Delete a meeting and its agenda."""
        self._db.get_meeting(meeting_id)
        self._db.delete_meeting(meeting_id)

    def last_meeting(self, network: str, before: date | None = None) -> Meeting | None:
        """The network's latest meeting before ``before`` (default today): the start of
        the period "since the last meeting"."""
        return self._db.last_meeting(network, before or datetime.now(UTC).date())

    def report_period(self, meeting: Meeting) -> tuple[date, date]:
        """The period a meeting's report covers: since the network's previous meeting
        (or the 26 weeks before, when there was none) through the meeting's date (or
        today, if that is earlier or the date is open)."""
        today = datetime.now(UTC).date()
        until = min(meeting.held_on or today, today)
        previous = self._db.last_meeting(meeting.network, meeting.held_on or today)
        since = previous.held_on if previous and previous.held_on else until - timedelta(weeks=26)
        return min(since, until), until

    def agenda(self, meeting_id: int) -> list[AgendaEntry]:
        """The agenda of a meeting, in order."""
        self._db.get_meeting(meeting_id)
        return self._db.agenda(meeting_id)

    def pin_item(self, meeting_id: int, item_id: int, *, note: str = "",
                 pinned_by: str = "") -> int:
        """Pin an archive item to a meeting; returns the agenda line id."""
        db = self._db
        db.get_meeting(meeting_id)
        db.get_item(item_id)
        return db.pin(meeting_id, item_id=item_id, note=_clean(note, "notitie", MAX_NOTE),
                      pinned_by=pinned_by)

    def pin_topic(self, meeting_id: int, key: str, label: str, *, domain: str = "",
                  note: str = "", pinned_by: str = "") -> int:
        """Pin a trending topic (its key, the words shown, its domain) to a meeting."""
        labels = self.taxonomy().labels
        if domain and domain not in labels:
            raise InputError(f"onbekend domein {domain!r}; kies uit: {', '.join(labels)}")
        key = " ".join(key.split())
        if not key:
            raise InputError("het onderwerp is leeg; zet een onderwerp vanaf de trendspagina "
                             "op de agenda")
        db = self._db
        db.get_meeting(meeting_id)
        return db.pin(meeting_id, topic=_clean(key, "onderwerp", MAX_TITLE),
                      topic_label=_clean(label or key, "onderwerp", MAX_TITLE), domain=domain,
                      note=_clean(note, "notitie", MAX_NOTE), pinned_by=pinned_by)

    def _entry(self, meeting_id: int, entry_id: int) -> AgendaEntry:
        for entry in self.agenda(meeting_id):
            if entry.id == entry_id:
                return entry
        raise InputError(f"vergadering {meeting_id} heeft geen agendapunt {entry_id}")

    def move_entry(self, meeting_id: int, entry_id: int, step: int) -> None:
        """Move an agenda line up (step -1) or down (+1)."""
        self._entry(meeting_id, entry_id)
        self._db.move(entry_id, step)

    def set_entry_note(self, meeting_id: int, entry_id: int, note: str) -> None:
        """Replace the note of an agenda line."""
        self._entry(meeting_id, entry_id)
        self._db.set_note(entry_id, _clean(note, "notitie", MAX_NOTE))

    def remove_entry(self, meeting_id: int, entry_id: int) -> None:
        """Take a line off the agenda."""
        self._entry(meeting_id, entry_id)
        self._db.unpin(entry_id)


def _heading(meeting: Meeting) -> str:
    when = meeting.held_on.isoformat() if meeting.held_on else "datum volgt"
    network = f" ({meeting.network})" if meeting.network else ""
    return f"{meeting.title}{network}, {when}"


def agenda_markdown(meeting: Meeting, entries: list[AgendaEntry]) -> str:
    """The agenda as Markdown (Dutch), one numbered line per pin with its note."""
    lines = [f"# Agenda: {_heading(meeting)}", ""]
    if not entries:
        lines.append("_Nog geen agendapunten._")
    for n, entry in enumerate(entries, 1):
        title = entry.title.replace("[", "(").replace("]", ")")
        if entry.item_id is not None:
            text = f"[{title}]({entry.url})" + (f" — {entry.source}" if entry.source else "")
        else:
            text = f"**{title}**" + (f" (onderwerp, {entry.domain})" if entry.domain
                                     else " (onderwerp)")
        lines.append(f"{n}. {text}")
        for note_line in entry.note.splitlines():
            if note_line.strip():
                lines.append(f"   {note_line.strip()}")
    return "\n".join(lines) + "\n"


def agenda_csv(meeting: Meeting, entries: list[AgendaEntry]) -> str:
    """The agenda as CSV (header row; columns in Dutch), for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["volgorde", "soort", "titel", "domein", "bron", "link", "notitie",
                     "vergadering", "netwerk", "datum"])
    for n, entry in enumerate(entries, 1):
        writer.writerow([n, entry.kind, entry.title, entry.domain, entry.source, entry.url,
                         entry.note, meeting.title, meeting.network,
                         meeting.held_on.isoformat() if meeting.held_on else ""])
    return out.getvalue()
