"""Numbered schema migrations, kept in ``PRAGMA user_version``.

``MIGRATIONS[n - 1]`` upgrades a database from version ``n - 1`` to ``n``. Migrations are
only ever appended, never edited once released. :func:`migrate` runs every pending one
in a single ``BEGIN IMMEDIATE`` transaction, so a failure (or a crash) leaves the
database at its old version, and two processes opening a new database at once cannot
both run the same migration.

Datetimes are ISO-8601 UTC text with microseconds (``2025-03-04T10:00:00.000000+00:00``),
fixed width and therefore sortable as text. JSON columns hold JSON text.

The FTS5 table ``items_fts`` is an external-content table over the view
``items_fts_content``: the raw columns are read back from ``items`` (for snippets) and
the stemmed shadow columns are stored only in the index (the view returns '' for them).
Storage writes the index explicitly in the same transaction as the item; see
:mod:`nieuwsradar.storage.fts`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from nieuwsradar.errors import StorageError
from nieuwsradar.storage import vocabulary

Migration = Callable[[sqlite3.Connection], None]


def _script(*statements: str) -> Migration:
    """A migration that runs ``statements`` one by one (executescript would COMMIT)."""

    def run(conn: sqlite3.Connection) -> None:
        for statement in statements:
            conn.execute(statement)

    return run


_V1_CORE = _script(
    """CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        publisher TEXT NOT NULL DEFAULT '',
        default_domains TEXT NOT NULL DEFAULT '[]',
        settings TEXT NOT NULL DEFAULT '{}',
        etag TEXT,
        last_modified TEXT,
        next_check_at TEXT,
        interval_s INTEGER NOT NULL,
        last_error TEXT,
        error_count INTEGER NOT NULL DEFAULT 0,
        last_ok_at TEXT,
        last_checked_at TEXT,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX sources_next_check_at ON sources(next_check_at)",
    """CREATE TABLE clusters (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        first_seen_at TEXT NOT NULL,
        size INTEGER NOT NULL DEFAULT 0,
        representative_item_id INTEGER REFERENCES items(id) ON DELETE SET NULL
    )""",
    "CREATE INDEX clusters_representative ON clusters(representative_item_id)",
    # Small columns first: filters read published_at/cluster_id without walking past
    # (possibly overflowing) text columns.
    """CREATE TABLE items (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source_id INTEGER NOT NULL REFERENCES sources(id),
        published_at TEXT NOT NULL,
        fetched_at TEXT NOT NULL,
        cluster_id INTEGER REFERENCES clusters(id) ON DELETE SET NULL,
        lang TEXT NOT NULL DEFAULT '',
        content_hash TEXT NOT NULL,
        guid TEXT NOT NULL,
        url TEXT NOT NULL,
        title TEXT NOT NULL,
        summary TEXT NOT NULL DEFAULT '',
        content_text TEXT NOT NULL DEFAULT '',
        content_html TEXT NOT NULL DEFAULT '',
        minhash BLOB,
        UNIQUE (source_id, guid)
    )""",
    "CREATE INDEX items_published_at ON items(published_at)",
    "CREATE INDEX items_source_published_at ON items(source_id, published_at)",
    "CREATE INDEX items_cluster ON items(cluster_id, published_at)",
    "CREATE INDEX items_content_hash ON items(content_hash)",
    """CREATE TABLE tombstones (
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        guid TEXT NOT NULL,
        url TEXT NOT NULL,
        deleted_at TEXT NOT NULL,
        PRIMARY KEY (source_id, guid)
    ) WITHOUT ROWID""",
    "CREATE INDEX tombstones_url ON tombstones(source_id, url)",
    """CREATE TABLE item_labels (
        item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        label TEXT NOT NULL,
        score REAL NOT NULL,
        origin TEXT NOT NULL CHECK (origin IN ('model', 'human')),
        model_version TEXT,
        at TEXT NOT NULL,
        PRIMARY KEY (item_id, label, origin)
    ) WITHOUT ROWID""",
    "CREATE INDEX item_labels_label ON item_labels(label, origin, item_id)",
    """CREATE VIEW items_fts_content AS
        SELECT id, title, summary, content_text, '' AS stem_title, '' AS stem_body
        FROM items""",
    """CREATE VIRTUAL TABLE items_fts USING fts5(
        title, summary, content_text, stem_title, stem_body,
        content = 'items_fts_content', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
    )""",
)

