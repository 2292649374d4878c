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
from nieuwsradar.core.agenda import AgendaPart
from nieuwsradar.core.digest import DigestPart
from nieuwsradar.core.ingest import IngestPart
from nieuwsradar.core.labels import LabelsPart
from nieuwsradar.core.members import MembersPart
from nieuwsradar.core.pages import HomePage, ItemPage, PagesPart
from nieuwsradar.core.search import (
    COUNT_CAP,
    FacetCount,
    SearchPart,
    SearchRequest,
    SearchResults,
)
from nieuwsradar.core.service import ServicePart
from nieuwsradar.core.sources import SourcesPart, SyncResult
from nieuwsradar.core.trends import TrendsPart
from nieuwsradar.core.users import SignInRefused


class Radar(ServicePart, SourcesPart, IngestPart, PagesPart, SearchPart, TrendsPart,
            AgendaPart, MembersPart, DigestPart, LabelsPart):
    """Facade over storage, classifier and ingest for one database."""


def make_radar(settings: Settings, *, create: bool = True) -> Radar:
    """Open (and migrate) the database named in ``settings`` and return the facade.

    ``create=False``: refuse a database file that does not exist instead of creating it.
    """
    return Radar(settings, create=create)


def human_examples(db_path: Path) -> list[dict[str, object]]:
    """Human-labelled items of a database as training examples (id, title, text, labels)."""
    with make_radar(Settings(db=db_path)) as radar:
        return radar.human_examples()


__all__ = ["COUNT_CAP", "FacetCount", "HomePage", "ItemPage", "Radar", "SearchRequest",
           "SearchResults", "SignInRefused", "SyncResult", "human_examples", "make_radar"]
