"""The Radar facade: the one API the CLI, web app, scheduler and notebooks use.

``make_radar(settings)`` opens the database and returns a :class:`Radar`, which is built
from one part per feature (``core/<feature>.py``, each a mixin over
:class:`~nieuwsradar.core.base.RadarBase`). Nothing above this package talks to storage or
the model directly, so the rules (which sources are due, which model version tags what,
where human labels win) live in one place. The facade holds what lives as long as the
process (settings, model); storage connections are opened per thread.
"""

from __future__ import annotations

from pathlib import Path

from nieuwsradar.config import Settings
from nieuwsradar.core.ingest import IngestPart
from nieuwsradar.core.items import COUNT_CAP, ItemsPart, SearchPage
from nieuwsradar.core.labels import LabelsPart
from nieuwsradar.core.sources import SourcesPart, SyncResult


class Radar(SourcesPart, IngestPart, ItemsPart, LabelsPart):
    """Facade over storage, classifier and ingest for one database."""


def make_radar(settings: Settings) -> Radar:
    """Open (and migrate) the database named in ``settings`` and return the facade."""
    return Radar(settings)


def human_examples(db_path: Path) -> list[dict[str, object]]:
    """Human-labelled items of a database as training examples (id, title, text, labels)."""
    with make_radar(Settings(db=db_path)) as radar:
        return radar.human_examples()


__all__ = ["COUNT_CAP", "Radar", "SearchPage", "SyncResult", "human_examples", "make_radar"]
