"""Facade part: the configured and stored sources (feeds.toml, OPML, health)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nieuwsradar import config
from nieuwsradar.core.base import RadarBase
from nieuwsradar.types import SourceSpec, SourceState


@dataclass(frozen=True, slots=True)
class SyncResult:
    """How a list of configured sources changed the stored ones."""

    added: int
    updated: int


class SourcesPart(RadarBase):
    """Sources: sync from feeds.toml and OPML, export, remove, list with health."""

    def sync_sources(self, specs: Sequence[SourceSpec]) -> SyncResult:
        """Add or update configured sources (by URL); fetch state and health are kept."""
        added = updated = 0
        db = self._db
        with db.transaction():
            for spec in specs:
                if db.source_id_by_url(spec.url) is None:
                    added += 1
                else:
                    updated += 1
                db.upsert_source(spec)
        return SyncResult(added, updated)

    def sync_feeds_file(self, path: Path | None = None) -> SyncResult | None:
        """Sync sources from feeds.toml when the file exists; None when it does not."""
        path = path or self.settings.feeds
        if not path.exists():
            return None
        return self.sync_sources(config.load_sources(path, self.taxonomy().labels))

    def import_opml(self, data: bytes, name: str) -> SyncResult:
        """Add the feeds of an OPML document (validated first: all or nothing)."""
        return self.sync_sources(config.parse_opml(data, name))

    def remove_source(self, source_id: int, *, purge: bool = False) -> tuple[SourceState, bool]:
        """Remove a stored source; one with items only with ``purge`` (items go too).

        Returns the removed source and whether feeds.toml still lists it (then the next
        update adds it again, so the caller should say so).
        """
        state = self._db.get_source(source_id)
        self._db.remove_source(source_id, purge=purge)
        feeds = self.settings.feeds
        listed = feeds.exists() and any(
            spec.url == state.spec.url for spec in config.load_sources(feeds))
        return state, listed

    def export_opml(self) -> bytes:
        """All stored sources as OPML 2.0."""
        return config.to_opml([s.spec for s in self._db.list_sources()])

    def sources(self) -> list[SourceState]:
        """Stored sources with their health."""
        return self._db.list_sources()
