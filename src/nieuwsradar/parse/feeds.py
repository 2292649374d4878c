"""RSS and Atom documents → :class:`ParsedFeed`: an lxml fast path, feedparser for the rest.

The body is first decoded with the charset repair of :mod:`.encoding` and re-encoded as
UTF-8, so both parsers see readable text. Well-formed plain RSS 2.0 goes through
:func:`nieuwsradar.parse.rss_fast.parse_rss_fast` (about ten times faster); anything it
declines goes to feedparser with its own sanitising and URI resolution off (we sanitize
once, later, with nh3). The body is handed to feedparser as a stream, never as a string,
so feedparser can never mistake it for a URL or file name to open.

Field conventions shared with the fast path: values are stripped; RSS text is taken as
HTML; Atom ``type="text"`` values are HTML-escaped; a link that feedparser copied from a
GUID that is not a web URL is dropped. The feed's own title is plain text.
"""

from __future__ import annotations

import html
import io
import time
from datetime import UTC, datetime
from typing import Any

import feedparser

from nieuwsradar.errors import ParseError
from nieuwsradar.parse.dates import feedparser_dutch_handler, parse_date
from nieuwsradar.parse.encoding import decode_body, to_utf8_xml
from nieuwsradar.parse.rss_fast import parse_rss_fast
from nieuwsradar.parse.sanitize import html_to_text
from nieuwsradar.parse.urls import is_web_url
from nieuwsradar.types import ParsedFeed, ParsedItem

# Global and idempotent in effect: feedparser then also reads Dutch dates wherever it is used.
feedparser.registerDateHandler(feedparser_dutch_handler)


def _from_struct(value: Any) -> datetime | None:
    """A UTC datetime from feedparser's parsed 9-tuple, None when absent."""
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except ValueError:
        return None


def _date(raw: Any, parsed: Any) -> datetime | None:
    """Our reading of a raw date string, feedparser's own reading as fallback."""
    found = parse_date(raw) if isinstance(raw, str) else None
    return found if found is not None else _from_struct(parsed)


def _value(detail: Any, value: Any, atom: bool) -> str:
    """A text or HTML value as HTML: Atom plain text is escaped, everything else kept."""
    if not isinstance(value, str):
        return ""
    if atom and isinstance(detail, dict) and detail.get("type") == "text/plain":
        return html.escape(value, quote=False)
    return value


def _entry(entry: Any, atom: bool) -> ParsedItem:
    """One feedparser entry as a ParsedItem (see the module docstring for conventions)."""
    contents = entry.get("content") or []
    content = contents[0] if contents else {}
    link = entry.get("link") or None
    guid = entry.get("id") or None
    if link and entry.get("guidislink") and link == guid and not is_web_url(link):
        link = None
    author = entry.get("author")
    return ParsedItem(
        title=_value(entry.get("title_detail"), entry.get("title", ""), atom),
        url=link,
        guid=guid,
        summary_html=_value(entry.get("summary_detail"), entry.get("summary", ""), atom),
        content_html=_value(content, content.get("value", ""), atom),
        published=_date(entry.get("published"), entry.get("published_parsed")),
        updated=_date(dict.get(entry, "updated"), dict.get(entry, "updated_parsed")),
        author=author if isinstance(author, str) and author else None,
    )


def parse_with_feedparser(xml: bytes, *, url: str) -> ParsedFeed:
    """Parse RSS 0.9x/1.0/2.0 or Atom with feedparser; keep what it recovers from bad XML.

    Raises ParseError when the document yields no feed at all (not XML, not a feed, or
    broken before the first item).
    """
    result = feedparser.parse(io.BytesIO(xml), sanitize_html=False, resolve_relative_uris=False)
    entries = result.get("entries") or []
    version = result.get("version") or ""
    if not entries and (result.get("bozo") or not version):
        problem = result.get("bozo_exception")
        reason = f"not a readable RSS/Atom feed ({problem})" if problem else (
            "not an RSS, Atom or JSON feed"
        )
        raise ParseError(url, f"{reason}; check that the URL serves a feed, or configure "
                              "the source as kind 'scrape' with CSS rules")
    atom = version.startswith("atom")
    channel = result.get("feed") or {}
    title = _value(channel.get("title_detail"), channel.get("title", ""), atom)
    return ParsedFeed(
        title=html_to_text(title),
        link=channel.get("link") or None,
        items=tuple(_entry(entry, atom) for entry in entries),
    )


def parse_xml_feed(body: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse an RSS or Atom body: repair its charset, try the fast path, else feedparser."""
    xml = to_utf8_xml(decode_body(body, content_type))
    fast = parse_rss_fast(xml)
    return fast if fast is not None else parse_with_feedparser(xml, url=url)
