"""The Storage facade and :func:`open_storage`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from nieuwsradar.errors import StorageError
from nieuwsradar.storage import fts
from nieuwsradar.storage.agenda import AgendaMixin
from nieuwsradar.storage.clusters import ClustersMixin
from nieuwsradar.storage.connection import connect, storage_error, use_wal, writable
from nieuwsradar.storage.counts import CountsMixin
from nieuwsradar.storage.digests import DigestsMixin
from nieuwsradar.storage.items import ItemsMixin, forget_items
from nieuwsradar.storage.labels import LabelsMixin
from nieuwsradar.storage.members import MembersMixin
from nieuwsradar.storage.meta import MetaMixin
from nieuwsradar.storage.migrations import SCHEMA_VERSION, check_ours, migrate, schema_version
from nieuwsradar.storage.review import ReviewMixin
from nieuwsradar.storage.search import SearchMixin
from nieuwsradar.storage.sources import SourcesMixin
from nieuwsradar.storage.users import UsersMixin


class Storage(SourcesMixin, ItemsMixin, LabelsMixin, ClustersMixin, SearchMixin, UsersMixin,
              MetaMixin, MembersMixin, DigestsMixin, CountsMixin, AgendaMixin, ReviewMixin):
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


def open_storage(path: str | Path, *, create: bool = True) -> Storage:
    """Open (creating and migrating as needed) the database at ``path``.

    With ``create=False`` a database file that does not exist is not created: a command
    that only reads refuses with a StorageError instead of leaving an empty database
    behind (for a mistyped --db, say).

    Opening a current database writes nothing, so reading commands never take the write
    lock. A file this process may not write is opened read-only: it can be searched
    when its schema is current (a stale search index is then only flagged in
    ``index_stale``). Raises StorageError naming the path when the directory is
    missing, the file is not a nieuwsradar database (another application's
    file is refused, not converted), it was made by a newer nieuwsradar, or it cannot be
    written.
    """
    db_path = Path(path).expanduser()
    if not create and not db_path.exists():
        raise StorageError(
            f"{db_path}: deze database bestaat niet; maak haar eerst met 'nieuwsradar "
            "update' (of probeer 'nieuwsradar demo'), of kies de juiste database met --db "
            "of NIEUWSRADAR_DB")
    readonly = db_path.exists() and not db_path.is_dir() and not writable(db_path)
    conn = connect(db_path, readonly=readonly)
    try:
        storage = _open_readonly(conn, db_path) if readonly else _open_writable(conn, db_path)
    except StorageError:
        conn.close()
        raise
    except sqlite3.Error as exc:
        conn.close()
        raise storage_error(db_path, "opening and migrating the database", exc) from exc
    return storage


def _open_writable(conn: sqlite3.Connection, path: Path) -> Storage:
    """Check, switch to WAL, migrate, and rebuild the index only when it is stale."""
    check_ours(conn, path)
    use_wal(conn)
    migrate(conn, path)
    storage = Storage(path, conn)
    if fts.needs_rebuild(conn):
        with storage.transaction():
            if fts.needs_rebuild(conn):  # another process may have rebuilt it meanwhile
                fts.rebuild(conn)
    return storage


def _open_readonly(conn: sqlite3.Connection, path: Path) -> Storage:
    """Check a database this process cannot write; it must be at the current schema."""
    check_ours(conn, path)
    version = schema_version(conn)
    if version == 0:
        raise StorageError(f"{path}: the file is empty and read-only; there is nothing to "
                           "read. Choose a nieuwsradar database (--db or NIEUWSRADAR_DB)")
    if version < SCHEMA_VERSION:
        raise StorageError(
            f"{path}: the database has schema version {version} and must be upgraded to "
            f"{SCHEMA_VERSION}, but it is read-only; open it once with write permission "
            "(any nieuwsradar command upgrades it), or use a writable copy")
    migrate(conn, path)  # only refuses a newer schema; never writes at the current one
    storage = Storage(path, conn, readonly=True)
    storage.index_stale = fts.needs_rebuild(conn)
    return storage
