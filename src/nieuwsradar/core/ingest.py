"""Facade part: ingest runs and reclassifying the archive."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from nieuwsradar.core.trends import TrendsPart
from nieuwsradar.types import UpdateResult

if TYPE_CHECKING:
    from nieuwsradar import update


class IngestPart(TrendsPart):
    """Fetch due sources and store their items; re-tag the archive."""

    def update(self, *, all_sources: bool = False, workers: int | None = None,
               progress: update.ProgressFn | None = None,
               on_start: Callable[[int], None] | None = None) -> UpdateResult:
        """Fetch due sources (every source with ``all_sources``) and ingest their items.

        Sources that another update (the service, another command) is fetching right now
        are left to it: each run leases the sources it fetches (``settings.lease_s``)
        and renews the leases while it runs.
        """
        from nieuwsradar import update  # the ingest stack: only for an update

        db = self._db
        model_path = self.settings.model if self.model() is not None else None
        with update.leased_sources(db, now=datetime.now(UTC), all_sources=all_sources,
                                   lease=timedelta(seconds=self.settings.lease_s)) as states:
            if on_start is not None:
                on_start(len(states))
            result = update.run_update(
                db, states, model_path=model_path,
                workers=workers or self.settings.workers, per_host=self.settings.per_host,
                progress=progress)
        self.count_trends()  # topic keys the run did not store, for trends (core/trends.py)
        return result

    def reclassify(self, progress: Callable[[int], None] | None = None) -> int:
        """Re-tag the archive with the current model; human labels are kept and win."""
        from nieuwsradar import update

        model = self.model(required=True)
        assert model is not None
        return update.reclassify(self._db, model, progress=progress)
