"""Full-text search over items_fts with bm25 ranking, filters and highlighted snippets.

The query comes from :func:`nieuwsradar.search.parse_query`; storage only needs its
shape (:class:`SearchQuery`). The MATCH expression and every filter value are bound
parameters; the SQL text is built from fixed fragments only.

Snippets are plain text with the matches between :data:`MARK_START` (``\\x02``) and
:data:`MARK_END` (``\\x03``): the web layer HTML-escapes the snippet and then turns
these two characters into ``<mark>`` and ``</mark>``; plain-text output drops them.

Ranking: bm25 with the title weighted highest (see :data:`BM25_WEIGHTS`); a lower
``SearchHit.rank`` is a better match. A term found in a large part of a million items
would make bm25 score every match, so ranking looks at the newest
:data:`RANK_WINDOW` matches only (found cheaply by walking the index in descending
rowid order, i.e. newest stored first); rare terms are ranked over all their matches.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from nieuwsradar.stemming import fold, stem_text
from nieuwsradar.storage.base import StorageBase
from nieuwsradar.storage.convert import OVERIG, load_items, to_db
from nieuwsradar.types import Item, SearchHit

MARK_START = "\x02"
MARK_END = "\x03"
ELLIPSIS = "…"
SNIPPET_TOKENS = 32
RANK_WINDOW = 5000
BM25_WEIGHTS = (10.0, 4.0, 1.0, 5.0, 1.5)
"""title, summary, content_text, stem_title, stem_body (column order of items_fts)."""

_BM25 = "bm25(items_fts, " + ", ".join(str(w) for w in BM25_WEIGHTS) + ")"
_FTS_FROM = "items_fts JOIN items i ON i.id = items_fts.rowid"
_EFFECTIVE = (  # label row l counts: it is human, or the item has no human labels
    "(l.origin = 'human' OR NOT EXISTS (SELECT 1 FROM item_labels h "
    "WHERE h.item_id = i.id AND h.origin = 'human'))"
)
_LABEL_FILTER = (
    "(EXISTS (SELECT 1 FROM item_labels l WHERE l.item_id = i.id "  # noqa: S608
    f"AND l.label IN (SELECT value FROM json_each(?)) AND {_EFFECTIVE}) "
    "OR (? AND NOT EXISTS (SELECT 1 FROM item_labels l WHERE l.item_id = i.id "
    f"AND l.label <> ? AND {_EFFECTIVE})))"
)


class SearchQuery(Protocol):
    """What storage reads from a parsed query (``nieuwsradar.search.Query``)."""

    @property
    def match(self) -> str | None: ...
    @property
    def stems(self) -> tuple[str, ...]: ...
    @property
    def labels(self) -> tuple[str, ...]: ...
    @property
    def since(self) -> datetime | None: ...
    @property
    def until(self) -> datetime | None: ...
    @property
    def sources(self) -> tuple[str, ...]: ...


def _plain_snippet(item: Item, stems: Sequence[str]) -> str:
    """A snippet made in Python: the start of the text, or the part around the first
    word whose stem the query asked for (matches found only via the stemmed index)."""
    words = (item.content_text or item.summary or item.title).split()
    wanted = set(stems)
    hits = {
        n for n, word in enumerate(words[:2000])
        if wanted and wanted.intersection(stem_text(word).split())
    }
    start = max(0, min(hits) - 4) if hits else 0
    end = start + SNIPPET_TOKENS
    shown = [
        f"{MARK_START}{w}{MARK_END}" if n in hits else w
        for n, w in enumerate(words[start:end], start)
    ]
    return (
        (ELLIPSIS if start else "") + " ".join(shown) + (ELLIPSIS if end < len(words) else "")
    )


class SearchMixin(StorageBase):
    """Search and count."""

    def _filters(self, query: SearchQuery) -> tuple[list[str], list[object]] | None:
        """SQL conditions on ``i`` (items) for the query's filters and their parameters;
        None when the filters cannot match anything."""
        where: list[str] = []
        params: list[object] = []
        if query.since is not None:
            where.append("i.published_at >= ?")
            params.append(to_db(query.since, "since"))
        if query.until is not None:
            where.append("i.published_at < ?")
            params.append(to_db(query.until, "until"))
        if query.sources:
            wanted = [fold(s) for s in query.sources]
            ids = [
                source_id for source_id, name in
                self._conn.execute("SELECT id, name FROM sources")
                if any(w in fold(name) for w in wanted)
            ]
            if not ids:
                return None
            where.append("i.source_id IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(ids))
        if query.labels:
            labels = [lab.lower() for lab in query.labels]
            where.append(_LABEL_FILTER)
            params += [json.dumps(labels), int(OVERIG in labels), OVERIG]
        return where, params

    def search(self, query: SearchQuery, *, limit: int = 20, offset: int = 0) -> list[SearchHit]:
        """The best matches, best first, with highlighted snippets.

        Without searchable terms (``query.match`` None) the items passing the filters
        are listed newest first (rank 0).
        """
        with self._reading("searching"):
            filters = self._filters(query)
            if filters is None or limit <= 0:
                return []
            where, params = filters
            if query.match is None:
                rows = self._conn.execute(
                    "SELECT i.id, 0.0, NULL FROM items i "  # noqa: S608
                    f"{_where(where)} ORDER BY i.published_at DESC, i.id DESC LIMIT ? OFFSET ?",
                    (*params, limit, offset),
                ).fetchall()
            else:
                source = _fts_from(where)
                where = ["items_fts MATCH ?", *where]
                params = [query.match, *params]
                cutoff = self._conn.execute(
                    f"SELECT items_fts.rowid FROM {source} {_where(where)} "  # noqa: S608
                    "ORDER BY items_fts.rowid DESC LIMIT 1 OFFSET ?",
                    (*params, max(RANK_WINDOW, offset + limit) - 1),
                ).fetchone()
                if cutoff is not None:
                    where.append("items_fts.rowid >= ?")
                    params.append(cutoff[0])
                rows = self._conn.execute(
                    f"SELECT items_fts.rowid, {_BM25}, "  # noqa: S608
                    f"snippet(items_fts, -1, ?, ?, ?, {SNIPPET_TOKENS}) "
                    f"FROM {source} {_where(where)} ORDER BY 2, 1 DESC LIMIT ? OFFSET ?",
                    (MARK_START, MARK_END, ELLIPSIS, *params, limit, offset),
                ).fetchall()
            items = {item.id: item for item in load_items(self._conn, [r[0] for r in rows])}
        hits = []
        for item_id, rank, snippet in rows:
            item = items[item_id]
            if not snippet or MARK_START not in snippet:
                snippet = _plain_snippet(item, query.stems)
            hits.append(SearchHit(item=item, rank=float(rank), snippet=snippet))
        return hits

    def count_matches(self, query: SearchQuery, *, cap: int | None = None) -> int:
        """How many items match the query and its filters; with ``cap``, counting stops
        there (a UI can show "10.000+"), which bounds the cost of very broad queries."""
        with self._reading("counting matches"):
            filters = self._filters(query)
            if filters is None:
                return 0
            where, params = filters
            source = "items i"
            if query.match is not None:
                source = _fts_from(where)
                where = ["items_fts MATCH ?", *where]
                params = [query.match, *params]
            body = f"FROM {source} {_where(where)}"
            if cap is None:
                sql = f"SELECT count(*) {body}"
            else:
                sql = f"SELECT count(*) FROM (SELECT 1 {body} LIMIT ?)"  # noqa: S608
                params = [*params, cap]
            return int(self._conn.execute(sql, params).fetchone()[0])


def _fts_from(filters: list[str]) -> str:
    """The FROM clause: the items table is joined only when a filter needs it."""
    return _FTS_FROM if filters else "items_fts"


def _where(conditions: list[str]) -> str:
    return ("WHERE " + " AND ".join(conditions)) if conditions else ""
