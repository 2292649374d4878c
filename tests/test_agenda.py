"""The agenda board through the facade on a real SQLite file: meetings, pins, order, exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from nieuwsradar.config import Settings
from nieuwsradar.core import Radar, make_radar
from nieuwsradar.core.agenda import agenda_csv, agenda_markdown
from nieuwsradar.errors import InputError, NieuwsradarError
from support.trend_history import history


@pytest.fixture
def radar(tmp_path: Path) -> Iterator[Radar]:
    with make_radar(Settings(db=tmp_path / "radar.db")) as r:
        yield r


def test_pin_reorder_note_remove_and_export(radar: Radar) -> None:
    made = history(radar, rising="Aanpak illegale vakantieverhuur", weeks=2)
    meeting = radar.create_meeting("  Netwerkbijeenkomst   voorjaar ", network="M150",
                                   held_on=date(2027, 3, 12))
    assert meeting.title == "Netwerkbijeenkomst voorjaar" and meeting.network == "M150"
    topic = radar.pin_topic(meeting.id, "aanpak illegal vakantieverhur",
                            "Aanpak illegale vakantieverhuur", domain="handhaving",
                            note="Spreker zoeken\nbij de VNG", pinned_by="coordinator@m150.test")
    item = radar.pin_item(meeting.id, made[0], note="Achtergrond")
    assert radar.pin_item(meeting.id, made[0]) == item  # pinned once
    third = radar.pin_item(meeting.id, made[1])
    assert [e.id for e in radar.agenda(meeting.id)] == [topic, item, third]
    radar.move_entry(meeting.id, third, -1)
    radar.move_entry(meeting.id, topic, -1)  # already first: nothing changes
    assert [e.id for e in radar.agenda(meeting.id)] == [topic, third, item]
    radar.move_entry(meeting.id, topic, +1)
    assert [e.id for e in radar.agenda(meeting.id)] == [third, topic, item]
    radar.set_entry_note(meeting.id, third, "Korte toelichting")
    radar.remove_entry(meeting.id, item)
    entries = radar.agenda(meeting.id)
    assert [(e.kind, e.note) for e in entries] == [
        ("item", "Korte toelichting"), ("onderwerp", "Spreker zoeken\nbij de VNG")]

    markdown = agenda_markdown(meeting, entries)
    assert markdown.startswith("# Agenda: Netwerkbijeenkomst voorjaar (M150), 2027-03-12\n")
    assert "1. [Zwolle: Aanpak illegale vakantieverhuur](https://bron.test/r1) — Bron 1" in markdown
    assert "2. **Aanpak illegale vakantieverhuur** (onderwerp, handhaving)" in markdown
    assert "   Spreker zoeken\n   bij de VNG" in markdown
    rows = list(csv.reader(io.StringIO(agenda_csv(meeting, entries))))
    assert rows[0][:3] == ["volgorde", "soort", "titel"]
    assert rows[2][1:4] == ["onderwerp", "Aanpak illegale vakantieverhuur", "handhaving"]
    assert rows[2][6] == "Spreker zoeken\nbij de VNG"


def test_last_meeting_and_deleting_a_meeting(radar: Radar) -> None:
    old = radar.create_meeting("Najaar", network="M150", held_on=date(2026, 10, 1))
    radar.create_meeting("Voorjaar", network="M150", held_on=date(2027, 3, 1))
    radar.create_meeting("G40 overleg", network="G40", held_on=date(2026, 11, 1))
    assert radar.last_meeting("M150", before=date(2026, 12, 7)) == old
    spring = radar.meetings()[0]
    assert radar.report_period(spring)[0] == date(2026, 10, 1)  # since the previous one
    assert radar.report_period(old)[1] == date(2026, 10, 1)
    assert radar.last_meeting("M150", before=date(2026, 9, 1)) is None
    radar.delete_meeting(old.id)
    assert radar.last_meeting("M150", before=date(2026, 12, 7)) is None
    assert [m.title for m in radar.meetings()] == ["Voorjaar", "G40 overleg"]


def test_bad_input_is_refused_with_a_clear_message(radar: Radar) -> None:
    meeting = radar.create_meeting("Bijeenkomst")
    with pytest.raises(InputError, match="titel ontbreekt"):
        radar.create_meeting("   ")
    with pytest.raises(InputError, match="hoogstens 2000 tekens"):
        radar.pin_topic(meeting.id, "fatbik", "fatbikes", note="x" * 2001)
    with pytest.raises(InputError, match="onbekend domein 'sport'; kies uit: handhaving"):
        radar.pin_topic(meeting.id, "fatbik", "fatbikes", domain="sport")
    with pytest.raises(NieuwsradarError, match="no meeting 999"):
        radar.pin_topic(999, "fatbik", "fatbikes")
    with pytest.raises(NieuwsradarError):
        radar.pin_item(meeting.id, 12345)
    with pytest.raises(InputError, match="geen agendapunt 5"):
        radar.remove_entry(meeting.id, 5)
    assert radar.agenda(meeting.id) == []
    assert "Nog geen agendapunten" in agenda_markdown(meeting, [])
