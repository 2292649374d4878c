"""Turn parsed items into normalised, storable items (canonical URL, guid, UTC date, text).

Each item is sanitized once with nh3; its plain text is read from the sanitized HTML, so no
HTML is parsed twice. Normalising is idempotent: feeding a :class:`NewItem` back in as a
:class:`ParsedItem` (title and summary HTML-escaped, HTML as is) gives the same item.

Every stored string is also made safe to store and to print: lone surrogates (a JSON feed
can carry ``"\\udfff"``; UTF-8 cannot encode it) become U+FFFD, and terminal escape
sequences (CSI, OSC, ...), other control characters and bidirectional overrides are
removed, so a hostile title can neither break the writer nor clear or retitle a
terminal or reorder what a reader sees. Text keeps its newlines and tabs.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from nieuwsradar.parse.dates import to_utc
from nieuwsradar.parse.lang import detect_language
from nieuwsradar.parse.sanitize import collapse, html_to_text, sanitize_html, text_of_sanitized
from nieuwsradar.parse.urls import canonical_url, is_web_url
from nieuwsradar.types import NewItem, ParsedFeed, ParsedItem

FUTURE_TOLERANCE = timedelta(days=1)
SUMMARY_CHARS = 400
TITLE_WORDS = 12

# Terminal escape sequences, removed whole (not just their ESC): CSI (ESC [ ... final
# byte), OSC (ESC ] ... BEL or ST), DCS/SOS/PM/APC (ESC P/X/^/_ ... ST), their 8-bit C1
# forms, and the short ESC sequences (ESC, intermediates, one final byte). A string
# sequence without its terminator loses only its introducer, not the rest of the text.
_ESCAPE_SEQUENCE = (
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -/]*[0-~]?"
)
# C0 controls except tab and newline, DEL, C1 controls, and the invisible characters that
# reorder text: bidi embeddings, overrides, isolates and marks.
_CONTROL = r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
_UNSAFE = re.compile(f"{_ESCAPE_SEQUENCE}|{_CONTROL}")
_SURROGATE = re.compile("[\ud800-\udfff]")
#: One character class for the quick check (almost every text has none of these).
_SUSPECT = re.compile(f"{_CONTROL[:-1]}\ud800-\udfff]")


def safe_text(text: str) -> str:
    """``text`` without escape sequences, control or bidi-override characters, with lone
    surrogates replaced by U+FFFD; tabs and newlines stay. Idempotent."""
    if not _SUSPECT.search(text):
        return text
    return _UNSAFE.sub("", _SURROGATE.sub("\ufffd", text))


def safe_line(text: str) -> str:
    """:func:`safe_text` on one line: whitespace (tabs and newlines too) collapsed."""
    return collapse(safe_text(text))


def _first_words(text: str, words: int) -> str:
    """The first ``words`` words of ``text``, with "…" when something was cut."""
    parts = text.split(" ")
    return text if len(parts) <= words else " ".join(parts[:words]) + " …"


def _shorten(text: str, limit: int) -> str:
    """Cut ``text`` at a word boundary before ``limit`` characters, marking the cut with "…"."""
    if len(text) <= limit + 2:  # a text cut before ends in " …": leave it as it is
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + " …"


def _sha1(*parts: str) -> str:
    """Hex SHA-1 of the parts joined by newlines."""
    return hashlib.sha1("\n".join(parts).encode("utf-8"), usedforsecurity=False).hexdigest()


def _utc(value: datetime) -> datetime:
    """An aware UTC copy of ``value``; naive values are read as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sanitized(fragment: str, base_url: str | None) -> str:
    """:func:`sanitize_html` made safe (and stripped again, as sanitize_html strips);
    lone surrogates (nh3 cannot encode them) are replaced first when nh3 refuses them."""
    try:
        return safe_text(sanitize_html(fragment, base_url)).strip()
    except UnicodeEncodeError:
        return safe_text(sanitize_html(safe_text(fragment), base_url)).strip()


def _plain(fragment: str) -> str:
    """:func:`html_to_text` made safe (see :func:`_sanitized`), whitespace collapsed."""
    try:
        text = html_to_text(fragment)
    except UnicodeEncodeError:
        text = html_to_text(safe_text(fragment))
    cleaned = safe_text(text)
    return text if cleaned is text else collapse(cleaned)


