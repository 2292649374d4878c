"""Keep the FTS5 index ``items_fts`` in step with ``items``.

The index is external-content (see :mod:`nieuwsradar.storage.migrations`), so every
insert, update and delete of an item also writes the index, in the same transaction.
Deleting from an external-content index needs the exact values that were indexed; the
raw columns come from ``items`` and the stemmed columns are recomputed, which is only
correct while the stemming rules are the ones the index was built with. That is why the
stemming version is recorded in ``meta`` and a change rebuilds the index
(:func:`needs_rebuild`, :func:`rebuild`).

**Filter tokens.** Besides the text, each item's row holds a ``tags`` column: tokens for
its source (``s12``), the UTC year and month it was published (``y2025``, ``m202503``)
and each label that counts for it (``d`` + the label's UTF-8 in hex; the label
``overig`` when none does). Search filters become part of the MATCH expression
(:func:`source_filter`, :func:`label_filter`, :func:`period_filter`), so FTS5 intersects
a word's list of items with the source's or the label's list instead of SQLite checking
every match of a common word against the filters (1M items: a common word in one small
source 160 ms → a few ms; see docs/benchmarks.md). The text of a query is confined to
the text columns (:data:`TEXT_COLUMNS`) so a search for "y2025" never matches a tag.
The tags of every indexed item are kept in ``search_tags`` (what a later delete must
hand FTS5), and an item is re-indexed when they change (:func:`retag`: its labels
changed).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from nieuwsradar.stemming import STEM_VERSION, stem_words
from nieuwsradar.storage import vocabulary
from nieuwsradar.storage.connection import unzeroed_frees
from nieuwsradar.storage.convert import OVERIG, json_ids

FtsRow = tuple[int, str, str, str, str, str, str]

# Column order of items_fts: title, summary, content_text, stem_title, stem_body, tags.
_COLUMNS = "rowid, title, summary, content_text, stem_title, stem_body, tags"
_INSERT = f"INSERT INTO items_fts({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"  # noqa: S608
_DELETE = (
    f"INSERT INTO items_fts(items_fts, {_COLUMNS}) "  # noqa: S608
    "VALUES ('delete', ?, ?, ?, ?, ?, ?, ?)"
)
_SAVE_TAGS = "INSERT OR REPLACE INTO search_tags(item_id, tags) VALUES (?, ?)"
#: The columns a query's text is searched in (never ``tags``).
TEXT_COLUMNS = "{title summary content_text stem_title stem_body}"
_META_KEY = "fts_stemmer"
#: ``meta`` key holding when the index was last rebuilt (UTC, ISO 8601): lets an operator
#: (and the tests) see that opening the database did not rebuild it.
BUILT_AT_KEY = "fts_built_at"
#: What the index holds: the stemmer, how the summary is indexed (see indexed_summary)
#: and the filter tokens. A database indexed differently is re-indexed when opened.
INDEX_VERSION = f"{STEM_VERSION}/summary-1/tags-1"
_REBUILD_BATCH = 5000
_MAX_PERIOD_TOKENS = 60
"""A period needing more year and month tokens than this is checked on dates only."""


def indexed_summary(summary: str, content_text: str) -> str:
    """The summary as indexed: empty when it is only the start of the text.

    Feeds without a separate summary get one cut from the text; indexing it again would
    double the index work and count its words twice in bm25.
    """
    lead = summary.rstrip(" .…")
    return "" if lead and content_text.startswith(lead) else summary


def stem_words_of(title: str, summary: str, content_text: str) -> tuple[list[str], list[str]]:
    """The stems of an item's stemmed shadow, as lists: (title, summary and text)."""
    return (stem_words(title),
            stem_words(f"{indexed_summary(summary, content_text)}\n{content_text}"))


def stems_of(title: str, summary: str, content_text: str) -> tuple[str, str]:
    """The stemmed shadow of an item: (stemmed title, stemmed summary and text).

    Callers that have spare cores (the ingest workers) compute it ahead (from
    :func:`stem_words_of`) and hand it to :meth:`~nieuwsradar.storage.Storage.upsert_items`,
    so the writer does not stem.
    """
    title_stems, body_stems = stem_words_of(title, summary, content_text)
    return " ".join(title_stems), " ".join(body_stems)


