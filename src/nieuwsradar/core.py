"""The Radar facade: the one API the CLI, web app, scheduler and notebooks use.

``make_radar(settings)`` opens the database and wires storage, the classifier and the
ingest orchestrator together. Nothing above this module talks to storage or the model
directly, so the rules (which sources are due, which model version tags what, where
human labels win) live in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from nieuwsradar import config, search, update
from nieuwsradar.classify import DomainModel, load_model
from nieuwsradar.config import Settings
from nieuwsradar.errors import InputError, ModelError
from nieuwsradar.storage import Storage, open_storage
from nieuwsradar.types import Item, SearchHit, SourceSpec, SourceState, UpdateResult


@dataclass(frozen=True, slots=True)
class SyncResult:
    """How a list of configured sources changed the stored ones."""

    added: int
    updated: int


#: Counting matches stops here: a broad query on a big archive shows "10000+".
COUNT_CAP = 10_000


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of search results and the number of matches (at most :data:`COUNT_CAP`)."""

    hits: list[SearchHit]
    total: int

    @property
    def more(self) -> bool:
        """True when there are more matches than :attr:`total` counted."""
        return self.total >= COUNT_CAP


class Radar:
    """Facade over storage, classifier and ingest for one database."""

    def __init__(self, settings: Settings, storage: Storage) -> None:
        self.settings = settings
        self.storage = storage
        self._model: DomainModel | None = None
        self._model_error: str | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def close(self) -> None:
        """Close the database."""
        self.storage.close()

    def __enter__(self) -> Radar:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- model ---------------------------------------------------------------------------
    def model(self, *, required: bool = False) -> DomainModel | None:
        """The domain classifier, loaded once; None (with :attr:`model_problem`) if absent.

        With ``required`` a missing or incompatible model raises ModelError instead.
        """
        if self._model is None and self._model_error is None:
            try:
                self._model = load_model(self.settings.model)
            except ModelError as exc:
                self._model_error = str(exc)
        if self._model is None and required:
            raise ModelError(self._model_error or "no model")
        return self._model

    @property
    def model_problem(self) -> str | None:
        """Why items are not being classified, if they are not."""
        self.model()
        return self._model_error

    # -- sources -------------------------------------------------------------------------
    def sync_sources(self, specs: Sequence[SourceSpec]) -> SyncResult:
        """Add or update configured sources (by URL); fetch state and health are kept."""
        added = updated = 0
        with self.storage.transaction():
            for spec in specs:
                if self.storage.source_id_by_url(spec.url) is None:
                    added += 1
                else:
                    updated += 1
                self.storage.upsert_source(spec)
        return SyncResult(added, updated)

    def sync_feeds_file(self, path: Path | None = None) -> SyncResult | None:
        """Sync sources from feeds.toml when the file exists; None when it does not."""
        path = path or self.settings.feeds
        if not path.exists():
            return None
        return self.sync_sources(config.load_sources(path))

    def import_opml(self, data: bytes, name: str) -> SyncResult:
        """Add the feeds of an OPML document (validated first: all or nothing)."""
        return self.sync_sources(config.parse_opml(data, name))

    def remove_source(self, source_id: int, *, purge: bool = False) -> tuple[SourceState, bool]:
        """Remove a stored source; one with items only with ``purge`` (items go too).

        Returns the removed source and whether feeds.toml still lists it (then the next
        update adds it again, so the caller should say so).
        """
        state = self.storage.get_source(source_id)
        self.storage.remove_source(source_id, purge=purge)
        feeds = self.settings.feeds
        listed = feeds.exists() and any(
            spec.url == state.spec.url for spec in config.load_sources(feeds))
        return state, listed

    def export_opml(self) -> bytes:
        """All stored sources as OPML 2.0."""
        return config.to_opml([s.spec for s in self.storage.list_sources()])

    def sources(self) -> list[SourceState]:
        """Stored sources with their health."""
        return self.storage.list_sources()

    # -- ingest --------------------------------------------------------------------------
    def update(self, *, all_sources: bool = False, workers: int | None = None,
               progress: update.ProgressFn | None = None,
               on_start: Callable[[int], None] | None = None) -> UpdateResult:
        """Fetch due sources (every source with ``all_sources``) and ingest their items."""
        now = datetime.now(UTC)
        states = self.storage.list_sources() if all_sources else self.storage.due_sources(now)
        if on_start is not None:
            on_start(len(states))
        return update.run_update(
            self.storage, states, model=self.model(),
            workers=workers or self.settings.workers, per_host=self.settings.per_host,
            progress=progress)

    def reclassify(self, progress: Callable[[int], None] | None = None) -> int:
        """Re-tag the archive with the current model; human labels are kept and win."""
        model = self.model(required=True)
        assert model is not None
        return update.reclassify(self.storage, model, progress=progress)

    # -- items, labels and search ----------------------------------------------------------
    def set_human_labels(self, item_id: int, labels: Sequence[str]) -> Item:
        """Store a human correction (empty = overig); it wins over the model from now on."""
        known = set(config.DOMAINS)
        model = self.model()
        if model is not None:
            known |= set(model.labels)
        bad = [label for label in labels if label not in known]
        if bad:
            raise InputError(f"unknown label(s) {bad}; use {', '.join(sorted(known))}")
        self.storage.get_item(item_id)
        with self.storage.transaction():
            self.storage.set_human_labels(item_id, list(dict.fromkeys(labels)))
        return self.storage.get_item(item_id)

    def delete_item(self, item_id: int) -> Item:
        """Delete an item for good: a tombstone keeps later updates from storing it again."""
        item = self.storage.get_item(item_id)
        self.storage.delete_item(item_id)
        return item

    def search(self, text: str, *, limit: int = 20, offset: int = 0) -> SearchPage:
        """Search the archive with the user query syntax of :mod:`nieuwsradar.search`."""
        query = search.parse_query(text)
        return SearchPage(self.storage.search(query, limit=limit, offset=offset),
                          self.storage.count_matches(query, cap=COUNT_CAP))


def make_radar(settings: Settings) -> Radar:
    """Open (and migrate) the database named in ``settings`` and return the facade."""
    return Radar(settings, open_storage(settings.db))


def human_examples(db_path: Path) -> list[dict[str, object]]:
    """Human-labelled items of a database as training examples (id, title, text, labels)."""
    with make_radar(Settings(db=db_path)) as radar:
        return [
            {"id": f"db-{item.id}", "title": item.title,
             "text": item.content_text or item.summary, "labels": list(labels)}
            for item, labels in radar.storage.human_labelled()
        ]
