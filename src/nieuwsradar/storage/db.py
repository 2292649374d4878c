"""The Storage facade and :func:`open_storage`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from nieuwsradar.errors import StorageError
from nieuwsradar.storage import fts
from nieuwsradar.storage.agenda import AgendaMixin
from nieuwsradar.storage.clusters import ClustersMixin
from nieuwsradar.storage.connection import connect, storage_error
from nieuwsradar.storage.counts import CountsMixin
from nieuwsradar.storage.digests import DigestsMixin
from nieuwsradar.storage.items import ItemsMixin, forget_items
from nieuwsradar.storage.labels import LabelsMixin
from nieuwsradar.storage.members import MembersMixin
from nieuwsradar.storage.meta import MetaMixin
from nieuwsradar.storage.migrations import migrate
from nieuwsradar.storage.search import SearchMixin
from nieuwsradar.storage.sources import SourcesMixin
from nieuwsradar.storage.users import UsersMixin


class Storage(SourcesMixin, ItemsMixin, LabelsMixin, ClustersMixin, SearchMixin, UsersMixin,
              MetaMixin, CountsMixin, AgendaMixin, MembersMixin, DigestsMixin):
    """The nieuwsradar database: sources, items, labels, clusters and search.

    Make one with :func:`open_storage`. Every method raises StorageError (naming the
    database path) when SQLite fails; every write runs in one transaction.
    """

    def remove_source(self, source_id: int, *, purge: bool = False) -> None:
        """Remove a source.

        A source that still has items is only removed with ``purge=True``, which deletes
        its items too (with their labels, index entries and tombstones); without it the
        call refuses with a StorageError, so removing a feed from the configuration
        never silently throws away its archive.
        """
        with self.transaction():
            conn = self._conn
            if not conn.execute("SELECT 1 FROM sources WHERE id = ?", (source_id,)).fetchone():
                raise self._fail(f"cannot remove source {source_id}: there is no such source")
            ids = [r[0] for r in conn.execute(
                "SELECT id FROM items WHERE source_id = ?", (source_id,)
            )]
            if ids and not purge:
                raise self._fail(
                    f"source {source_id} still has {len(ids)} items; remove it with "
                    "purge=True (CLI: --purge) to delete them too"
                )
            if ids:
                forget_items(conn, ids)
            conn.execute("DELETE FROM sources WHERE id = ?", (source_id,))

    def check_integrity(self) -> list[str]:
        """Problems found by SQLite's integrity check and FTS5's index check, plus a
        count check of the index against ``items``; an empty list means healthy."""
        problems: list[str] = []
        with self._reading("checking integrity"):
            conn = self._conn
            problems += [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
            problems += [
                f"foreign key: {r[0]} row {r[1]} -> {r[2]}"
                for r in conn.execute("PRAGMA foreign_key_check")
            ]
            indexed = conn.execute("SELECT count(*) FROM items_fts_docsize").fetchone()[0]
            stored = conn.execute("SELECT count(*) FROM items").fetchone()[0]
            if indexed != stored:
                problems.append(f"full-text index has {indexed} rows for {stored} items")
            try:
                conn.execute("INSERT INTO items_fts(items_fts, rank) VALUES ('integrity-check', 0)")
            except sqlite3.DatabaseError as exc:
                problems.append(f"full-text index: {exc}")
        return problems

    def rebuild_index(self) -> None:
        """Rebuild the full-text index from the items (e.g. after restoring a backup)."""
        with self.transaction():
            fts.rebuild(self._conn)


def open_storage(path: str | Path) -> Storage:
    """Open (creating and migrating as needed) the database at ``path``.

    Raises StorageError naming the path when the directory is missing, the file is not a
    nieuwsradar database, it was made by a newer nieuwsradar, or it cannot be written.
    """
    db_path = Path(path).expanduser()
    conn = connect(db_path)
    try:
        migrate(conn, db_path)
        storage = Storage(db_path, conn)
        with storage._reading("checking the search index"):
            stale = fts.needs_rebuild(conn)
        if stale:
            storage.rebuild_index()
    except StorageError:
        conn.close()
        raise
    except sqlite3.Error as exc:
        conn.close()
        raise storage_error(db_path, "opening and migrating the database", exc) from exc
    return storage
