"""Service bookkeeping: small named values in ``meta``, failing sources, a health probe.

The service records when its last poll started and ended in ``meta`` (not in the memory
of one process), so ``/health``, the CLI and a second process all read the same answer.
:func:`probe` checks a database file from outside any open connection: an open
connection keeps working on a file that was deleted or replaced underneath it, so only
a fresh, read-only one tells whether the database on disk is still usable.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from nieuwsradar.storage.base import StorageBase
from nieuwsradar.storage.convert import from_db, to_db
from nieuwsradar.storage.migrations import SCHEMA_VERSION, schema_version

#: How long a health probe waits for a writer's lock before calling the database busy.
PROBE_TIMEOUT_S = 2.0


class MetaMixin(StorageBase):
    """Named values in ``meta`` and the sources that keep failing."""

    def meta_values(self, prefix: str) -> dict[str, str]:
        """Every ``meta`` value whose key starts with ``prefix``, by key."""
        with self._reading():
            rows = self._conn.execute(
                "SELECT key, value FROM meta WHERE substr(key, 1, length(?)) = ?",
                (prefix, prefix),
            ).fetchall()
        return {str(key): str(value) for key, value in rows}

    def set_meta_values(self, values: dict[str, str | None]) -> None:
        """Store ``values`` in ``meta`` in one transaction; a None value removes the key."""
        with self.transaction():
            for key, value in values.items():
                if value is None:
                    self._conn.execute("DELETE FROM meta WHERE key = ?", (key,))
                else:
                    self._conn.execute(
                        "INSERT INTO meta(key, value) VALUES (?, ?) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        (key, value),
                    )

    def any_due(self, now: datetime) -> bool:
        """Whether any source is due at ``now`` (never checked, or its next check passed).

        Cheap (no per-source item counts), so a scheduler can ask it every minute.
        """
        with self._reading():
            row = self._conn.execute(
                "SELECT 1 FROM sources WHERE next_check_at IS NULL OR next_check_at <= ? "
                "LIMIT 1", (to_db(now, "now"),)).fetchone()
        return row is not None

    def failing_since(self, before: datetime) -> list[tuple[int, datetime]]:
        """Sources failing since before ``before``: (id, when they last worked, or were
        added when they never did), longest failing first.

        A source fails while its error count is above zero; it counts from its last good
        check, so a source that worked this morning and failed since is not yet flagged.
        """
        with self._reading():
            rows = self._conn.execute(
                "SELECT id, coalesce(last_ok_at, created_at) AS since FROM sources "
                "WHERE error_count > 0 AND coalesce(last_ok_at, created_at) < ? "
                "ORDER BY since, id",
                (to_db(before, "before"),),
            ).fetchall()
        return [(int(source_id), from_db(since)) for source_id, since in rows]


def probe(path: Path) -> str | None:
    """Why the database file at ``path`` is unusable, or None when it answers.

    Opens a fresh read-only connection (it never creates the file), checks the schema
    version and reads the tables the service needs. Fast on any size of archive: it does
    not scan the whole file (that is ``check_integrity``'s job).
    """
    if not path.is_file():
        return f"{path}: the database file does not exist"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                               timeout=PROBE_TIMEOUT_S)
    except sqlite3.Error as exc:
        return f"{path}: cannot open the database: {exc}"
    try:
        version = schema_version(conn)
        if version == 0:
            return f"{path}: not a nieuwsradar database (no schema)"
        if version > SCHEMA_VERSION:
            return (f"{path}: schema version {version} is newer than this nieuwsradar "
                    f"knows ({SCHEMA_VERSION})")
        conn.execute("SELECT count(*) FROM meta").fetchone()
        conn.execute("SELECT max(id) FROM sources").fetchone()
        conn.execute("SELECT max(id) FROM items").fetchone()
    except sqlite3.Error as exc:
        return f"{path}: the database cannot be read: {exc}"
    finally:
        conn.close()
    return None