_V2_MEMBERS_DIGESTS_MEETINGS = _script(
    """CREATE TABLE members (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        name TEXT NOT NULL DEFAULT '',
        organisation TEXT NOT NULL DEFAULT '',
        network TEXT NOT NULL DEFAULT '',
        active INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        unsubscribed_at TEXT
    )""",
    """CREATE TABLE subscriptions (
        id INTEGER PRIMARY KEY,
        member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('domain', 'search')),
        value TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (member_id, kind, value)
    )""",
    """CREATE TABLE digests (
        id INTEGER PRIMARY KEY,
        period TEXT NOT NULL,
        network TEXT NOT NULL DEFAULT '',
        built_at TEXT NOT NULL,
        item_ids TEXT NOT NULL DEFAULT '[]',
        UNIQUE (period, network)
    )""",
    """CREATE TABLE digest_sends (
        id INTEGER PRIMARY KEY,
        member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
        period TEXT NOT NULL,
        digest_id INTEGER REFERENCES digests(id) ON DELETE SET NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
        message_id TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        updated_at TEXT NOT NULL,
        sent_at TEXT,
        UNIQUE (member_id, period)
    )""",
    "CREATE INDEX digest_sends_digest ON digest_sends(digest_id)",
    """CREATE TABLE meetings (
        id INTEGER PRIMARY KEY,
        network TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL,
        held_at TEXT,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE agenda_items (
        id INTEGER PRIMARY KEY,
        meeting_id INTEGER NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
        item_id INTEGER REFERENCES items(id) ON DELETE SET NULL,
        note TEXT NOT NULL DEFAULT '',
        position INTEGER NOT NULL DEFAULT 0,
        pinned_by TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        UNIQUE (meeting_id, item_id)
    )""",
    "CREATE INDEX agenda_items_item ON agenda_items(item_id)",
)

_USERS_AND_CORRECTIONS = _script(
    # Coordinators who sign in to the web app; the API token is stored as its SHA-256.
    """CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        name TEXT NOT NULL DEFAULT '',
        password_hash TEXT NOT NULL,
        token_hash TEXT UNIQUE,
        created_at TEXT NOT NULL,
        last_login_at TEXT
    )""",
    # Failed sign-ins per key ("account:EMAIL" / "client:ADDRESS"), for slowing down.
    """CREATE TABLE login_failures (
        key TEXT NOT NULL,
        at TEXT NOT NULL
    )""",
    "CREATE INDEX login_failures_key ON login_failures(key, at)",
    # Who corrected which labels of an item and when (the human labels themselves live
    # in item_labels with origin 'human').
    """CREATE TABLE label_corrections (
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        labels TEXT NOT NULL,
        by_email TEXT NOT NULL,
        at TEXT NOT NULL
    )""",
    "CREATE INDEX label_corrections_item ON label_corrections(item_id, at)",
)


def _v3_search(conn: sqlite3.Connection) -> None:
    """The search vocabulary (compounds, document frequencies; filled from the existing
    index) and a narrow index of items by id for filters and facets (see storage/search)."""
    for statement in vocabulary.CREATE:
        conn.execute(statement)
    vocabulary.fill_from_index(conn)
    conn.execute("CREATE INDEX items_search ON items(id, source_id, published_at)")


# Items of a source by canonical url: recognising a feed's items under unstable guids.
_V3_ITEMS_BY_SOURCE_URL = _script(
    "CREATE INDEX items_source_url ON items(source_id, url)",
)

# Leases: which update run is fetching a source, until when (concurrent updates).
_V4_SOURCE_LEASES = _script(
    "ALTER TABLE sources ADD COLUMN lease_owner TEXT",
    "ALTER TABLE sources ADD COLUMN lease_until TEXT",
)

MIGRATIONS: tuple[Migration, ...] = (
    _V1_CORE, _V2_MEMBERS_DIGESTS_MEETINGS, _USERS_AND_CORRECTIONS, _v3_search,
    _V3_ITEMS_BY_SOURCE_URL, _V4_SOURCE_LEASES,
)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    """Return the database's schema version (0 for a new, empty database)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, path: Path, *, target: int = SCHEMA_VERSION) -> int:
    """Bring the database at ``path`` to schema version ``target``; return the old version.

    Raises StorageError when the database was made by a newer nieuwsradar. The caller
    maps sqlite3 errors; on any error the transaction is rolled back.
    """
    if not 0 <= target <= SCHEMA_VERSION:
        raise ValueError(f"target must be between 0 and {SCHEMA_VERSION}, not {target}")
    found = schema_version(conn)
    if found > SCHEMA_VERSION:
        raise StorageError(
            f"{path}: the database has schema version {found}, but this nieuwsradar only "
            f"knows versions up to {SCHEMA_VERSION}; upgrade nieuwsradar, or use another "
            "database file"
        )
    if found >= target:
        return found
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = schema_version(conn)  # another process may have migrated meanwhile
        for version in range(current + 1, target + 1):
            MIGRATIONS[version - 1](conn)
            conn.execute(f"PRAGMA user_version = {version:d}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return found
