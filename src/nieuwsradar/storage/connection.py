"""Open the SQLite connection with our pragmas and turn SQLite failures into StorageError.

Every failure a user can meet (missing directory, a file that is not a database, a
read-only location, a full disk, a lock held too long) becomes a :class:`StorageError`
that names the database path and says what to do.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nieuwsradar.errors import StorageError

WAL_CHECKPOINT_PAGES = 16384
#: How long a writer waits for another one (an update's write batch, a label correction)
#: before giving up with "database is locked".
BUSY_TIMEOUT_MS = 30_000
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
    ("too large to convert", "a number (an id?) is larger than the database can hold; "
     "check it"),
)


def storage_error(path: Path, action: str, exc: BaseException) -> StorageError:
    """Build a StorageError for ``exc`` raised while ``action`` on the database ``path``."""
    text = str(exc)
    hint = next((h for key, h in _HINTS if key in text.lower()), "")
    message = f"{path}: {action} failed: {text}"
    return StorageError(f"{message}; {hint}" if hint else message)


@contextmanager
def unzeroed_frees(conn: sqlite3.Connection) -> Iterator[None]:
    """Free pages in the block without overwriting them with zeros.

    SQLite as Debian builds it zeroes every page it frees (``secure_delete``): right for
    members and coordinators, whose deleted rows must not linger in the file, but
    dropping or emptying the search index (public news text) then dirties every page of
    it in one transaction, and they stay in memory: 1.44 GB of RSS to upgrade a
    1,000,000-item archive, ~90 MB without. The setting is restored afterwards.
    """
    previous = int(conn.execute("PRAGMA secure_delete").fetchone()[0])
    conn.execute("PRAGMA secure_delete = OFF")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA secure_delete = {previous:d}")


def writable(path: Path) -> bool:
    """True when this process may write the database at ``path``: the file (if it exists)
    and its directory (for the ``-wal`` and ``-shm`` files) are writable."""
    if path.exists() and not os.access(path, os.W_OK):
        return False
    return os.access(path.parent, os.W_OK)


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open ``path`` with our pragmas (creating the file if needed, unless ``readonly``).

    The connection is in autocommit mode (``isolation_level=None``): transactions are
    always explicit (``BEGIN IMMEDIATE``), so nothing is committed behind our back. The
    journal mode is not touched here: :func:`use_wal` switches to WAL once the caller
    knows the file is a nieuwsradar database (another application's file is left as it
    is). A ``readonly`` connection cannot write at all (``mode=ro``, ``query_only``). In
    a read-only directory without a ``-shm`` file SQLite cannot build the WAL index;
    then no process has the database open for writing, and it is opened as immutable
    (a writer that starts later, as another user, is not seen by this connection).
    """
    if not path.parent.is_dir():
        raise StorageError(
            f"{path}: cannot open the database: directory {path.parent} does not exist; "
            "create it first or choose another database path"
        )
    if path.is_dir():
        raise StorageError(f"{path}: is a directory; give the path of a database file")
    try:
        conn = _open(path, readonly=readonly)
    except sqlite3.Error as exc:
        raise storage_error(path, "opening the database", exc) from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        if readonly:
            conn.execute("PRAGMA query_only = ON")
    except sqlite3.Error as exc:
        conn.close()
        raise storage_error(path, "opening the database", exc) from exc
    return conn


def _open(path: Path, *, readonly: bool) -> sqlite3.Connection:
    if not readonly:
        return sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    uri = f"{path.resolve().as_uri()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        text = str(exc).lower()
        if "unable to open" not in text and "readonly" not in text:
            raise
        if path.with_name(f"{path.name}-shm").exists():
            raise  # a writer may have it open: immutable reads could be inconsistent
    # A WAL database in a read-only directory without its -shm file: SQLite cannot
    # build the shared WAL index; no process has the database open for writing.
    return sqlite3.connect(f"{uri}&immutable=1", uri=True, isolation_level=None,
                           check_same_thread=False)


def use_wal(conn: sqlite3.Connection) -> None:
    """Switch a writable nieuwsradar database to WAL mode with our write pragmas.

    WAL lets readers run beside the one writer; writers wait for each other for up to
    ``BUSY_TIMEOUT_MS`` instead of failing at once.
    """
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise sqlite3.OperationalError(f"could not switch to WAL mode (got {mode!r})")
    conn.execute("PRAGMA synchronous = NORMAL")
    # Checkpoint the WAL every ~64 MiB instead of every 4 MiB: an ingest run writes
    # tens of MiB, and each checkpoint is a sync of the database file.
    conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
