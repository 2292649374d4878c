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
the stemmed shadow columns and the filter tokens (``tags``) are stored only in the index
(the view returns '' for them).
Storage writes the index explicitly in the same transaction as the item; see
:mod:`nieuwsradar.storage.fts`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from nieuwsradar.errors import StorageError
from nieuwsradar.storage import vocabulary
from nieuwsradar.storage.connection import unzeroed_frees

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

# Items of a source by canonical url: recognising a feed's items under unstable guids.
_V3_ITEMS_BY_SOURCE_URL = _script(
    "CREATE INDEX items_source_url ON items(source_id, url)",
)

# Leases: which update run is fetching a source, until when (concurrent updates).
_V4_SOURCE_LEASES = _script(
    "ALTER TABLE sources ADD COLUMN lease_owner TEXT",
    "ALTER TABLE sources ADD COLUMN lease_until TEXT",
)

_V5_USERS_AND_CORRECTIONS = _script(
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

# The digest's send log needs the states of an idempotent send ('sending' is committed
# before SMTP DATA; one left behind by a killed run becomes 'uncertain', never resent),
# the subject and items of what was sent (a member sees earlier weeks), a member's
# "send a short note when there is nothing" preference and a record of unsubscriptions.
_V6_DIGEST_SEND_LOG = _script(
    "ALTER TABLE members ADD COLUMN note_when_empty INTEGER NOT NULL DEFAULT 0",
    """CREATE TABLE unsubscribes (
        id INTEGER PRIMARY KEY,
        member_id INTEGER REFERENCES members(id) ON DELETE SET NULL,
        email TEXT NOT NULL,
        via TEXT NOT NULL,
        at TEXT NOT NULL
    )""",
    "CREATE INDEX unsubscribes_at ON unsubscribes(at)",
    """CREATE TABLE digest_sends_v3 (
        id INTEGER PRIMARY KEY,
        member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
        period TEXT NOT NULL,
        digest_id INTEGER REFERENCES digests(id) ON DELETE SET NULL,
        status TEXT NOT NULL CHECK (status IN
            ('pending', 'sending', 'sent', 'failed', 'uncertain', 'empty')),
        message_id TEXT,
        subject TEXT NOT NULL DEFAULT '',
        item_ids TEXT NOT NULL DEFAULT '[]',
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        updated_at TEXT NOT NULL,
        sent_at TEXT,
        UNIQUE (member_id, period)
    )""",
    """INSERT INTO digest_sends_v3 (id, member_id, period, digest_id, status, message_id,
        attempts, last_error, updated_at, sent_at)
        SELECT id, member_id, period, digest_id, status, message_id, attempts, last_error,
        updated_at, sent_at FROM digest_sends""",
    "DROP TABLE digest_sends",
    "ALTER TABLE digest_sends_v3 RENAME TO digest_sends",
    "CREATE INDEX digest_sends_digest ON digest_sends(digest_id)",
    "CREATE INDEX digest_sends_period ON digest_sends(period, status)",
)


#: The domain bit mask of an item (bits in the order of storage.counts.COUNTED_DOMAINS),
#: over the labels that count (human labels win). ``:item`` is replaced by the item id expression.
TREND_DOMAIN_MASK = (
    "(SELECT coalesce(sum(DISTINCT CASE l.label WHEN 'handhaving' THEN 1 "
    "WHEN 'ondermijning' THEN 2 WHEN 'sociaal domein' THEN 4 WHEN 'omgevingswet' THEN 8 "
    "ELSE 0 END), 0) FROM item_labels l WHERE l.item_id = :item AND (l.origin = 'human' "
    "OR NOT EXISTS (SELECT 1 FROM item_labels h WHERE h.item_id = :item "
    "AND h.origin = 'human')))"
)


def _mask_of(item: str) -> str:
    return TREND_DOMAIN_MASK.replace(":item", item)


# Trend counts (see storage/counts.py). trend_items holds each counted item's topic keys
# (one row per item: cheap at ingest); trend_counts holds the per-week aggregate (voices
# = distinct sources, and items) per domain ('' = all) and topic key ('' = the week's
# totals), built once a week is over. Triggers keep both honest when items are deleted,
# edited or relabelled: the week is marked for re-aggregation, an edited item is recounted.
_V7_TREND_COUNTS_AND_TOPIC_PINS = _script(
    """CREATE TABLE trend_items (
        item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
        week TEXT NOT NULL,
        source_id INTEGER NOT NULL,
        domains INTEGER NOT NULL,
        terms TEXT NOT NULL
    )""",
    "CREATE INDEX trend_items_week ON trend_items(week)",
    """CREATE TABLE trend_counts (
        domain TEXT NOT NULL,
        week TEXT NOT NULL,
        stem TEXT NOT NULL,
        sources INTEGER NOT NULL,
        items INTEGER NOT NULL,
        PRIMARY KEY (domain, week, stem)
    ) WITHOUT ROWID""",
    """CREATE TABLE trend_weeks (
        week TEXT PRIMARY KEY,
        aggregated INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID""",
    "CREATE TABLE trend_recount (item_id INTEGER PRIMARY KEY)",
    """CREATE TRIGGER trend_items_deleted AFTER DELETE ON trend_items BEGIN
        UPDATE trend_weeks SET aggregated = 0 WHERE week = OLD.week;
    END""",
    """CREATE TRIGGER trend_items_relabelled AFTER UPDATE OF domains ON trend_items
    WHEN OLD.domains <> NEW.domains BEGIN
        UPDATE trend_weeks SET aggregated = 0 WHERE week = NEW.week;
    END""",
    f"""CREATE TRIGGER trend_label_added AFTER INSERT ON item_labels BEGIN
        UPDATE trend_items SET domains = {_mask_of('NEW.item_id')}
        WHERE item_id = NEW.item_id;
    END""",  # noqa: S608 - constants only
    f"""CREATE TRIGGER trend_label_removed AFTER DELETE ON item_labels BEGIN
        UPDATE trend_items SET domains = {_mask_of('OLD.item_id')}
        WHERE item_id = OLD.item_id;
    END""",  # noqa: S608 - constants only
    """CREATE TRIGGER trend_item_edited
    AFTER UPDATE OF title, summary, published_at, source_id ON items
    WHEN EXISTS (SELECT 1 FROM trend_items WHERE item_id = NEW.id) BEGIN
        DELETE FROM trend_items WHERE item_id = NEW.id;
        INSERT OR IGNORE INTO trend_recount(item_id) VALUES (NEW.id);
    END""",
    # Agenda pins of a topic (not an item): its key, the text shown, and the domain.
    "ALTER TABLE agenda_items ADD COLUMN topic TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE agenda_items ADD COLUMN topic_label TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE agenda_items ADD COLUMN domain TEXT NOT NULL DEFAULT ''",
    """CREATE UNIQUE INDEX agenda_items_topic ON agenda_items(meeting_id, topic, domain)
        WHERE topic <> ''""",
)


def _v8_search(conn: sqlite3.Connection) -> None:
    """The search vocabulary (compounds, document frequencies; filled from the existing
    index) and a narrow index of items by id for filters and facets (see storage/search)."""
    for statement in vocabulary.CREATE:
        conn.execute(statement)
    vocabulary.fill_from_index(conn)
    conn.execute("CREATE INDEX items_search ON items(id, source_id, published_at)")


# Filter tokens in the search index (see storage/fts.py): items_fts gets a ``tags`` column
# and search_tags keeps what each item's row holds there. FTS5 cannot add a column, so
# the index is dropped (without zeroing its pages, see unzeroed_frees) and made anew,
# empty; forgetting the recorded index version makes the next open rebuild it
# (storage/db.py), in a transaction of its own.
_V9_STATEMENTS = (
    "DROP TABLE items_fts",
    "DROP VIEW items_fts_content",
    """CREATE VIEW items_fts_content AS
        SELECT id, title, summary, content_text, '' AS stem_title, '' AS stem_body,
        '' AS tags FROM items""",
    """CREATE VIRTUAL TABLE items_fts USING fts5(
        title, summary, content_text, stem_title, stem_body, tags,
        content = 'items_fts_content', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
    )""",
    """CREATE TABLE search_tags (
        item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
        tags TEXT NOT NULL
    )""",
    "DELETE FROM meta WHERE key = 'fts_stemmer'",
)


def _v9_filter_tokens(conn: sqlite3.Connection) -> None:
    with unzeroed_frees(conn):
        _script(*_V9_STATEMENTS)(conn)


MIGRATIONS: tuple[Migration, ...] = (
    _V1_CORE, _V2_MEMBERS_DIGESTS_MEETINGS, _V3_ITEMS_BY_SOURCE_URL, _V4_SOURCE_LEASES,
    _V5_USERS_AND_CORRECTIONS, _V6_DIGEST_SEND_LOG, _V7_TREND_COUNTS_AND_TOPIC_PINS,
    _v8_search, _v9_filter_tokens,
)
SCHEMA_VERSION = len(MIGRATIONS)

#: ``PRAGMA application_id`` of a nieuwsradar database ("nrad"); written when the schema
#: is created or upgraded. Databases from before it was introduced have 0 and are known
#: by their tables.
APPLICATION_ID = 0x6E726164
_OUR_TABLES = frozenset({"meta", "sources", "items", "items_fts"})


def schema_version(conn: sqlite3.Connection) -> int:
    """Return the database's schema version (0 for a new, empty database)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_ours(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a database that another application made (without writing anything).

    An empty file is fine (it becomes a nieuwsradar database). A file is nieuwsradar's
    when it carries our application id, or (older databases) when it has a schema
    version and our core tables. Anything else is left untouched: converting another
    program's database would damage it.
    """
    app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    if app_id == APPLICATION_ID:
        return
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")]
    if app_id == 0 and not names:
        return
    if app_id == 0 and schema_version(conn) > 0 and set(names) >= _OUR_TABLES:
        return
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    what = f"application id {app_id:#x}" if app_id else f"tables {shown or '(none)'}"
    raise StorageError(
        f"{path}: this SQLite database belongs to another application ({what}), not to "
        "nieuwsradar; it was left untouched. Choose another database file (--db or "
        "NIEUWSRADAR_DB), for example a new file"
    )


def migrate(conn: sqlite3.Connection, path: Path, *, target: int = SCHEMA_VERSION) -> int:
    """Bring the database at ``path`` to schema version ``target``; return the old version.

    Raises StorageError when the database belongs to another application (see
    :func:`check_ours`) or was made by a newer nieuwsradar. The caller maps sqlite3
    errors; on any error the transaction is rolled back.
    """
    if not 0 <= target <= SCHEMA_VERSION:
        raise ValueError(f"target must be between 0 and {SCHEMA_VERSION}, not {target}")
    check_ours(conn, path)
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
        check_ours(conn, path)  # another program may have written the file meanwhile
        current = schema_version(conn)  # another process may have migrated meanwhile
        for version in range(current + 1, target + 1):
            MIGRATIONS[version - 1](conn)
            conn.execute(f"PRAGMA user_version = {version:d}")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID:d}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return found
