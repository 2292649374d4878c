"""The connection-owning core of :class:`~nieuwsradar.storage.Storage`.

It owns the connection, the transaction helper and the translation of sqlite3 errors
into :class:`StorageError`. The feature mixins (sources, items, labels, clusters,
search) build on it and touch the database only through ``self._conn`` inside
``self.transaction()`` (writes) or ``self._reading()`` (reads).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

from nieuwsradar.errors import StorageError
from nieuwsradar.storage.connection import storage_error

if TYPE_CHECKING:
    import sqlite_utils


class StorageBase:
    """Owns one SQLite connection to the database at ``path``.

    A Storage object is not safe for concurrent use by several threads: give each
    thread its own (``open_storage`` is cheap once the database is migrated).
    """

    path: Path
    readonly: bool
    """True when the file is opened read-only (it is not writable for this process)."""
    index_stale: bool
    """True when the search index was built with other stemming rules and could not be
    rebuilt (read-only file): search still works, stemmed matches may be incomplete."""

    def __init__(self, path: Path, conn: sqlite3.Connection, *, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        self.index_stale = False
        self._conn = conn

    @cached_property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils view of the same connection, for tools and notebooks (imported on
        first use: sqlite-utils loads numpy, ~0.1 s that a CLI search need not pay)."""
        import sqlite_utils

        return sqlite_utils.Database(self._conn)

    def close(self) -> None:
        """Close the connection; the object cannot be used afterwards."""
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block in one write transaction (BEGIN IMMEDIATE ... COMMIT).

        Any exception rolls everything back. Inside another transaction this is a no-op,
        so the outer block decides: an exception escaping the inner block still rolls
        back the whole outer transaction.
        """
        if self._conn.in_transaction:
            yield
            return
        with self._reading("writing"):
            self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException as exc:
            self._rollback()
            if isinstance(exc, sqlite3.Error | OverflowError):
                raise storage_error(self.path, "writing", exc) from exc
            raise
        try:
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise storage_error(self.path, "committing", exc) from exc

    def _rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    @contextmanager
    def _reading(self, action: str = "reading") -> Iterator[None]:
        """Translate sqlite3 errors raised in the block into StorageError (also the
        OverflowError of a number beyond SQLite's 64-bit integers, e.g. an id)."""
        try:
            yield
        except (sqlite3.Error, OverflowError) as exc:
            raise storage_error(self.path, action, exc) from exc

    def _fail(self, message: str) -> StorageError:
        return StorageError(f"{self.path}: {message}")
