"""Open the SQLite connection with our pragmas and turn SQLite failures into StorageError.

Every failure a user can meet (missing directory, a file that is not a database, a
read-only location, a full disk, a lock held too long) becomes a :class:`StorageError`
that names the database path and says what to do.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from nieuwsradar.errors import StorageError

WAL_CHECKPOINT_PAGES = 16384
BUSY_TIMEOUT_MS = 10_000
CACHE_KIB = 64 * 1024

_HINTS = (
    ("disk is full", "free disk space (or move the database) and run the command again"),
    ("file is not a database", "this file is not a nieuwsradar database: choose another "
     "path, or restore the database from a backup"),
    ("malformed", "the database is damaged: restore it from a backup"),
    ("readonly", "the database or its directory is read-only: fix the permissions or "
     "choose a writable path"),
    ("unable to open", "check that the directory exists and is writable"),
    ("locked", "another nieuwsradar process is writing: wait for it and try again"),
    ("busy", "another nieuwsradar process is writing: wait for it and try again"),
)


def storage_error(path: Path, action: str, exc: BaseException) -> StorageError:
    """Build a StorageError for ``exc`` raised while ``action`` on the database ``path``."""
    text = str(exc)
    hint = next((h for key, h in _HINTS if key in text.lower()), "")
    message = f"{path}: {action} failed: {text}"
    return StorageError(f"{message}; {hint}" if hint else message)


def connect(path: Path) -> sqlite3.Connection:
    """Open ``path`` (creating the file if needed) in WAL mode with our pragmas.

    The connection is in autocommit mode (``isolation_level=None``): transactions are
    always explicit (``BEGIN IMMEDIATE``), so nothing is committed behind our back.
    """
    if not path.parent.is_dir():
        raise StorageError(
            f"{path}: cannot open the database: directory {path.parent} does not exist; "
            "create it first or choose another database path"
        )
    if path.is_dir():
        raise StorageError(f"{path}: is a directory; give the path of a database file")
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise storage_error(path, "opening the database", exc) from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"could not switch to WAL mode (got {mode!r})")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        # Checkpoint the WAL every ~64 MiB instead of every 4 MiB: an ingest run writes
        # tens of MiB, and each checkpoint is a sync of the database file.
        conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
    except sqlite3.Error as exc:
        conn.close()
        raise storage_error(path, "opening the database", exc) from exc
    return conn
