"""What every part of the Radar facade shares: settings, the model, per-thread storage.

The facade lives as long as the process (a CLI call, or the service). SQLite connections
must not be shared between threads (the web app answers requests in a thread pool, the
scheduler polls in another thread), so :attr:`RadarBase._db` opens one storage
connection per thread on first use and :meth:`close` closes them all.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import TYPE_CHECKING, Self

from nieuwsradar.config import Settings
from nieuwsradar.errors import ModelError
from nieuwsradar.storage import Storage, open_storage
from nieuwsradar.taxonomy import Taxonomy, load_taxonomy

if TYPE_CHECKING:
    from nieuwsradar.classify import DomainModel


class RadarBase:
    """Settings, the lazily loaded model and one storage connection per thread.

    With ``create=False`` a database file that does not exist is refused (StorageError)
    rather than created: what the read-only commands use.
    """

    def __init__(self, settings: Settings, *, create: bool = True) -> None:
        self.settings = settings
        self._create = create
        self._model: DomainModel | None = None
        self._model_error: str | None = None
        self._taxonomy: Taxonomy | None = None
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[Storage] = []
        self._db  # noqa: B018 - open (and migrate) now, so a bad database fails at once

    # -- storage -------------------------------------------------------------------------
    @property
    def _db(self) -> Storage:
        """This thread's storage connection (opened, and the schema migrated, on first use)."""
        storage: Storage | None = getattr(self._local, "storage", None)
        if storage is None:
            storage = open_storage(self.settings.db, create=self._create)
            self._local.storage = storage
            with self._lock:
                self._open.append(storage)
        return storage

    @property
    def read_only(self) -> bool:
        """True when the database file is not writable for this process: it was opened
        read-only, so only reading works (search, lists, exports)."""
        return self._db.readonly

    @property
    def index_outdated(self) -> bool:
        """True when the database is read-only and its search index was built with other
        stemming rules: search works, but stemmed matches may be incomplete."""
        return self._db.index_stale

    # -- lifecycle -----------------------------------------------------------------------
    def close(self) -> None:
        """Close every storage connection this facade opened."""
        with self._lock:
            opened, self._open = self._open, []
        for storage in opened:
            storage.close()
        self._local = threading.local()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- taxonomy ------------------------------------------------------------------------
    def taxonomy(self) -> Taxonomy:
        """The label set (``settings.topics``), read once; ConfigError when it is broken.

        Every label list (feeds.toml domains, human corrections, search filters, digests,
        the web) comes from here, so a label added to topics.toml exists everywhere."""
        with self._lock:
            if self._taxonomy is None:
                self._taxonomy = load_taxonomy(self.settings.topics)
            return self._taxonomy

    # -- model ---------------------------------------------------------------------------
    def model(self, *, required: bool = False) -> DomainModel | None:
        """The domain classifier, loaded once; None (with :attr:`model_problem`) if absent.

        With ``required`` a missing or incompatible model raises ModelError instead.
        """
        from nieuwsradar.classify import load_model  # numpy: only when a model is used

        with self._lock:
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
