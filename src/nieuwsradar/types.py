"""Frozen dataclasses that carry data from one pipeline stage to the next.

Named by stage: :class:`SourceSpec` (configured) → :class:`FetchResult` (fetched) →
:class:`ParsedItem` (parsed) → :class:`NewItem` (normalised, ready to store) →
:class:`Item` (stored). Stages exchange only these types, so fetch, parse and storage
never need to import each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

SourceKind = Literal["feed", "scrape", "rijksoverheid", "politie"]
SOURCE_KINDS: tuple[str, ...] = ("feed", "scrape", "rijksoverheid", "politie")
LabelOrigin = Literal["model", "human"]


@dataclass(frozen=True, slots=True)
class ScrapeRules:
    """CSS selectors that turn a web page without a feed into items.

    ``item`` selects each item's container; the others are relative to it. ``link`` reads
    the ``href`` of the element it selects (or of the first ``a`` inside it). ``date`` is
    optional text parsed with the Dutch date parser; ``date_attr`` reads an attribute
    (e.g. ``datetime``) instead of the text.
    """

    item: str
    title: str
    link: str
    date: str | None = None
    date_attr: str | None = None
    summary: str | None = None


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """A source as configured in feeds.toml or imported from OPML."""

    url: str
    name: str
    kind: SourceKind = "feed"
    publisher: str = ""
    default_domains: tuple[str, ...] = ()
    interval_s: int = 3600
    full_text: bool = False
    content_selector: str | None = None
    scrape: ScrapeRules | None = None


@dataclass(frozen=True, slots=True)
class SourceState:
    """A stored source with its fetch state and health."""

    id: int
    spec: SourceSpec
    etag: str | None = None
    last_modified: str | None = None
    next_check_at: datetime | None = None
    interval_s: int = 3600
    last_error: str | None = None
    error_count: int = 0
    last_ok_at: datetime | None = None
    last_checked_at: datetime | None = None
    item_count: int = 0


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The outcome of one successful HTTP exchange (2xx or 304).

    ``body`` is None when the server answered 304 Not Modified. ``max_age_s`` comes from
    Cache-Control (max-age / s-maxage), ``url`` is the final URL after redirects.
    """

    url: str
    status: int
    body: bytes | None
    headers: Mapping[str, str]
    etag: str | None = None
    last_modified: str | None = None
    max_age_s: int | None = None
    elapsed_s: float = 0.0

    @property
    def not_modified(self) -> bool:
        """True for a 304 answer: nothing changed since the last fetch."""
        return self.status == 304


@dataclass(frozen=True, slots=True)
class ParsedItem:
    """One entry as it came out of a parser, not yet normalised.

    HTML fields are raw and untrusted. ``published`` is timezone-aware when the source
    gave a zone, else naive local (Europe/Amsterdam) time; None when absent.
    """

    title: str
    url: str | None = None
    guid: str | None = None
    summary_html: str = ""
    content_html: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    author: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed document: its own title/link and the items in document order."""

    title: str
    link: str | None
    items: tuple[ParsedItem, ...]


@dataclass(frozen=True, slots=True)
class NewItem:
    """A normalised item, ready to be stored (no database id yet).

    ``guid`` is unique within the source; ``url`` is canonical (tracking parameters
    stripped); ``published_at`` and ``fetched_at`` are UTC-aware; ``summary`` and
    ``content_text`` are plain text; ``content_html`` is sanitized (nh3) and safe to show.
    ``content_hash`` identifies the text for exact dedupe.
    """

    guid: str
    url: str
    title: str
    summary: str
    content_text: str
    content_html: str
    published_at: datetime
    fetched_at: datetime
    lang: str
    content_hash: str


@dataclass(frozen=True, slots=True)
class Label:
    """A domain label on an item, from the model or from a human."""

    label: str
    score: float
    origin: LabelOrigin = "model"
    model_version: str | None = None


@dataclass(frozen=True, slots=True)
class Item:
    """A stored item."""

    id: int
    source_id: int
    guid: str
    url: str
    title: str
    summary: str
    content_text: str
    content_html: str
    published_at: datetime
    fetched_at: datetime
    lang: str
    content_hash: str
    cluster_id: int | None = None
    source_name: str = ""
    labels: tuple[Label, ...] = ()


@dataclass(frozen=True, slots=True)
class Prediction:
    """Classifier output for one text: labels over threshold and every label's score."""

    labels: tuple[str, ...]
    scores: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result: the item, its bm25 rank and a highlighted plain-text snippet."""

    item: Item
    rank: float
    snippet: str


@dataclass(frozen=True, slots=True)
class SourceResult:
    """What one source did during an update run."""

    source_id: int
    url: str
    name: str
    ok: bool
    status: int | None = None
    not_modified: bool = False
    new: int = 0
    updated: int = 0
    duplicates: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class UpdateResult:
    """The summary of one update run."""

    sources: tuple[SourceResult, ...] = ()
    elapsed_s: float = 0.0
    items_new: int = 0
    items_updated: int = 0
    duplicates: int = 0
    classified: int = 0
    failures: tuple[SourceResult, ...] = field(default=())

    @property
    def sources_ok(self) -> int:
        """Number of sources that were fetched and parsed without error."""
        return sum(1 for s in self.sources if s.ok)

    @property
    def sources_failed(self) -> int:
        """Number of sources whose fetch or parse failed in this run."""
        return sum(1 for s in self.sources if not s.ok)


@dataclass(frozen=True, slots=True)
class User:
    """A coordinator who may sign in to the web app and correct labels."""

    id: int
    email: str
    name: str
    created_at: datetime
    last_login_at: datetime | None = None
    has_token: bool = False


@dataclass(frozen=True, slots=True)
class LabelCorrection:
    """One human label correction of an item: the labels set (empty = overig), by whom, when."""

    item_id: int
    labels: tuple[str, ...]
    by: str
    at: datetime
