"""Full-text search over items_fts: matches, ranking, filters, facets and snippets.

The query comes from :func:`nieuwsradar.search.parse_query`; storage only needs its
shape (:class:`SearchQuery`). The MATCH expression and every filter value are bound
parameters; the SQL text is built from fixed fragments only.

Snippets are plain text with the matches between :data:`MARK_START` (``\\x02``) and
:data:`MARK_END` (``\\x03``): the web layer HTML-escapes the snippet and then turns
these two characters into ``<mark>`` and ``</mark>``; plain-text output drops them.

How a page is found on a big archive (each step measured on 1,000,000 items, see
docs/benchmarks.md):

* **Matches** are walked newest stored first (descending rowid, the order of the index's
  lists) and stop at the caller's cap, so counting and facets cost at most the cap.
  The filters on sources, labels and the period are part of the MATCH expression (the
  filter tokens of :mod:`.fts`), so FTS5 intersects the lists: a common word with a
  filter that keeps few of its matches no longer walks them all. The exact dates of a
  period are checked through ``items_search``, a narrow index of (id, source_id,
  published_at), instead of the wide item rows.
* **Ranking** with bm25 costs more than the matches it ranks: FTS5 first counts, for
  every phrase of the query, all items holding it (its idf), so a common word costs a
  walk over most of the archive. The search vocabulary (:mod:`.vocabulary`) says up
  front how many items hold each word; when the phrases of a query are rare enough
  (:data:`BM25_BUDGET`) all matches are ranked by bm25 with the title weighted highest
  (:data:`BM25_WEIGHTS`). Otherwise the newest :data:`RANK_WINDOW` matches are ranked by
  a cheap score: per part of the query its idf (from the vocabulary) times
  :data:`TITLE_WEIGHT` when it is in the title, else 1; ties go to the newest. Pages
  past the window go on with the older matches, newest first.
  A lower ``SearchHit.rank`` is a better match in both cases.
* **Newest first**: the newest stored matches are sorted by date, then completed with
  the few older-stored items published later than the page's last one (see _newest).
* **Snippets** are made in Python from the loaded hits (see :class:`_Marker`).
"""

from __future__ import annotations

import bisect
import functools
import math
import operator
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from nieuwsradar.stemming import fold, split_words, stem_text
from nieuwsradar.storage import fts, vocabulary
from nieuwsradar.storage.base import StorageBase
from nieuwsradar.storage.convert import json_ids, load_items, to_db
from nieuwsradar.types import Item, SearchHit

MARK_START = "\x02"
MARK_END = "\x03"
ELLIPSIS = "…"
SNIPPET_TOKENS = 32
SNIPPET_SCAN = 3000
"""Words of the text looked at for a snippet."""
RANK_WINDOW = 2000
WORD_CACHE = 100_000
"""Words of item texts whose tokens and stems are remembered for snippets (a few MB)."""
BM25_BUDGET = 40_000
"""Rank with bm25 when the query's phrases occur in at most this many items together."""
BM25_WEIGHTS = (10.0, 4.0, 1.0, 5.0, 1.5, 0.0)
"""title, summary, content_text, stem_title, stem_body, tags (column order of items_fts)."""
TITLE_WEIGHT = 10.0
COMPOUND_LIMIT = 12
"""At most this many compounds are searched for one word (the most frequent ones)."""
EXCLUDE_WINDOW = 100_000
"""Items of a query with only an exclusion are walked in id ranges, the first (newest)
of this size, each next one twice as large (see SearchMixin.match_ids)."""

_CORE = re.compile(r"[^\W_](?:.*[^\W_])?", re.DOTALL)
"""A word without its leading and trailing punctuation (marks go around that part)."""
_BM25 = "bm25(items_fts, " + ", ".join(str(w) for w in BM25_WEIGHTS) + ")"
_TITLE = "{title stem_title}"
_ITEMS = "items i INDEXED BY items_search"
_EXCLUDE = "{id} NOT IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)"
_EXCLUDE_IN_RANGE = (
    "{id} BETWEEN ? AND ? AND {id} NOT IN "
    "(SELECT rowid FROM items_fts WHERE items_fts MATCH ? AND rowid BETWEEN ? AND ?)"
)


