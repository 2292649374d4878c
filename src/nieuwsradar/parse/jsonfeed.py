"""JSON Feed 1.0 / 1.1 (https://jsonfeed.org) → :class:`ParsedFeed`.

feedparser does not read JSON Feed, and the format is small enough to map by hand.
Plain-text fields (``summary``, ``content_text``) are HTML-escaped so that every
ParsedItem carries HTML; relative URLs are kept for normalising to resolve.
"""

from __future__ import annotations

import html
import json
from typing import Any

from nieuwsradar.errors import ParseError
from nieuwsradar.parse.dates import parse_date
from nieuwsradar.types import ParsedFeed, ParsedItem

JSON_FEED_TYPES = ("application/feed+json", "application/json")


def looks_like_json(body: bytes, content_type: str | None) -> bool:
    """True when the content type says JSON or the body starts with ``{``."""
    if content_type and content_type.split(";", 1)[0].strip().lower() in JSON_FEED_TYPES:
        return True
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def _str(value: Any) -> str:
    """A JSON value as a stripped string; numbers become text, anything else ""."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _plain_as_html(text: str) -> str:
    """Plain text as HTML: escaped, blank-line separated paragraphs become ``<p>``."""
    paragraphs = [part.strip() for part in text.split("\n\n") if part.strip()]
    return "".join(f"<p>{html.escape(part, quote=False)}</p>" for part in paragraphs)


def _author(item: dict[str, Any]) -> str | None:
    """The first author's name (1.1 ``authors`` or 1.0 ``author``)."""
    authors = item.get("authors")
    candidates = authors if isinstance(authors, list) else [item.get("author")]
    for author in candidates:
        if isinstance(author, dict) and _str(author.get("name")):
            return _str(author.get("name"))
    return None


def _item(item: dict[str, Any]) -> ParsedItem:
    """One JSON Feed item as a ParsedItem."""
    content = _str(item.get("content_html"))
    if not content:
        content = _plain_as_html(_str(item.get("content_text")))
    summary = _str(item.get("summary"))
    return ParsedItem(
        title=html.escape(_str(item.get("title")), quote=False),
        url=_str(item.get("url")) or _str(item.get("external_url")) or None,
        guid=_str(item.get("id")) or None,
        summary_html=html.escape(summary, quote=False),
        content_html=content,
        published=parse_date(_str(item.get("date_published"))),
        updated=parse_date(_str(item.get("date_modified"))),
        author=_author(item),
    )


def parse_json_feed(text: str, *, url: str) -> ParsedFeed:
    """Parse JSON Feed text; ParseError names what is wrong (bad JSON, no version, no items)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ParseError(
            url, f"invalid JSON ({exc}); the source does not serve a JSON Feed"
        ) from None
    if not isinstance(data, dict):
        raise ParseError(url, "JSON Feed must be a JSON object at the top level")
    version = _str(data.get("version"))
    if not version.startswith("https://jsonfeed.org/version/"):
        raise ParseError(url, f"not a JSON Feed: field 'version' is {version!r}, expected "
                              "'https://jsonfeed.org/version/1.1'")
    items = data.get("items")
    if not isinstance(items, list):
        raise ParseError(url, "JSON Feed has no 'items' list")
    return ParsedFeed(
        title=_str(data.get("title")),
        link=_str(data.get("home_page_url")) or None,
        items=tuple(_item(item) for item in items if isinstance(item, dict)),
    )