def clean_title(title: str) -> str:
    """Plain-text title: tags stripped, entities decoded, unsafe characters removed,
    whitespace collapsed."""
    return _plain(title)


def published_utc(item: ParsedItem, fetched_at: datetime) -> datetime:
    """The item's publication time in UTC; missing or more than a day ahead → ``fetched_at``."""
    fetched = _utc(fetched_at)
    when = item.published or item.updated
    if when is None:
        return fetched
    try:
        stamp = to_utc(when)
    except (OverflowError, ValueError):
        return fetched
    return fetched if stamp > fetched + FUTURE_TOLERANCE else stamp


class _GuidAssigner:
    """Gives each item of one document a guid that is unique there and stable across fetches.

    Order of preference: the item's own GUID; its canonical link; link + publication date;
    a hash of title, summary and text. An exact repeat of an earlier item (same GUID,
    link, date and text) gets None, and so does an item whose every candidate is taken.
    """

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._fingerprints: set[tuple[str, str, datetime | None, str]] = set()

    def assign(self, guid: str | None, url: str, when: datetime | None, digest: str) -> str | None:
        """Return the first unused candidate for this item, or None for a repeat."""
        own = (guid or "").strip()
        fingerprint = (own, url, when, digest)
        if fingerprint in self._fingerprints:
            return None
        self._fingerprints.add(fingerprint)
        candidates = [own, url]
        if url and when is not None:
            candidates.append(f"{url}#{when.isoformat()}")
        candidates.append(f"sha1:{digest}")
        for candidate in candidates:
            if candidate and candidate not in self._seen:
                self._seen.add(candidate)
                return candidate
        return None


def _normalise(item: ParsedItem, source_url: str, fetched_at: datetime) -> NewItem:
    """Normalise one item; its guid is left empty for :func:`normalise_items` to choose.

    Unsafe characters are removed from the sanitized HTML and the plain text (where an
    entity such as ``&#x202e;`` has become one); the text read from safe HTML is safe.
    """
    url = canonical_url(safe_line(item.url), source_url) if item.url else ""
    if not is_web_url(url):
        url = ""
    base = url or source_url
    safe_html = _sanitized(item.content_html, base)
    content_text = text_of_sanitized(safe_html)
    if content_text:
        summary_text = _plain(item.summary_html)
    else:  # no content with text: the summary is the content
        safe_html = _sanitized(item.summary_html, base)
        summary_text = content_text = text_of_sanitized(safe_html)
    if not content_text:
        safe_html = ""
    summary = _shorten(summary_text or content_text, SUMMARY_CHARS)
    title = clean_title(item.title) or _first_words(summary, TITLE_WORDS)
    return NewItem(
        guid="",
        url=url,
        title=title,
        summary=summary,
        content_text=content_text,
        content_html=safe_html,
        published_at=published_utc(item, fetched_at),
        fetched_at=_utc(fetched_at),
        lang=detect_language(f"{title} {content_text}"),
        content_hash=_sha1(title, content_text),
    )


def normalise_items(feed: ParsedFeed, *, source_url: str, fetched_at: datetime) -> list[NewItem]:
    """Normalise every item of a parsed document, in document order.

    ``fetched_at`` should be aware; a naive value is read as UTC. Guids are unique within
    the result: an item that repeats another exactly (same guid, link, date and text) is
    left out.
    """
    assigner = _GuidAssigner()
    result: list[NewItem] = []
    for item in feed.items:
        draft = _normalise(item, source_url, fetched_at)
        when = item.published or item.updated
        digest = _sha1(draft.title, draft.summary, draft.content_text)
        guid = assigner.assign(safe_line(item.guid or ""), draft.url, when, digest)
        if guid is not None:
            result.append(replace(draft, guid=guid))
    return result


def with_content(item: NewItem, content_html: str) -> NewItem:
    """``item`` with its content replaced by full-text HTML (e.g. from extract_fulltext).

    The HTML is sanitized again (cheap, and safe whatever the caller passes) with links
    resolved against the item's URL; plain text, language and content hash follow the new
    text, the summary stays. An HTML without text leaves the item unchanged.
    """
    safe_html = _sanitized(content_html, item.url or None)
    content_text = text_of_sanitized(safe_html)
    if not content_text:
        return item
    return replace(
        item,
        content_html=safe_html,
        content_text=content_text,
        lang=detect_language(f"{item.title} {content_text}"),
        content_hash=_sha1(item.title, content_text),
    )
