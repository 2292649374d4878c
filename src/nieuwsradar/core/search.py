"""Facade part: the one search engine behind the CLI, the web pages and the JSON API.

A :class:`SearchRequest` is what a search form sends: the text of the box (which may use
the query syntax of :mod:`nieuwsradar.search`) plus the form's own filters. Filters from
the box and from the form combine with AND. :meth:`SearchPart.find` answers with one
page of hits, the number of matches (counted up to :data:`COUNT_CAP`, so a broad query on
a big archive stays fast), facet counts per domain and per source for the query (over
its newest :data:`FACET_CAP` matches), and the query's warnings in Dutch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from nieuwsradar import search
from nieuwsradar.core.base import RadarBase
from nieuwsradar.types import SearchHit

#: Counting matches stops here: a broad query on a big archive shows "meer dan 10.000".
COUNT_CAP = 10_000
#: Facets count the newest this many matches: reading the labels and source of every one
#: of 10,000 matches would cost more than the rest of the search together.
FACET_CAP = 2_000
#: The largest page a caller may ask for, and the deepest offset (deeper pages of a
#: ranked list are not worth their cost: narrow the query instead).
MAX_LIMIT = 1000
MAX_OFFSET = COUNT_CAP
SORTS = ("relevance", "date")
FACET_DOMAIN = "domein"
FACET_SOURCE = "bron"


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """One search: the box's text and the form's filters (all optional)."""

    text: str = ""
    """The search box; the query syntax of :mod:`nieuwsradar.search` is allowed in it."""
    domains: tuple[str, ...] = ()
    """Label names, any of them; "overig" = items without a domain label."""
    sources: tuple[int, ...] = ()
    """Source ids, any of them."""
    since: date | None = None
    """First day, inclusive (Europe/Amsterdam calendar day)."""
    until: date | None = None
    """Last day, inclusive."""
    sort: str = "relevance"
    """"relevance" (best match first) or "date" (newest first)."""
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True, slots=True)
class FacetCount:
    """How many matches of the current query share one value of a facet."""

    value: str
    """The filter value: a label name, or a source id as text."""
    name: str
    """What to show: the label name or the source's name."""
    count: int


@dataclass(frozen=True, slots=True)
class SearchResults:
    """One page of results of a :class:`SearchRequest`."""

    hits: list[SearchHit]
    """Items (with labels and source name), rank, and a plain-text snippet with the
    matched words between ``\\x02`` and ``\\x03``."""
    total: int
    """Matches, counted up to :data:`COUNT_CAP`."""
    more: bool
    """True when there are more than ``total`` matches (the count was capped)."""
    facets: dict[str, list[FacetCount]]
    """Keys "domein" and "bron"; counts over the newest ``facets_over`` matches, most
    frequent first."""
    warnings: list[str]
    """Why part of the query was ignored or adjusted (Dutch, for the user)."""
    facets_over: int = 0
    """How many matches the facets counted: ``total``, or the newest :data:`FACET_CAP`
    when there are more (a page can say "in de nieuwste 2.000")."""


class SearchPart(RadarBase):
    """Search the archive."""

    def find(self, request: SearchRequest) -> SearchResults:
        """Answer one search request; any text gives results or warnings, never an error."""
        warnings: list[str] = []
        sort = request.sort
        if sort not in SORTS:
            warnings.append(f"onbekende sortering {sort!r}; gesorteerd op relevantie")
            sort = "relevance"
        limit = min(max(request.limit, 0), MAX_LIMIT)
        offset = min(max(request.offset, 0), MAX_OFFSET)
        db = self._db
        query = search.parse_query(request.text, compounds=db.compounds_of)
        warnings += query.warnings
        query = search.refine(query, domains=request.domains, source_ids=request.sources,
                              since=request.since, until=request.until)
        ids = db.match_ids(query, limit=COUNT_CAP + 1)
        more = len(ids) > COUNT_CAP
        ids = ids[:COUNT_CAP]
        hits = db.search(query, limit=limit, offset=offset, newest=sort == "date",
                         matches=ids, complete=not more) if ids else []
        sample = ids[:FACET_CAP]
        by_label, by_source = db.facet_counts(sample) if sample else ([], [])
        facets = {
            FACET_DOMAIN: [FacetCount(label, label, n) for label, n in by_label],
            FACET_SOURCE: [FacetCount(str(sid), name, n) for sid, name, n in by_source],
        }
        return SearchResults(hits=hits, total=len(ids), more=more, facets=facets,
                             warnings=warnings, facets_over=len(sample))
