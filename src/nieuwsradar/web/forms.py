"""The search form: read its query parameters leniently into a ``SearchRequest``, and
build the links of facets and pages.

Anything a user can type into the address bar gives a page: an unreadable date or page
number is dropped with a Dutch warning instead of an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from nieuwsradar.core import SearchRequest
from nieuwsradar.core.search import MAX_OFFSET

PAGE_SIZE = 20
MAX_TEXT = 3000
MAX_VALUES = 50
SORT_WORDS = {"relevantie": "relevance", "datum": "date"}


@dataclass(frozen=True)
class SearchForm:
    """What the search form holds (as the user sent it) and the request it makes."""

    q: str = ""
    domains: tuple[str, ...] = ()
    sources: tuple[int, ...] = ()
    van: str = ""
    tot: str = ""
    sort: str = "relevantie"
    page: int = 1
    warnings: list[str] = field(default_factory=list)

    def request(self, *, limit: int = PAGE_SIZE, extra_domains: tuple[str, ...] = (),
                sort: str | None = None) -> SearchRequest:
        """The facade request for this form (page ``page``, ``limit`` per page)."""
        return SearchRequest(
            text=self.q, domains=tuple(dict.fromkeys((*extra_domains, *self.domains))),
            sources=self.sources, since=_date(self.van), until=_date(self.tot),
            sort=sort or SORT_WORDS[self.sort], limit=limit,
            offset=min((self.page - 1) * limit, MAX_OFFSET))

    def params(self, **changes: object) -> list[tuple[str, str]]:
        """The query parameters of this form, with ``changes`` applied (for links)."""
        form = replace(self, **changes)  # type: ignore[arg-type]
        pairs: list[tuple[str, str]] = []
        if form.q:
            pairs.append(("q", form.q))
        pairs += [("domein", d) for d in form.domains]
        pairs += [("bron", str(s)) for s in form.sources]
        if form.van:
            pairs.append(("van", form.van))
        if form.tot:
            pairs.append(("tot", form.tot))
        if form.sort != "relevantie":
            pairs.append(("sorteer", form.sort))
        if form.page > 1:
            pairs.append(("pagina", str(form.page)))
        return pairs

    def url(self, path: str, **changes: object) -> str:
        """``path`` with this form's parameters (and ``changes``) as query string."""
        query = urlencode(self.params(**changes))
        return f"{path}?{query}" if query else path

    def toggle_domain(self, path: str, value: str) -> str:
        """Link that adds (or removes) a domain filter, back on page 1."""
        chosen = tuple(d for d in self.domains if d != value)
        if value not in self.domains:
            chosen = (*chosen, value)
        return self.url(path, domains=chosen, page=1)

    def toggle_source(self, path: str, value: str) -> str:
        """Link that adds (or removes) a source filter, back on page 1."""
        sid = int(value)
        chosen = tuple(s for s in self.sources if s != sid)
        if sid not in self.sources:
            chosen = (*chosen, sid)
        return self.url(path, sources=chosen, page=1)

    @property
    def empty(self) -> bool:
        """True when the form asks nothing (then the page shows the newest items)."""
        return not (self.q.strip() or self.domains or self.sources or self.van or self.tot)


def read_form(params: QueryParams) -> SearchForm:
    """Read the search form from the query string; never raises."""
    warnings: list[str] = []
    text = _clean(params.get("q", ""))
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT]
        warnings.append(f"de zoekvraag is ingekort tot {MAX_TEXT} tekens")
    domains = tuple(dict.fromkeys(
        _clean(d).strip() for d in params.getlist("domein")[:MAX_VALUES] if _clean(d).strip()))
    sources: list[int] = []
    for raw in params.getlist("bron")[:MAX_VALUES]:
        value = _clean(raw).strip()
        if value.isascii() and value.isdigit() and len(value) < 12:
            sources.append(int(value))
        elif value:
            warnings.append(f"bron {value[:40]!r} is geen bron-nummer en is genegeerd")
    van, tot = (_clean(params.get(key, "")).strip()[:40] for key in ("van", "tot"))
    for key, value in (("van", van), ("tot", tot)):
        if value and _date(value) is None:
            warnings.append(f"{key} {value!r} is geen datum (gebruik jjjj-mm-dd) en is genegeerd")
    van = van if _date(van) else ""
    tot = tot if _date(tot) else ""
    sort = _clean(params.get("sorteer", "relevantie")).strip()
    if sort not in SORT_WORDS:
        if sort:
            warnings.append(f"sorteren op {sort[:40]!r} kan niet; gesorteerd op relevantie")
        sort = "relevantie"
    raw_page = _clean(params.get("pagina", "1")).strip()
    page = int(raw_page) if raw_page.isascii() and raw_page.isdigit() and len(raw_page) < 7 else 1
    page = max(1, min(page, MAX_OFFSET // PAGE_SIZE + 1))
    return SearchForm(text, domains, tuple(dict.fromkeys(sources)), van, tot, sort, page,
                      warnings)


def _clean(value: str) -> str:
    """Drop NUL and other control characters a form field should never hold."""
    return "".join(c for c in value if c >= " " or c in "\t")


def _date(value: str) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if 1900 <= day.year <= 2999 else None
