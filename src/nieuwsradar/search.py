"""Turn what a user types into a safe, structured search query.

Pure: no SQL and no I/O. :func:`parse_query` returns a :class:`Query` whose ``match`` is a
complete FTS5 MATCH expression that can never be a syntax error, whatever the input
(``boa's``, ``e-bike``, ``((``, ``"x``, ``12:30``, ``C&A``, NUL bytes...), plus filters
that storage applies with bound parameters.

Syntax (UI words are Dutch, English aliases work too)::

    handhaving boa's          both terms (AND); each also matches its Dutch stem variants
    "illegale kamerverhuur"   a phrase
    drugs*                    prefix: every word that starts with "drugs"
    -cannabis / NOT cannabis  exclude items with the term (with no other term: every
                              item passing the filters except those with the term)
    ondermijning OR drugslab  either term (OR binds tighter than the implicit AND)
    domein:handhaving         label filter (label: works too); several = any of them;
                              domein:sociaal-domein or domein:"sociaal domein";
                              domein:overig = items without a domain label
    sinds:2022 / since:2022-03-01 / sinds:01-03-2022
    tot:2023-06 / until:...   the named day, month or year is included
    bron:utrecht / source:    source name contains this text (any of several)

Dates are read as Europe/Amsterdam calendar days and stored in the query as UTC.
A filter with an unreadable value is dropped and explained in ``Query.warnings`` (Dutch,
for the UI).

Column names used in the MATCH expression are a contract with storage's FTS5 table:
:data:`RAW_COLUMNS` hold the text as written, :data:`STEM_COLUMNS` its stemmed shadow
(see :mod:`nieuwsradar.stemming`). A plain word or phrase matches either; a prefix
matches the raw columns only (a stem is not a prefix of its word).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from nieuwsradar.stemming import split_words, stem_term

RAW_COLUMNS = ("title", "summary", "content_text")
STEM_COLUMNS = ("stem_title", "stem_body")
MAX_TERMS = 32
MAX_QUERY_CHARS = 1000
LOCAL_TZ = ZoneInfo("Europe/Amsterdam")

_RAW = "{" + " ".join(RAW_COLUMNS) + "}"
_STEM = "{" + " ".join(STEM_COLUMNS) + "}"
_FILTER_KEYS = {
    "domein": "labels", "label": "labels", "sinds": "since", "since": "since",
    "tot": "until", "until": "until", "bron": "sources", "source": "sources",
}
# One token: an optional "-", then a key:"quoted value", a "phrase" (closing quote
# optional) or a run of non-space characters.
_TOKEN = re.compile(r'(-?)(?:(\w+):"([^"]*)"?|"([^"]*)"?|(\S+))')
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_DATE_FORMATS = (
    (re.compile(r"(\d{4})$"), "y"),
    (re.compile(r"(\d{4})-(\d{1,2})$"), "ym"),
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})$"), "ymd"),
    (re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})$"), "dmy"),
)


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed search query.

    ``match`` is the FTS5 MATCH expression, None when no searchable term is left (then
    only the filters apply). ``words`` (folded), ``prefixes`` and ``stems`` (compounds
    included) are what the positive terms look for, so storage can mark them in
    snippets. ``labels`` are lowercased label names ("overig" = no domain label);
    ``since``/``until`` are UTC-aware, ``until`` exclusive; ``sources`` are lowercased
    name substrings.

    ``exclude`` is set only when there is no positive term: a MATCH expression of the
    excluded terms, whose matches storage leaves out (FTS5 cannot express a lone NOT).

    ``groups`` are the positive parts of ``match`` (each must match) and ``negated`` the
    excluded ones, for ranking.

    ``domains`` and ``source_ids`` come from a search form (see :func:`refine`): an item
    must carry one of ``labels`` *and* one of ``domains``, and come from a source named
    by ``sources`` *and* one of ``source_ids`` (each empty tuple = no condition).
    """

    text: str
    match: str | None = None
    exclude: str | None = None
    stems: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    sources: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    source_ids: tuple[int, ...] = ()
    groups: tuple[Group, ...] = ()
    negated: tuple[Group, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when the query neither searches text nor filters anything."""
        return self.match is None and self.exclude is None and not (
            self.labels or self.since or self.until or self.sources or self.domains
            or self.source_ids
        )


@dataclass(frozen=True, slots=True)
class Group:
    """One part of a query (one term, or terms joined by OR), for ranking.

    ``stems`` are the stems it searches (compounds included); ``prefix`` is True when a
    prefix term makes it open-ended.
    """

    expression: str
    stems: tuple[str, ...]
    prefix: bool


@dataclass(frozen=True, slots=True)
class _Term:
    words: tuple[str, ...]
    stems: tuple[str, ...]
    prefix: bool
    compounds: tuple[str, ...] = ()

    def expression(self) -> str:
        raw = " ".join(self.words)
        if self.prefix:
            return f'{_RAW} : "{raw}" *'
        parts = [f'{_RAW} : "{raw}"']
        if self.stems:
            parts.append(f'{_STEM} : "{" ".join(self.stems)}"')
        parts += [f'{_STEM} : "{stem}"' for stem in self.compounds]
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


Compounds = Callable[[str], Sequence[str]]
"""Looks up the indexed stems of compounds ending in a stem ("verhur" → "kamerverhur")."""


def _make_term(text: str, *, prefix: bool, compounds: Compounds | None = None) -> _Term | None:
    words = tuple(split_words(text))
    if not words:
        return None
    stems = () if prefix else tuple(stem_term(text).split())
    found: tuple[str, ...] = ()
    if compounds is not None and len(stems) == 1:
        found = tuple(c for c in compounds(stems[0]) if c != stems[0])
    return _Term(words, stems, prefix, found)


def _parse_day(value: str) -> tuple[date, date] | None:
    """Return the first day and the day after the last day named by ``value``."""
    for pattern, kind in _DATE_FORMATS:
        m = pattern.match(value)
        if not m:
            continue
        nums = [int(g) for g in m.groups()]
        try:
            if kind == "y":
                return date(nums[0], 1, 1), date(nums[0] + 1, 1, 1)
            if kind == "ym":
                first = date(nums[0], nums[1], 1)
                return first, (first + timedelta(days=32)).replace(day=1)
            day = date(*nums) if kind == "ymd" else date(nums[2], nums[1], nums[0])
            return day, day + timedelta(days=1)
        except (ValueError, OverflowError):
            return None
    return None


def _utc_midnight(day: date) -> datetime:
    """Midnight in Amsterdam at the start of ``day``, in UTC (the first day of year 1
    has no UTC equivalent: it is clamped to midnight UTC)."""
    try:
        return datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ).astimezone(UTC)
    except OverflowError:
        return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _group(terms: list[_Term]) -> Group:
    """The terms of one OR group as a :class:`Group`."""
    expression = (terms[0].expression() if len(terms) == 1
                  else "(" + " OR ".join(t.expression() for t in terms) + ")")
    return Group(
        expression=expression,
        stems=tuple(dict.fromkeys(s for t in terms for s in (*t.stems, *t.compounds))),
        prefix=any(t.prefix for t in terms),
    )


class _Builder:
    """Collects terms and filters while walking the tokens of one query."""

    def __init__(self) -> None:
        self.groups: list[list[_Term]] = []
        self.negated: list[_Term] = []
        self.labels: list[str] = []
        self.sources: list[str] = []
        self.since: datetime | None = None
        self.until: datetime | None = None
        self.warnings: list[str] = []
        self.truncated = False
        self.join_next = False
        self.negate_next = False

    def count(self) -> int:
        return sum(len(g) for g in self.groups) + len(self.negated)

    def add_term(self, term: _Term, *, negate: bool) -> None:
        if self.count() >= MAX_TERMS:
            self.truncated = True
            return
        if negate:
            self.negated.append(term)
        elif self.join_next and self.groups:
            self.groups[-1].append(term)
        else:
            self.groups.append([term])
        self.join_next = False

    def add_filter(self, key: str, value: str) -> None:
        field = _FILTER_KEYS[key]
        value = value.strip()
        if field == "labels":
            label = re.sub(r"[-_\s]+", " ", value.lower()).strip()
            if label:
                self.labels.append(label)
        elif field == "sources":
            if value:
                self.sources.append(value.lower())
        else:
            days = _parse_day(value)
            if days is None:
                self.warnings.append(
                    f"{key}:{value} is geen datum; gebruik bijvoorbeeld {key}:2024, "
                    f"{key}:2024-03 of {key}:2024-03-01"
                )
            elif field == "since":
                self.since = _utc_midnight(days[0])
            else:
                self.until = _utc_midnight(days[1])

    def build(self, text: str) -> Query:
        positive = [t for g in self.groups for t in g]
        match = exclude = None
        nots = " OR ".join(t.expression() for t in self.negated)
        if not self.groups and nots:
            exclude = nots
        groups = tuple(_group(g) for g in self.groups)
        if groups:
            match = " AND ".join(g.expression for g in groups)
            if nots:
                match = f"({match}) NOT ({nots})"
        warnings = list(self.warnings)
        if self.truncated:
            warnings.append(f"alleen de eerste {MAX_TERMS} zoektermen zijn gebruikt")
        return Query(
            text=text,
            match=match,
            exclude=exclude,
            groups=groups,
            negated=tuple(_group([t]) for t in self.negated),
            stems=tuple(dict.fromkeys(s for t in positive for s in (*t.stems, *t.compounds))),
            words=tuple(dict.fromkeys(
                w for t in positive for w in (t.words[:-1] if t.prefix else t.words))),
            prefixes=tuple(dict.fromkeys(t.words[-1] for t in positive if t.prefix)),
            labels=tuple(dict.fromkeys(self.labels)),
            since=self.since,
            until=self.until,
            sources=tuple(dict.fromkeys(self.sources)),
            warnings=tuple(warnings),
        )


def refine(query: Query, *, domains: tuple[str, ...] = (), source_ids: tuple[int, ...] = (),
           since: date | None = None, until: date | None = None) -> Query:
    """``query`` narrowed by the filters of a search form (they combine with AND).

    ``domains`` are label names (any of them; "overig" = no domain label), ``source_ids``
    source ids (any of them), ``since``/``until`` inclusive Europe/Amsterdam calendar days;
    the later start and the earlier end win when the box names a period too.
    """
    start = query.since
    if since is not None:
        day = _utc_midnight(since)
        start = day if start is None else max(start, day)
    end = query.until
    if until is not None and until < date.max:
        day = _utc_midnight(until + timedelta(days=1))
        end = day if end is None else min(end, day)
    labels = tuple(dict.fromkeys(
        label for label in (re.sub(r"[-_\s]+", " ", d.lower()).strip() for d in domains)
        if label
    ))
    return replace(query, domains=labels, source_ids=tuple(dict.fromkeys(source_ids)),
                   since=start, until=end)


def parse_query(text: str, compounds: Compounds | None = None) -> Query:
    """Parse the user's search text into a :class:`Query`; never raises.

    With ``compounds`` a single word also matches the indexed compounds that end in it
    ("verhuur" finds "kamerverhuur", through their stems); phrases and prefixes are taken
    as written.
    """
    cleaned = _CONTROL.sub(" ", text[:MAX_QUERY_CHARS])
    builder = _Builder()
    for m in _TOKEN.finditer(cleaned):
        minus, key, key_value, phrase, bare = m.groups()
        negate = bool(minus) or builder.negate_next
        builder.negate_next = False
        if key is not None and key.lower() in _FILTER_KEYS:
            builder.add_filter(key.lower(), key_value)
            continue
        if key is not None:  # an unknown key with a quoted value: search both parts
            bare = f'{key} {key_value}'
        if phrase is not None:
            term = _make_term(phrase, prefix=False)
        else:
            if not minus and bare in ("OR", "NOT", "AND"):
                builder.join_next = bare == "OR"
                builder.negate_next = bare == "NOT"
                continue
            filter_key, sep, value = bare.partition(":")
            if sep and filter_key.lower() in _FILTER_KEYS and value:
                builder.add_filter(filter_key.lower(), value)
                continue
            prefix = bare.endswith("*")
            term = _make_term(bare.rstrip("*"), prefix=prefix, compounds=compounds)
        if term is not None:
            builder.add_term(term, negate=negate)
    return builder.build(text)
