"""Turn what a user types into a safe, structured search query.

Pure: no SQL and no I/O. :func:`parse_query` returns a :class:`Query` whose ``match`` is a
complete FTS5 MATCH expression that can never be a syntax error, whatever the input
(``boa's``, ``e-bike``, ``((``, ``"x``, ``12:30``, ``C&A``, NUL bytes...), plus filters
that storage applies with bound parameters.

Syntax (UI words are Dutch, English aliases work too)::

    handhaving boa's          both terms (AND); each also matches its Dutch stem variants
    "illegale kamerverhuur"   a phrase
    drugs*                    prefix: every word that starts with "drugs"
    -cannabis / NOT cannabis  exclude items with the term (only next to a positive term)
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
from collections.abc import Sequence
from dataclasses import dataclass
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
    only the filters apply). ``stems`` are the stems of the positive words, so storage
    can highlight stem-only matches in snippets. ``labels`` are lowercased label names
    ("overig" = no domain label); ``since``/``until`` are UTC-aware, ``until``
    exclusive; ``sources`` are lowercased name substrings.
    """

    text: str
    match: str | None = None
    stems: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    sources: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when the query neither searches text nor filters anything."""
        return self.match is None and not (
            self.labels or self.since or self.until or self.sources
        )


@dataclass(frozen=True, slots=True)
class _Term:
    words: tuple[str, ...]
    stems: tuple[str, ...]
    prefix: bool

    def expression(self) -> str:
        raw = " ".join(self.words)
        if self.prefix:
            return f'{_RAW} : "{raw}" *'
        if not self.stems:
            return f'{_RAW} : "{raw}"'
        return f'({_RAW} : "{raw}" OR {_STEM} : "{" ".join(self.stems)}")'


def _make_term(text: str, *, prefix: bool) -> _Term | None:
    words = tuple(split_words(text))
    if not words:
        return None
    stems = () if prefix else tuple(stem_term(text).split())
    return _Term(words, stems, prefix)


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
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ).astimezone(UTC)


class _Builder:
    """Collects terms and filters while walking the tokens of one query."""

    def __init__(self) -> None:
        self.groups: list[list[_Term]] = []
        self.negated: list[_Term] = []
        self.labels: list[str] = []
        self.known_labels: dict[str, str] | None = None
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
            known = self.known_labels
            if label and known is not None and label not in known:
                self.warnings.append(f"{key}:{value} is geen bekend domein; kies uit "
                                     f"{', '.join(known.values())}")
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
        if not positive:
            # A lone "-term" has nothing to be excluded from: search for it instead.
            self.groups = [[t] for t in self.negated]
            self.negated = []
            positive = [t for g in self.groups for t in g]
        match = None
        if self.groups:
            parts = [
                g[0].expression() if len(g) == 1
                else "(" + " OR ".join(t.expression() for t in g) + ")"
                for g in self.groups
            ]
            match = " AND ".join(parts)
            if self.negated:
                nots = " OR ".join(t.expression() for t in self.negated)
                match = f"({match}) NOT ({nots})"
        warnings = list(self.warnings)
        if self.truncated:
            warnings.append(f"alleen de eerste {MAX_TERMS} zoektermen zijn gebruikt")
        return Query(
            text=text,
            match=match,
            stems=tuple(dict.fromkeys(s for t in positive for s in t.stems)),
            labels=tuple(dict.fromkeys(self.labels)),
            since=self.since,
            until=self.until,
            sources=tuple(dict.fromkeys(self.sources)),
            warnings=tuple(warnings),
        )


def parse_query(text: str, labels: Sequence[str] | None = None) -> Query:
    """Parse the user's search text into a :class:`Query`; never raises. ``labels`` are
    the taxonomy's labels plus its none label: a ``domein:`` filter naming another label
    gets a warning that lists them (None: not checked)."""
    cleaned = _CONTROL.sub(" ", text[:MAX_QUERY_CHARS])
    builder = _Builder()
    builder.known_labels = None if labels is None else {label.lower(): label for label in labels}
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
            term = _make_term(bare.rstrip("*"), prefix=prefix)
        if term is not None:
            builder.add_term(term, negate=negate)
    return builder.build(text)
