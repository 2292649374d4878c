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
from nieuwsradar.storage.convert import OVERIG, json_ids, load_items, to_db
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
    def exclude(self) -> str | None: ...
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
    @property
    def domains(self) -> tuple[str, ...]: ...
    @property
    def source_ids(self) -> tuple[int, ...]: ...


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
        if query.exclude is not None:
            where.append("i.id NOT IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
            params.append(query.exclude)
        if query.since is not None:
            where.append("i.published_at >= ?")
            params.append(to_db(query.since, "since"))
        if query.until is not None:
            where.append("i.published_at < ?")
            params.append(to_db(query.until, "until"))
        if query.sources or query.source_ids:
            wanted = [fold(s) for s in query.sources]
            chosen = set(query.source_ids)
            ids = [
                source_id for source_id, name in
                self._conn.execute("SELECT id, name FROM sources")
                if (not wanted or any(w in fold(name) for w in wanted))
                and (not chosen or source_id in chosen)
            ]
            if not ids:
                return None
            where.append("i.source_id IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(ids))
        for group in (query.labels, query.domains):
            if group:
                labels = [lab.lower() for lab in group]
                where.append(_LABEL_FILTER)
                params += [json.dumps(labels), int(OVERIG in labels), OVERIG]
        return where, params

    def search(self, query: SearchQuery, *, limit: int = 20, offset: int = 0,
               newest: bool = False) -> list[SearchHit]:
        """One page of matches with highlighted snippets: best first, or with ``newest``
        newest published first.

        Without searchable terms (``query.match`` None) the items passing the filters
        are listed newest first (rank 0).
        """
        with self._reading("searching"):
            filters = self._filters(query)
            if filters is None or limit <= 0:
                return []
            where, params = filters
            if query.match is None:
                ids = [r[0] for r in self._conn.execute(
                    "SELECT i.id FROM items i "  # noqa: S608
                    f"{_where(where)} ORDER BY i.published_at DESC, i.id DESC LIMIT ? OFFSET ?",
                    (*params, limit, offset),
                )]
                ranked: dict[int, tuple[float, str | None]] = {}
            else:
                if newest:
                    ids = self._newest(query.match, where, params, limit, offset)
                else:
                    ids = self._best(query.match, where, params, limit, offset)
                ranked = self._decorate(query.match, ids)
            items = {item.id: item for item in load_items(self._conn, ids)}
        hits = []
        for item_id in ids:
            item = items[item_id]
            rank, snippet = ranked.get(item_id, (0.0, None))
            if not snippet or MARK_START not in snippet:
                snippet = _plain_snippet(item, query.stems)
            hits.append(SearchHit(item=item, rank=rank, snippet=snippet))
        return hits

    def _best(self, match: str, where: list[str], params: list[object], limit: int,
              offset: int) -> list[int]:
        """Ids of one page of matches ranked by bm25 (among the newest RANK_WINDOW)."""
        source = _fts_from(where)
        where = ["items_fts MATCH ?", *where]
        params = [match, *params]
        cutoff = self._conn.execute(
            f"SELECT items_fts.rowid FROM {source} {_where(where)} "  # noqa: S608
            "ORDER BY items_fts.rowid DESC LIMIT 1 OFFSET ?",
            (*params, max(RANK_WINDOW, offset + limit) - 1),
        ).fetchone()
        if cutoff is not None:
            where.append("items_fts.rowid >= ?")
            params.append(cutoff[0])
        return [r[0] for r in self._conn.execute(
            f"SELECT items_fts.rowid FROM {source} {_where(where)} "  # noqa: S608
            f"ORDER BY {_BM25}, 1 DESC LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )]

    def _newest(self, match: str, where: list[str], params: list[object], limit: int,
                offset: int) -> list[int]:
        """Ids of one page of matches, newest published first."""
        return [r[0] for r in self._conn.execute(
            f"SELECT i.id FROM {_FTS_FROM} "  # noqa: S608
            f"{_where(['items_fts MATCH ?', *where])} "
            "ORDER BY i.published_at DESC, i.id DESC LIMIT ? OFFSET ?",
            (match, *params, limit, offset),
        )]

    def _decorate(self, match: str, ids: list[int]) -> dict[int, tuple[float, str | None]]:
        """bm25 rank and highlighted snippet of the matching items ``ids``."""
        if not ids:
            return {}
        return {
            int(r[0]): (float(r[1]), r[2]) for r in self._conn.execute(
                f"SELECT rowid, {_BM25}, snippet(items_fts, -1, ?, ?, ?, {SNIPPET_TOKENS}) "  # noqa: S608
                "FROM items_fts WHERE items_fts MATCH ? "
                "AND rowid IN (SELECT value FROM json_each(?))",
                (MARK_START, MARK_END, ELLIPSIS, match, json_ids(ids)),
            )
        }

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

    def match_ids(self, query: SearchQuery, *, limit: int) -> list[int]:
        """The ids of up to ``limit`` matches, newest stored first (the set that counts
        and facets are taken over)."""
        with self._reading("finding matches"):
            filters = self._filters(query)
            if filters is None or limit <= 0:
                return []
            where, params = filters
            if query.match is None:
                sql = f"SELECT i.id FROM items i {_where(where)} ORDER BY i.id DESC LIMIT ?"  # noqa: S608
            else:
                sql = (f"SELECT items_fts.rowid FROM {_fts_from(where)} "  # noqa: S608
                       f"{_where(['items_fts MATCH ?', *where])} "
                       "ORDER BY items_fts.rowid DESC LIMIT ?")
                params = [query.match, *params]
            return [r[0] for r in self._conn.execute(sql, (*params, limit))]

    def facet_counts(self, ids: Sequence[int]) -> tuple[list[tuple[str, int]],
                                                        list[tuple[int, str, int]]]:
        """How many of the items ``ids`` carry each effective label ("overig" = none),
        and come from each source (id, name, count); both most frequent first."""
        with self._reading("counting facets"):
            wanted = json_ids(ids)
            labels = self._conn.execute(
                "SELECT l.label, count(*) FROM json_each(?) m "  # noqa: S608
                "JOIN item_labels l ON l.item_id = m.value "
                f"WHERE l.label <> ? AND {_EFFECTIVE.replace('i.id', 'm.value')} "
                "GROUP BY l.label",
                (wanted, OVERIG),
            ).fetchall()
            labelled = self._conn.execute(
                "SELECT count(*) FROM json_each(?) m WHERE EXISTS (SELECT 1 FROM item_labels l "  # noqa: S608
                f"WHERE l.item_id = m.value AND l.label <> ? AND "
                f"{_EFFECTIVE.replace('i.id', 'm.value')})",
                (wanted, OVERIG),
            ).fetchone()[0]
            sources = self._conn.execute(
                "SELECT i.source_id, s.name, count(*) FROM json_each(?) m "
                "JOIN items i ON i.id = m.value JOIN sources s ON s.id = i.source_id "
                "GROUP BY i.source_id",
                (wanted,),
            ).fetchall()
        by_label = [(str(k), int(n)) for k, n in labels]
        if len(ids) > labelled:
            by_label.append((OVERIG, len(ids) - labelled))
        by_label.sort(key=lambda kv: (-kv[1], kv[0]))
        by_source = sorted(((int(a), str(b), int(c)) for a, b, c in sources),
                           key=lambda r: (-r[2], r[1]))
        return by_label, by_source


def _fts_from(filters: list[str]) -> str:
    """The FROM clause: the items table is joined only when a filter needs it."""
    return _FTS_FROM if filters else "items_fts"


def _where(conditions: list[str]) -> str:
    return ("WHERE " + " AND ".join(conditions)) if conditions else ""
