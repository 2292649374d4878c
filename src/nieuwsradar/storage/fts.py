"""Keep the FTS5 index ``items_fts`` in step with ``items``.

The index is external-content (see :mod:`nieuwsradar.storage.migrations`), so every
insert, update and delete of an item also writes the index, in the same transaction.
Deleting from an external-content index needs the exact values that were indexed; the
raw columns come from ``items`` and the stemmed columns are recomputed, which is only
correct while the stemming rules are the ones the index was built with. That is why the
stemming version is recorded in ``meta`` and a change rebuilds the index
(:func:`needs_rebuild`, :func:`rebuild`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from nieuwsradar.stemming import STEM_VERSION, stem_text
from nieuwsradar.storage import vocabulary
from nieuwsradar.storage.convert import json_ids

FtsRow = tuple[int, str, str, str, str, str]

# Column order of items_fts: title, summary, content_text, stem_title, stem_body.
_INSERT = (
    "INSERT INTO items_fts(rowid, title, summary, content_text, stem_title, stem_body) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_DELETE = (
    "INSERT INTO items_fts(items_fts, rowid, title, summary, content_text, stem_title, "
    "stem_body) VALUES ('delete', ?, ?, ?, ?, ?, ?)"
)
_META_KEY = "fts_stemmer"
#: What the index holds: the stemmer, and how the summary is indexed (see indexed_summary).
#: A database indexed differently is re-indexed when opened.
INDEX_VERSION = f"{STEM_VERSION}/summary-1"
_REBUILD_BATCH = 5000


def indexed_summary(summary: str, content_text: str) -> str:
    """The summary as indexed: empty when it is only the start of the text.

    Feeds without a separate summary get one cut from the text; indexing it again would
    double the index work and count its words twice in bm25.
    """
    lead = summary.rstrip(" .…")
    return "" if lead and content_text.startswith(lead) else summary


def stems_of(title: str, summary: str, content_text: str) -> tuple[str, str]:
    """The stemmed shadow of an item: (stemmed title, stemmed summary and text).

    Callers that have spare cores (the ingest workers) compute it ahead and hand it to
    :meth:`~nieuwsradar.storage.Storage.upsert_items`, so the writer does not stem.
    """
    return stem_text(title), stem_text(f"{indexed_summary(summary, content_text)}\n{content_text}")


def fts_row(item_id: int, title: str, summary: str, content_text: str,
            stems: tuple[str, str] | None = None) -> FtsRow:
    """The values indexed for one item: raw text plus its stemmed shadow."""
    stem_title, stem_body = stems or stems_of(title, summary, content_text)
    return (item_id, title, indexed_summary(summary, content_text), content_text,
            stem_title, stem_body)


def index_rows(conn: sqlite3.Connection, rows: Iterable[FtsRow]) -> None:
    """Add rows to the index (and count their words in the search vocabulary)."""
    rows = list(rows)
    conn.executemany(_INSERT, rows)
    vocabulary.record(conn, rows)


def unindex_items(conn: sqlite3.Connection, ids: Sequence[int]) -> None:
    """Remove the items ``ids`` (still present in ``items``) from the index."""
    if not ids:
        return
    old = conn.execute(
        "SELECT id, title, summary, content_text FROM items "
        "WHERE id IN (SELECT value FROM json_each(?))",
        (json_ids(ids),),
    ).fetchall()
    conn.executemany(_DELETE, (fts_row(*row) for row in old))


def rebuild(conn: sqlite3.Connection) -> None:
    """Rebuild the whole index from ``items`` with the current stemmer (in a transaction
    the caller holds) and record the stemmer version."""
    conn.execute("INSERT INTO items_fts(items_fts) VALUES ('delete-all')")
    vocabulary.reset(conn)
    last = 0
    while True:
        rows = conn.execute(
            "SELECT id, title, summary, content_text FROM items WHERE id > ? "
            "ORDER BY id LIMIT ?",
            (last, _REBUILD_BATCH),
        ).fetchall()
        if not rows:
            break
        index_rows(conn, (fts_row(*row) for row in rows))
        last = rows[-1][0]
    conn.execute("INSERT INTO items_fts(items_fts) VALUES ('optimize')")
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (_META_KEY, INDEX_VERSION),
    )


def needs_rebuild(conn: sqlite3.Connection) -> bool:
    """True when the index was built with other stemming rules than the current ones."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (_META_KEY,)).fetchone()
    return row is None or row[0] != INDEX_VERSION