def fts_row(item_id: int, title: str, summary: str, content_text: str, tags: str,
            stems: tuple[str, str] | None = None) -> FtsRow:
    """The values indexed for one item: raw text, its stemmed shadow and its tags."""
    stem_title, stem_body = stems or stems_of(title, summary, content_text)
    return (item_id, title, indexed_summary(summary, content_text), content_text,
            stem_title, stem_body, tags)


# -- filter tokens -------------------------------------------------------------------------
def label_token(label: str) -> str:
    """The token of a label (any case): exact for any label name (hex of its UTF-8)."""
    return "d" + label.lower().encode().hex()


def label_of(token: str) -> str:
    """The label of a label token (see :func:`label_token`)."""
    return bytes.fromhex(token[1:]).decode()


def item_tags(source_id: int, published_at: str, labels: Iterable[str]) -> str:
    """The tags of an item: source, UTC year and month (``published_at`` as stored),
    and the labels that count (``overig`` when there are none)."""
    chosen = sorted({lab for lab in labels if lab != OVERIG}) or [OVERIG]
    year, month = published_at[:4], published_at[5:7]
    return " ".join([f"s{source_id}", f"y{year}", f"m{year}{month}",
                     *(label_token(lab) for lab in chosen)])


def tags_of(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, str]:
    """The tags the items ``ids`` should have now (from their row and labels)."""
    listed = json_ids(ids)
    human: dict[int, list[str]] = {}
    model: dict[int, list[str]] = {}
    for item_id, label, origin in conn.execute(
        "SELECT item_id, label, origin FROM item_labels "
        "WHERE item_id IN (SELECT value FROM json_each(?))", (listed,),
    ):
        (human if origin == "human" else model).setdefault(item_id, []).append(label)
    return {
        item_id: item_tags(source_id, published_at,
                           human.get(item_id) or model.get(item_id) or ())
        for item_id, source_id, published_at in conn.execute(
            "SELECT id, source_id, published_at FROM items "
            "WHERE id IN (SELECT value FROM json_each(?))", (listed,),
        )
    }


def source_filter(source_ids: Iterable[int]) -> str:
    """MATCH expression: the item comes from one of the sources."""
    return "tags : (" + " OR ".join(f"s{int(s)}" for s in source_ids) + ")"


def label_filter(labels: Iterable[str]) -> str:
    """MATCH expression: one of the labels counts for the item (``overig``: none)."""
    return "tags : (" + " OR ".join(label_token(lab) for lab in labels) + ")"


def period_filter(since: datetime | None, until: datetime | None,
                  first: str | None, last: str | None) -> str | None:
    """MATCH expression for the UTC months from ``since`` to ``until`` (exclusive), a
    superset of the period (the exact dates are checked on the items as well); whole
    years as year tokens. ``first`` and ``last`` are the archive's earliest and latest
    ``published_at`` (an open end stops there). None when no token would narrow it
    (nothing stored, or too many tokens)."""
    if first is None or last is None:
        return None
    start = (since.astimezone(UTC).strftime("%Y%m") if since else first[:4] + first[5:7])
    end_at = until.astimezone(UTC) - timedelta(microseconds=1) if until else None
    end = end_at.strftime("%Y%m") if end_at else last[:4] + last[5:7]
    start = max(start, first[:4] + first[5:7])
    end = min(end, last[:4] + last[5:7])
    if start > end:
        return "tags : (m000000)"  # the period holds nothing stored: no item matches
    tokens: list[str] = []
    year, month = int(start[:4]), int(start[4:])
    end_year, end_month = int(end[:4]), int(end[4:])
    while (year, month) <= (end_year, end_month):
        if month == 1 and (year < end_year or end_month == 12):
            tokens.append(f"y{year:04d}")
            year += 1
            continue
        tokens.append(f"m{year:04d}{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        if len(tokens) > _MAX_PERIOD_TOKENS:
            return None
    return "tags : (" + " OR ".join(tokens) + ")"


# -- writing the index ---------------------------------------------------------------------
@dataclass(slots=True)
class IndexBatch:
    """New index rows and their vocabulary counts, gathered over the many upserts of one
    transaction and written at its end (:func:`write_index`).

    Cheaper than writing each upsert's rows at once: one vocabulary upsert per distinct
    word for the whole transaction, and FTS5 writes the new rows as one segment. FTS5
    keeps new rows in memory until the transaction commits, but any later statement that
    opens a statement journal (an ``INSERT OR REPLACE``, an ``INSERT ... SELECT``, an
    upsert) makes it write them out first, so rows indexed source by source became one
    segment per source (more segments to merge, 0.1 CPU s more per 10,000 items).
    """

    rows: list[FtsRow] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)


