"""A constructed news history for trend tests: weeks of everyday news and a rising topic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from nieuwsradar.config import Settings
from nieuwsradar.core import Radar, make_radar
from nieuwsradar.types import Label, NewItem, SourceSpec

WEEK = date(2026, 10, 26)  # a finished ISO week (2026-W44)
FILLER = ["Parkeren in de binnenstad wordt duurder", "Afval naast de container",
          "Raad kiest nieuwe voorzitter", "Onderhoud aan de Dorpsstraat", "Park krijgt verlichting",
          "Bibliotheek langer open", "Markt verhuist naar het plein"]


TOWNS = ["Utrecht", "Zwolle", "Breda", "Venlo", "Ede", "Assen"]


def new_item(key: str, title: str, when: datetime, summary: str = "") -> NewItem:
    return NewItem(guid=key, url=f"https://bron.test/{key}", title=title,
                   summary=summary or f"{title}. Meer hierover in het bericht.",
                   content_text=f"{title}. Tekst.", content_html="<p>tekst</p>",
                   published_at=when, fetched_at=when, lang="nl", content_hash=f"h-{key}")


def add(radar: Radar, source: int, items: list[NewItem],
        label: str = "handhaving") -> list[int]:
    db = radar._db
    ids = db.upsert_items(source, items).new_ids
    db.set_model_labels([(i, [Label(label, 0.9)]) for i in ids])
    return ids


def history(radar: Radar, *, weeks: int = 10, rising: str = "",
            rising_sources: int = 5, end: date = WEEK) -> list[int]:
    """``weeks`` weeks of everyday news from 8 sources up to the week ``end``; in that
    week, ``rising_sources`` sources also write about ``rising``."""
    db = radar._db
    sources = [db.upsert_source(SourceSpec(url=f"https://bron.test/{s}.xml", name=f"Bron {s}"))
               for s in range(12)]
    for w in range(weeks):
        monday = datetime.combine(end - timedelta(weeks=weeks - 1 - w), datetime.min.time(),
                                  UTC)
        for s, source in enumerate(sources[:8]):
            title = FILLER[(s + w) % len(FILLER)]
            add(radar, source, [new_item(f"w{w}s{s}", f"{title} ({s})",
                                         monday + timedelta(hours=10 + s))],
                label="handhaving" if s % 2 else "ondermijning")
    made = []
    monday = datetime.combine(end, datetime.min.time(), UTC)
    for s, source in enumerate(sources[:rising_sources] if rising else []):
        made += add(radar, source, [new_item(
            f"r{s}", f"{TOWNS[s]}: {rising}", monday + timedelta(days=2, hours=s))])
    return made


COORDINATOR = "coordinator@m150.test"
PASSWORD = "correct-paard-batterij"


def seed_site(path: Path) -> None:
    """A database for the trends and agenda pages: the ``history`` with a rising topic
    ("Aanpak illegale vakantieverhuur") and a coordinator (:data:`COORDINATOR`,
    :data:`PASSWORD`)."""
    with make_radar(Settings(db=path)) as radar:
        history(radar, rising="Aanpak illegale vakantieverhuur")
        radar.add_user(COORDINATOR, PASSWORD, name="Coördinator")
