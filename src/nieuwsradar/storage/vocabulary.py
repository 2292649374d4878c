"""The search vocabulary: every indexed stem with the number of items holding it.

Kept beside the full-text index for two jobs the index cannot do cheaply:

* **compounds** — Dutch writes compounds as one word, so "verhuur" must find
  "kamerverhuur" and "vakantieverhuur". A compound ends in its head, and so does its
  stem ("kamerverhur" ends in "verhur"), so the stems are stored reversed, which turns
  "stems ending in verhur" into a range scan (:func:`compounds`). FTS5's trigram
  tokenizer would find any part of a word, but makes the index 6.5 times larger.
* **document frequencies** — how many items hold a stem, read with one lookup
  (:func:`doc_counts`). FTS5 can only tell by walking the term's whole list of items,
  which is what makes bm25 slow for common terms on a big archive; search uses these
  counts to choose how to rank.

Only the stemmed shadow columns are counted: their tokens are already computed for the
index, and the ingest workers list each item's distinct keys ahead (:func:`item_keys`),
so keeping the vocabulary costs the writer one split of a short string per item and one
upsert per distinct key of a whole batch of sources. Counts grow when an item is indexed
(:func:`count` and :func:`add`, called by :func:`nieuwsradar.storage.fts.index_rows` or at
the end of the writer's transaction) and are never decreased: a deleted or re-indexed
item leaves an estimate that is slightly high, and a stem that no longer occurs only adds
a phrase that matches nothing. A rebuild of the index starts the vocabulary afresh
(:func:`reset`).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

#: A compound's head must be at least this long, so "in" or "de" expand to nothing.
MIN_PART = 4
_HIGH = "\U0010ffff"

CREATE = (
    """CREATE TABLE search_vocabulary (
        term TEXT PRIMARY KEY,
        docs INTEGER NOT NULL
    ) WITHOUT ROWID""",
)
_UPSERT = (
    "INSERT INTO search_vocabulary(term, docs) VALUES (?, ?) "
    "ON CONFLICT(term) DO UPDATE SET docs = docs + excluded.docs"
)


def key(stem: str) -> str:
    """The vocabulary key of a stem (the stem reversed)."""
    return stem[::-1]


def item_keys(title_stems: Iterable[str], body_stems: Iterable[str]) -> str:
    """The vocabulary keys of one item: each distinct stem of its stemmed shadow (the
    stems of its title and of its summary and text) once, reversed, separated by spaces
    (in no particular order).

    The ingest workers compute it ahead with the stems, so the single writer only splits
    a short string per item (see :func:`count`).
    """
    distinct = set(title_stems)
    distinct.update(body_stems)
    # Reversing the joined string reverses every stem (and their order, which is none).
    return " ".join(distinct)[::-1]


def count(counts: Counter[str], rows: Sequence[Sequence[object]],
          keys: Sequence[str | None] | None = None) -> None:
    """Add the stems of newly indexed rows (``(rowid, title, summary, content_text,
    stem_title, stem_body, ...)``, as written to the index) to ``counts``, by key.

    ``keys[i]``, when given and not None, is :func:`item_keys` of ``rows[i]`` computed
    ahead; otherwise they are computed here.
    """
    for i, row in enumerate(rows):
        ahead = keys[i] if keys is not None else None
        if ahead is None:
            # Reversing a whole shadow string reverses each of its stems: one step.
            distinct = set(str(row[4])[::-1].split())
            distinct.update(str(row[5])[::-1].split())
            counts.update(distinct)
        else:
            counts.update(ahead.split())


def add(conn: sqlite3.Connection, counts: Mapping[str, int]) -> None:
    """Add item counts by key (from :func:`count`) to the vocabulary.

    Counting the rows of many sources first and adding them once (one upsert per
    distinct key) is cheaper than one upsert per key and source.
    """
    conn.executemany(_UPSERT, counts.items())


def reset(conn: sqlite3.Connection) -> None:
    """Forget every count (before the index is rebuilt from the items)."""
    conn.execute("DELETE FROM search_vocabulary")


def fill_from_index(conn: sqlite3.Connection) -> None:
    """Fill an empty vocabulary from the existing full-text index (a migration of a
    database that already holds items). The counts of the two stemmed columns are added
    up, so a stem in the title and the text of one item counts twice: an estimate, like
    the rest."""
    conn.execute(
        "CREATE VIRTUAL TABLE temp.search_vocabulary_fill "
        "USING fts5vocab(main, items_fts, 'col')"
    )
    try:
        rows = conn.execute(
            "SELECT term, sum(doc) FROM temp.search_vocabulary_fill "
            "WHERE col IN ('stem_title', 'stem_body') GROUP BY term"
        ).fetchall()
        conn.executemany(_UPSERT, ((term[::-1], n) for term, n in rows))
    finally:
        conn.execute("DROP TABLE temp.search_vocabulary_fill")


def doc_counts(conn: sqlite3.Connection, keys: Iterable[str]) -> dict[str, int]:
    """The recorded number of items for each key (missing keys are left out)."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    marks = ", ".join("?" * len(wanted))
    return {
        term: int(docs) for term, docs in conn.execute(
            f"SELECT term, docs FROM search_vocabulary WHERE term IN ({marks})",  # noqa: S608
            wanted,
        )
    }


def compounds(conn: sqlite3.Connection, stem: str, *, limit: int) -> list[str]:
    """Indexed stems that end in ``stem`` and are longer: the stems of its compounds,
    the most frequent first, at most ``limit``."""
    if len(stem) < MIN_PART:
        return []
    start = key(stem)
    rows = conn.execute(
        "SELECT term FROM search_vocabulary WHERE term > ? AND term < ? "
        "ORDER BY docs DESC, term LIMIT ?",
        (start, start + _HIGH, limit),
    ).fetchall()
    return [term[::-1] for (term,) in rows]