def index_rows(conn: sqlite3.Connection, rows: Iterable[FtsRow], *,
               keys: Sequence[str | None] | None = None,
               batch: IndexBatch | None = None) -> None:
    """Add new rows to the index, remember their tags and count their words in the
    search vocabulary.

    ``keys[i]``, when given, is the vocabulary keys of ``rows[i]`` computed ahead
    (:func:`~nieuwsradar.storage.vocabulary.item_keys`). With ``batch`` the rows and their
    counts are only added to it: the caller writes it (:func:`write_index`) before the
    transaction ends.
    """
    rows = list(rows)
    pending = IndexBatch() if batch is None else batch
    pending.rows.extend(rows)
    vocabulary.count(pending.counts, rows, keys)
    if batch is None:
        write_index(conn, pending)


def write_index(conn: sqlite3.Connection, batch: IndexBatch) -> None:
    """Write gathered rows (see :class:`IndexBatch`) and empty the batch. The rows go into
    the index last, so they stay one segment when the transaction commits next."""
    vocabulary.add(conn, batch.counts)
    conn.executemany(_SAVE_TAGS, ((row[0], row[6]) for row in batch.rows))
    conn.executemany(_INSERT, batch.rows)
    batch.rows.clear()
    batch.counts.clear()


def _indexed(conn: sqlite3.Connection, ids: Sequence[int]) -> list[FtsRow]:
    """The rows as they are in the index now (stems recomputed, tags as saved)."""
    old = conn.execute(
        "SELECT i.id, i.title, i.summary, i.content_text, coalesce(t.tags, '') "
        "FROM items i LEFT JOIN search_tags t ON t.item_id = i.id "
        "WHERE i.id IN (SELECT value FROM json_each(?))",
        (json_ids(ids),),
    ).fetchall()
    return [fts_row(item_id, title, summary, text, tags)
            for item_id, title, summary, text, tags in old]


def unindex_items(conn: sqlite3.Connection, ids: Sequence[int]) -> None:
    """Remove the items ``ids`` (still present in ``items``) from the index."""
    if not ids:
        return
    conn.executemany(_DELETE, _indexed(conn, ids))
    conn.execute("DELETE FROM search_tags WHERE item_id IN (SELECT value FROM json_each(?))",
                 (json_ids(ids),))


def retag(conn: sqlite3.Connection, ids: Sequence[int]) -> int:
    """Re-index those of the items ``ids`` whose tags changed (their labels changed);
    return how many. The text is re-stemmed for them: FTS5 cannot change one column."""
    if not ids:
        return 0
    saved = dict(conn.execute(
        "SELECT item_id, tags FROM search_tags WHERE item_id IN (SELECT value FROM json_each(?))",
        (json_ids(ids),)))
    wanted = {i: t for i, t in tags_of(conn, ids).items() if saved.get(i) != t}
    if not wanted:
        return 0
    old = _indexed(conn, list(wanted))
    conn.executemany(_DELETE, old)
    new = [(*row[:6], wanted[row[0]]) for row in old]
    conn.executemany(_INSERT, new)
    conn.executemany(_SAVE_TAGS, ((row[0], row[6]) for row in new))
    return len(new)


def rebuild(conn: sqlite3.Connection) -> None:
    """Rebuild the whole index from ``items`` with the current stemmer (in a transaction
    the caller holds) and record the stemmer version."""
    with unzeroed_frees(conn):  # public text; zeroing kept every freed page in memory
        conn.execute("INSERT INTO items_fts(items_fts) VALUES ('delete-all')")
        conn.execute("DELETE FROM search_tags")
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
        tags = tags_of(conn, [row[0] for row in rows])
        index_rows(conn, (fts_row(item_id, title, summary, text, tags[item_id])
                          for item_id, title, summary, text in rows))
        last = rows[-1][0]
    conn.execute("INSERT INTO items_fts(items_fts) VALUES ('optimize')")
    conn.executemany(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [(_META_KEY, INDEX_VERSION), (BUILT_AT_KEY, datetime.now(UTC).isoformat())],
    )


def needs_rebuild(conn: sqlite3.Connection) -> bool:
    """True when the index was built with other stemming rules than the current ones."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (_META_KEY,)).fetchone()
    return row is None or row[0] != INDEX_VERSION