@dataclass(frozen=True, slots=True)
class _Filters:
    """A query's filters: ``tags`` the MATCH expression of its filter tokens (sources,
    labels, period; None: none), and SQL conditions: ``on_item`` use ``i``
    (items_search: the exact dates), ``on_id`` are written with ``{id}`` for the item id
    (an exclusion that is not in the MATCH expression)."""

    tags: str | None
    on_id: list[tuple[str, list[object]]]
    on_item: list[tuple[str, list[object]]]

    def in_range(self, exclude: str, low: int, high: int) -> _Filters:
        """These filters for the items ``low`` to ``high`` (ids): the exclusion's matches
        are read for that range only."""
        on_id = [(sql, values) for sql, values in self.on_id if sql != _EXCLUDE]
        on_id.append((_EXCLUDE_IN_RANGE, [low, high, exclude, low, high]))
        return _Filters(self.tags, on_id, self.on_item)

    def match(self, query: SearchQuery) -> str | None:
        """The MATCH expression of the query's text (confined to the text columns)
        and these filter tokens, with the exclusion of a query that has no other words;
        None when there is nothing to match (walk the items instead)."""
        parts = [f"{fts.TEXT_COLUMNS} : ({query.match})"] if query.match is not None else []
        if self.tags is not None:
            parts.append(self.tags)
        if not parts:
            return None
        joined = " AND ".join(f"({part})" for part in parts)
        if query.exclude is not None:  # (then the filter tokens are the other part)
            return f"({joined}) NOT ({fts.TEXT_COLUMNS} : ({query.exclude}))"
        return joined

    def where(self, id_expr: str) -> tuple[list[str], list[object]]:
        """Conditions and parameters, the item id written as ``id_expr``."""
        where: list[str] = []
        params: list[object] = []
        for sql, values in self.on_item:
            where.append(sql)
            params += values
        for sql, values in self.on_id:
            where.append(sql.format(id=id_expr))
            params += values
        return where, params


class RankGroup(Protocol):
    """A positive part of a query (``nieuwsradar.search.Group``)."""

    @property
    def expression(self) -> str: ...
    @property
    def stems(self) -> tuple[str, ...]: ...
    @property
    def prefix(self) -> bool: ...


class SearchQuery(Protocol):
    """What storage reads from a parsed query (``nieuwsradar.search.Query``)."""

    @property
    def match(self) -> str | None: ...
    @property
    def exclude(self) -> str | None: ...
    @property
    def stems(self) -> tuple[str, ...]: ...
    @property
    def words(self) -> tuple[str, ...]: ...
    @property
    def prefixes(self) -> tuple[str, ...]: ...
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
    @property
    def groups(self) -> Sequence[RankGroup]: ...
    @property
    def negated(self) -> Sequence[RankGroup]: ...


def _mark(word: str) -> str:
    """``word`` with its letters and digits between the mark characters."""
    core = _CORE.search(word)
    if core is None:
        return word
    return f"{word[:core.start()]}{MARK_START}{core.group()}{MARK_END}{word[core.end():]}"


