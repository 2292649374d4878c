"""Facade part: ingest runs and reclassifying the archive."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from nieuwsradar import update
from nieuwsradar.core.trends import TrendsPart
from nieuwsradar.types import UpdateResult


class IngestPart(TrendsPart):
    """Fetch due sources and store their items; re-tag the archive."""

    def update(self, *, all_sources: bool = False, workers: int | None = None,
               progress: update.ProgressFn | None = None,
               on_start: Callable[[int], None] | None = None) -> UpdateResult:
        """Fetch due sources (every source with ``all_sources``) and ingest their items."""
        now = datetime.now(UTC)
        db = self._db
        states = db.list_sources() if all_sources else db.due_sources(now)
        if on_start is not None:
            on_start(len(states))
        result = update.run_update(
            db, states, model=self.model(),
            workers=workers or self.settings.workers, per_host=self.settings.per_host,
            progress=progress)
        self.count_trends()  # topic keys of the new items, for trends (core/trends.py)
        return result

    def reclassify(self, progress: Callable[[int], None] | None = None) -> int:
        """Re-tag the archive with the current model; human labels are kept and win."""
        model = self.model(required=True)
        assert model is not None
        return update.reclassify(self._db, model, progress=progress)
