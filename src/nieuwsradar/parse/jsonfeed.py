"""JSON Feed 1.0 / 1.1 (https://jsonfeed.org) → :class:`ParsedFeed`.

feedparser does not read JSON Feed, and the format is small enough to map by hand.
Plain-text fields (``summary``, ``content_text``) are HTML-escaped so that every
ParsedItem carries HTML; relative URLs are kept for normalising to resolve.
"""

from __future__ import annotations

import html
from typing import Any

from nieuwsradar.errors import ParseError
from nieuwsradar.parse.dates import parse_date
from nieuwsradar.parse.jsonvalues import load_json, text_value
from nieuwsradar.types import ParsedFeed, ParsedItem

JSON_FEED_TYPES = ("application/feed+json", "application/json")


def looks_like_json(body: bytes, content_type: str | None) -> bool:
    """True when the content type says JSON or the body starts with ``{``."""
    if content_type and content_type.split(";", 1)[0].strip().lower() in JSON_FEED_TYPES:
        return True
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def _plain_as_html(text: str) -> str:
    """Plain text as HTML: escaped, blank-line separated paragraphs become ``<p>``."""
    paragraphs = [part.strip() for part in text.split("\n\n") if part.strip()]
    return "".join(f"<p>{html.escape(part, quote=False)}</p>" for part in paragraphs)


def _author(item: dict[str, Any]) -> str | None:
    """The first author's name (1.1 ``authors`` or 1.0 ``author``)."""
    authors = item.get("authors")
    candidates = authors if isinstance(authors, list) else [item.get("author")]
    for author in candidates:
        if isinstance(author, dict) and text_value(author.get("name")):
            return text_value(author.get("name"))
    return None


def _item(item: dict[str, Any]) -> ParsedItem:
    """One JSON Feed item as a ParsedItem."""
    content = text_value(item.get("content_html"))
    if not content:
        content = _plain_as_html(text_value(item.get("content_text")))
    summary = text_value(item.get("summary"))
    return ParsedItem(
        title=html.escape(text_value(item.get("title")), quote=False),
        url=text_value(item.get("url")) or text_value(item.get("external_url")) or None,
        guid=text_value(item.get("id")) or None,
        summary_html=html.escape(summary, quote=False),
        content_html=content,
        published=parse_date(text_value(item.get("date_published"))),
        updated=parse_date(text_value(item.get("date_modified"))),
        author=_author(item),
    )


def parse_json_feed(text: str, *, url: str) -> ParsedFeed:
    """Parse JSON Feed text; ParseError names what is wrong (bad JSON, no version, no items)."""
    data = load_json(text, url=url, what="a JSON Feed")
    if not isinstance(data, dict):
        raise ParseError(url, "JSON Feed must be a JSON object at the top level")
    version = text_value(data.get("version"))
    if not version.startswith("https://jsonfeed.org/version/"):
        raise ParseError(url, f"not a JSON Feed: field 'version' is {version!r}, expected "
                              "'https://jsonfeed.org/version/1.1'")
    items = data.get("items")
    if not isinstance(items, list):
        raise ParseError(url, "JSON Feed has no 'items' list")
    return ParsedFeed(
        title=text_value(data.get("title")),
        link=text_value(data.get("home_page_url")) or None,
        items=tuple(_item(item) for item in items if isinstance(item, dict)),
    )