class _Marker:
    """Decides which words of a text the query looks for (its words, prefixes and stems),
    remembering each word's answer across the hits of one search."""

    def __init__(self, query: SearchQuery) -> None:
        self.exact = set(query.words)
        self.stems = set(query.stems)
        self.heads = tuple({stem[:3] for stem in self.stems})  # a stem starts its word
        self.prefixes = tuple(query.prefixes)
        self.seen: dict[str, bool] = {}

    def wanted(self, word: str) -> bool:
        found = self.seen.get(word)
        if found is None:
            tokens = _tokens_of(word)
            if len(tokens) == 1:  # most words: no generators (a page has ~1,300 words)
                token = tokens[0]
                found = token in self.exact or token.startswith(self.prefixes) or (
                    token.startswith(self.heads) and not self.stems.isdisjoint(_stems_of(word)))
            else:
                found = any(t in self.exact or t.startswith(self.prefixes) for t in tokens) or (
                    any(t.startswith(self.heads) for t in tokens)
                    and not self.stems.isdisjoint(_stems_of(word)))
            self.seen[word] = found
        return found

    def snippet(self, item: Item) -> str:
        """A stretch of the item's text with the wanted words marked: the stretch of
        :data:`SNIPPET_TOKENS` words with the most of them (the start of the text when
        none is there, e.g. when only the title matched).

        Made in Python from the loaded item: FTS5's snippet() would run the full-text
        query again for every hit, which for a prefix or a common word costs far more.
        """
        words = (item.content_text or item.summary or item.title).split()[:SNIPPET_SCAN]
        seen, wanted = self.seen, self.wanted
        hits = [n for n, word in enumerate(words)
                if (seen[word] if word in seen else wanted(word))]
        start, best = 0, 0
        for first, position in enumerate(hits):  # the window starting just before a hit
            inside = bisect.bisect_left(hits, position + SNIPPET_TOKENS - 4) - first
            if inside > best:
                start, best = max(0, position - 4), inside
        end = start + SNIPPET_TOKENS
        marked = set(hits)
        shown = [_mark(w) if n in marked else w for n, w in enumerate(words[start:end], start)]
        return ((ELLIPSIS if start else "") + " ".join(shown)
                + (ELLIPSIS if end < len(words) else ""))


@functools.lru_cache(maxsize=WORD_CACHE)
def _tokens_of(word: str) -> tuple[str, ...]:
    """The folded tokens of one word of a text, cached across searches: splitting the
    ~1,300 distinct words of a page's texts anew made its snippets cost 2.9 ms instead
    of 1.7 ms (1M-item archive, load average 5)."""
    return tuple(split_words(word))


@functools.lru_cache(maxsize=WORD_CACHE)
def _stems_of(word: str) -> frozenset[str]:
    """The stems of one word of a text (cached like :func:`_tokens_of`)."""
    return frozenset(stem_text(word).split())


def _group_keys(group: RankGroup) -> list[str]:
    return [vocabulary.key(s) for s in group.stems]


