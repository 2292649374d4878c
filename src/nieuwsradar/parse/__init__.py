"""Parsing and normalising: fetched bytes → :class:`ParsedFeed` → :class:`NewItem`.

The public API of this layer (it imports only :mod:`nieuwsradar.types`,
:mod:`nieuwsradar.errors` and third-party packages):

- :func:`parse_document` turns a fetched body into a ParsedFeed for a source kind
  ("feed", "scrape", "rijksoverheid", "politie") and raises only :class:`ParseError`.
- :func:`normalise_items` turns a ParsedFeed into storable NewItems (canonical URL,
  unique guid, UTC date, plain text, sanitized HTML, language, content hash).
- :func:`extract_fulltext` fetches nothing: it turns an article page into sanitized HTML,
  and :func:`with_content` puts that HTML into a normalised item.
- :func:`canonical_url` and :func:`parse_dutch_date` are helpers other layers need on
  their own.
"""

from __future__ import annotations

from nieuwsradar.errors import ParseError
from nieuwsradar.parse.dates import parse_dutch_date
from nieuwsradar.parse.encoding import decode_body
from nieuwsradar.parse.feeds import parse_xml_feed
from nieuwsradar.parse.fulltext import extract_fulltext
from nieuwsradar.parse.jsonfeed import looks_like_json, parse_json_feed
from nieuwsradar.parse.normalise import normalise_items, with_content
from nieuwsradar.parse.politie import parse_politie
from nieuwsradar.parse.rijksoverheid import parse_rijksoverheid
from nieuwsradar.parse.scrape import parse_scrape
from nieuwsradar.parse.urls import canonical_url
from nieuwsradar.types import SOURCE_KINDS, ParsedFeed, ScrapeRules

__all__ = [
    "canonical_url",
    "extract_fulltext",
    "normalise_items",
    "parse_document",
    "parse_dutch_date",
    "with_content",
]


def _parse(
    kind: str, body: bytes, url: str, content_type: str | None, rules: ScrapeRules | None
) -> ParsedFeed:
    """Dispatch to the parser for ``kind``."""
    if kind == "feed":
        if looks_like_json(body, content_type):
            return parse_json_feed(decode_body(body, content_type), url=url)
        return parse_xml_feed(body, url=url, content_type=content_type)
    if kind == "scrape":
        return parse_scrape(body, url=url, rules=rules, content_type=content_type)
    if kind == "rijksoverheid":
        return parse_rijksoverheid(body, url=url, content_type=content_type)
    return parse_politie(decode_body(body, content_type), url=url)


def parse_document(
    kind: str, body: bytes, *, url: str, content_type: str | None = None,
    rules: ScrapeRules | None = None,
) -> ParsedFeed:
    """Parse a fetched body of source kind ``kind`` into a ParsedFeed.

    Raises :class:`ParseError` (naming ``url`` and what to do) for an unknown kind, an
    empty body, a document that cannot be read, or — as a last line of defence — any
    unexpected failure inside a third-party parser; never anything else.
    """
    if kind not in SOURCE_KINDS:
        raise ParseError(url, f"unknown source kind {kind!r}; use one of "
                              f"{', '.join(SOURCE_KINDS)}")
    if not body or not body.strip():
        raise ParseError(url, "empty response body; the source sent nothing to parse")
    try:
        return _parse(kind, body, url, content_type, rules)
    except ParseError:
        raise
    except Exception as exc:  # a third-party parser bug must not stop an ingest run
        raise ParseError(url, f"could not parse {kind} document ({type(exc).__name__}: "
                              f"{exc}); report this with the response body") from exc