class SearchMixin(StorageBase):
    """Search, count and facet."""

    def compounds_of(self, stem: str) -> list[str]:
        """Indexed stems of compounds ending in ``stem`` (most frequent first)."""
        with self._reading("looking up compounds"):
            return vocabulary.compounds(self._conn, stem, limit=COMPOUND_LIMIT)

    def _filters(self, query: SearchQuery) -> _Filters | None:
        """The query's filters as filter tokens and SQL; None when they cannot match
        anything."""
        on_item: list[tuple[str, list[object]]] = []
        tags: list[str] = []
        if query.since is not None:
            on_item.append(("i.published_at >= ?", [to_db(query.since, "since")]))
        if query.until is not None:
            on_item.append(("i.published_at < ?", [to_db(query.until, "until")]))
        if on_item:
            first, last = self._conn.execute(
                "SELECT (SELECT min(published_at) FROM items), "
                "(SELECT max(published_at) FROM items)").fetchone()
            period = fts.period_filter(query.since, query.until, first, last)
            if period is not None:
                tags.append(period)
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
            tags.append(fts.source_filter(ids))
        for group in (query.labels, query.domains):
            if group:
                tags.append(fts.label_filter(sorted({lab.lower() for lab in group})))
        # An exclusion joins the MATCH expression when there is one to join (Filters.match).
        on_id: list[tuple[str, list[object]]] = []
        if query.exclude is not None and query.match is None and not tags:
            on_id.append((_EXCLUDE, [query.exclude]))
        return _Filters(" AND ".join(tags) if tags else None, on_id, on_item)

    def _fts_where(self, filters: _Filters, match: str) -> tuple[str, list[object]]:
        """FROM and WHERE of a full-text query with the filters (the narrow items index
        is joined only when a filter needs the item's date or source)."""
        if filters.on_item:
            where, params = filters.where("i.id")
            source = f"items_fts JOIN {_ITEMS} ON i.id = items_fts.rowid"
        else:
            where, params = filters.where("items_fts.rowid")
            source = "items_fts"
        return f"{source} {_where(['items_fts MATCH ?', *where])}", [match, *params]

    def _matching(self, filters: _Filters, match: str | None) -> tuple[str, str, list[object]]:
        """The id column, FROM and WHERE of the matches: the full-text matches, or
        without a MATCH expression the items passing the filters."""
        if match is None:
            where, params = filters.where("i.id")
            return "i.id", f"{_ITEMS} {_where(where)}", params
        body, params = self._fts_where(filters, match)
        return "items_fts.rowid", body, params

    def match_ids(self, query: SearchQuery, *, limit: int) -> list[int]:
        """The ids of up to ``limit`` matches, newest stored first: the set that counts
        and facets are taken over.

        A query with only an exclusion (``-boa``, no filter tokens) walks the items in id
        ranges (:data:`EXCLUDE_WINDOW`, then twice as large each time), newest first,
        until ``limit`` are found: ``NOT IN`` the exclusion's matches would otherwise
        read every item holding the excluded word before the first match is returned,
        while a range reads only its part of that list.
        """
        with self._reading("finding matches"):
            filters = self._filters(query)
            if filters is None or limit <= 0:
                return []
            match = filters.match(query)
            if match is not None or not filters.on_id:
                return self._match_ids(match, filters, limit)
            assert query.exclude is not None
            found: list[int] = []
            high = int(self._conn.execute("SELECT max(id) FROM items").fetchone()[0] or 0)
            window = EXCLUDE_WINDOW
            while high > 0 and len(found) < limit:
                low = max(1, high - window + 1)
                found += self._match_ids(None, filters.in_range(query.exclude, low, high),
                                         limit - len(found))
                high, window = low - 1, window * 2
            return found

    def _match_ids(self, match: str | None, filters: _Filters, limit: int) -> list[int]:
        """:meth:`match_ids` with the filters as given, walking the items or the
        full-text matches newest first."""
        column, body, params = self._matching(filters, match)
        sql = f"SELECT {column} FROM {body} ORDER BY {column} DESC LIMIT ?"  # noqa: S608
        return [r[0] for r in self._conn.execute(sql, (*params, limit))]

    def count_matches(self, query: SearchQuery, *, cap: int | None = None) -> int:
        """How many items match the query and its filters; with ``cap``, counting stops
        there, which bounds the cost of very broad queries."""
        if cap is not None:
            return len(self.match_ids(query, limit=cap))
        with self._reading("counting matches"):
            filters = self._filters(query)
            if filters is None:
                return 0
            _, body, params = self._matching(filters, filters.match(query))
            sql = f"SELECT count(*) FROM {body}"  # noqa: S608
            return int(self._conn.execute(sql, params).fetchone()[0])

    def search(self, query: SearchQuery, *, limit: int = 20, offset: int = 0,
               newest: bool = False, matches: Sequence[int] | None = None,
               complete: bool = False) -> list[SearchHit]:
        """One page of matches with highlighted snippets: best first, or with ``newest``
        newest published first.

        ``matches`` may pass what :meth:`match_ids` returned for the same query (saves
        walking the matches again); ``complete`` says it holds every match. Without
        searchable terms (``query.match`` None) the items passing the filters are listed
        newest first (rank 0).
        """
        with self._reading("searching"):
            filters = self._filters(query)
            if filters is None or limit <= 0:
                return []
            ranks: dict[int, float] = {}
            match = filters.match(query)
            if match is None:
                where, params = filters.where("i.id")
                ids = [r[0] for r in self._conn.execute(
                    "SELECT i.id FROM items i "  # noqa: S608
                    f"{_where(where)} ORDER BY i.published_at DESC, i.id DESC LIMIT ? OFFSET ?",
                    (*params, limit, offset),
                )]
            elif newest or query.match is None:
                ids = self._newest(match, filters, limit, offset, matches, complete)
            else:
                ranks = self._ranked(query, match, filters, limit + offset, matches, complete)
                ids = list(ranks)[offset:offset + limit]
            items = {item.id: item for item in load_items(self._conn, ids)}
        marker = _Marker(query)
        return [  # an item deleted meanwhile is left out
            SearchHit(item=items[i], rank=ranks.get(i, 0.0), snippet=marker.snippet(items[i]))
            for i in ids if i in items
        ]

    # -- ranking -------------------------------------------------------------------------
    def _ranked(self, query: SearchQuery, match: str, filters: _Filters, top: int,
                matches: Sequence[int] | None, complete: bool) -> dict[int, float]:
        """The ``top`` best matches, best first, with their rank (lower is better).

        bm25 counts the items of every phrase of the MATCH expression, filter tokens
        too (a label's token is in a third of the archive): with filter tokens it ranks
        only when the matches are all known, over those, with the text alone.
        """
        assert query.match is not None
        body, params = self._fts_where(filters, match)
        parts = [*query.groups, *query.negated]
        counts = vocabulary.doc_counts(self._conn, (k for g in parts for k in _group_keys(g)))
        if (all(not g.prefix for g in parts) and sum(counts.values()) <= BM25_BUDGET
                and (filters.tags is None or (matches is not None and complete))):
            if filters.tags is not None and matches:
                body = ("items_fts WHERE items_fts MATCH ? AND items_fts.rowid BETWEEN ? AND ? "
                        "AND +items_fts.rowid IN (SELECT value FROM json_each(?))")
                params = [f"{fts.TEXT_COLUMNS} : ({query.match})", min(matches),
                          max(matches), json_ids(matches)]
            rows = self._conn.execute(
                f"SELECT items_fts.rowid, {_BM25} FROM {body} ORDER BY 2, 1 DESC LIMIT ?",  # noqa: S608
                (*params, top),
            ).fetchall()
            return {int(r[0]): float(r[1]) for r in rows}
        newest = list(matches[:max(RANK_WINDOW, top)]) if matches is not None else [
            r[0] for r in self._conn.execute(
                f"SELECT items_fts.rowid FROM {body} ORDER BY items_fts.rowid DESC LIMIT ?",  # noqa: S608
                (*params, max(RANK_WINDOW, top)),
            )]
        window, rest = newest[:RANK_WINDOW], newest[RANK_WINDOW:]
        if not window:
            return {}
        total = self._conn.execute("SELECT max(id) FROM items").fetchone()[0] or 1
        scores = dict.fromkeys(window, 0.0)
        for group in query.groups:
            df = max((counts.get(k, 0) for k in _group_keys(group)), default=0)
            idf = math.log(1 + total / (total if group.prefix or not df else df))
            in_title = {r[0] for r in self._conn.execute(
                "SELECT rowid FROM items_fts WHERE items_fts MATCH ? "
                "AND rowid BETWEEN ? AND ? AND +rowid IN (SELECT value FROM json_each(?))",
                (f"{_TITLE} : ({group.expression})", window[-1], window[0],
                 json_ids(window)),
            )}
            for item_id in scores:
                scores[item_id] += idf * (TITLE_WEIGHT if item_id in in_title else 1.0)
        # Best first; the sort is stable, so ties keep the window's order (newest first).
        best = sorted(scores.items(), key=operator.itemgetter(1), reverse=True)[:top]
        ranked = {item_id: -score for item_id, score in best}
        # Deeper pages go on with the older matches, newest first (rank 0: unranked).
        ranked.update((item_id, 0.0) for item_id in rest[:top - len(ranked)])
        return ranked

    def _newest(self, match: str, filters: _Filters, limit: int, offset: int,
                matches: Sequence[int] | None, complete: bool) -> list[int]:
        """Ids of one page of matches, newest published first.

        Items are stored roughly in the order they are published, so the page is taken
        from the newest stored matches (the newest :data:`RANK_WINDOW` of ``matches`` or
        of the index) sorted by date. Unless those are all the matches, it is then
        completed with the "stragglers": older-stored items published at least as late
        as the page's last item (few: found through the date index, each checked against
        the query). Sorting all 10,000 counted matches by date instead cost 8 ms.
        """
        size = max(RANK_WINDOW, offset + limit)
        if matches is None:
            body, params = self._fts_where(filters, match)
            matches = [r[0] for r in self._conn.execute(
                f"SELECT items_fts.rowid FROM {body} ORDER BY items_fts.rowid DESC LIMIT ?",  # noqa: S608
                (*params, size),
            )]
            complete = len(matches) < size
        elif len(matches) > size:
            matches, complete = matches[:size], False
        if not matches:
            return []
        rows = self._conn.execute(
            f"SELECT i.id, i.published_at FROM {_ITEMS} "  # noqa: S608
            "WHERE i.id IN (SELECT value FROM json_each(?)) "
            "ORDER BY i.published_at DESC, i.id DESC LIMIT ?",
            (json_ids(matches), offset + limit),
        ).fetchall()
        if not complete:
            # Published at least as late as the page's last item; every older-stored match
            # when the newest stored ones do not fill the page.
            since = rows[-1][1] if len(rows) == offset + limit else ""
            where, params = filters.where("i.id")
            probe = ("EXISTS (SELECT 1 FROM items_fts WHERE items_fts MATCH ? "
                     "AND items_fts.rowid = i.id)")
            rows += self._conn.execute(
                "SELECT i.id, i.published_at FROM items i INDEXED BY items_published_at "  # noqa: S608
                f"{_where(['i.published_at >= ?', 'i.id < ?', *where, probe])}",
                (since, min(matches), *params, match),
            ).fetchall()
            rows.sort(key=lambda r: (r[1], r[0]), reverse=True)
        return [r[0] for r in rows[offset:offset + limit]]

    # -- facets --------------------------------------------------------------------------
    def facet_counts(self, ids: Sequence[int]) -> tuple[list[tuple[str, int]],
                                                        list[tuple[int, str, int]]]:
        """How many of the items ``ids`` carry each label that counts ("overig" = none),
        and come from each source (id, name, count); both most frequent first.

        Read from the items' filter tokens (``search_tags``: one short row per item), so
        a facet counts exactly what its filter finds.
        """
        with self._reading("counting facets"):
            rows = self._conn.execute(
                "SELECT tags FROM search_tags WHERE item_id IN (SELECT value FROM json_each(?))",
                (json_ids(ids),),
            ).fetchall()
            tokens = Counter(" ".join(tags for (tags,) in rows).split())
            sources = {int(token[1:]): n for token, n in tokens.items() if token[0] == "s"}
            names = dict(self._conn.execute(
                "SELECT id, name FROM sources WHERE id IN (SELECT value FROM json_each(?))",
                (json_ids(sources),),
            ).fetchall())
        labels = [(fts.label_of(token), n) for token, n in tokens.items() if token[0] == "d"]
        by_label = sorted(labels, key=lambda kv: (-kv[1], kv[0]))
        by_source = sorted(((s, str(names.get(s, "")), n) for s, n in sources.items()),
                           key=lambda r: (-r[2], r[1]))
        return by_label, by_source


def _where(conditions: list[str]) -> str:
    return ("WHERE " + " AND ".join(conditions)) if conditions else ""
