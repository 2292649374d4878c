"""opendata.rijksoverheid.nl API XML → :class:`ParsedFeed`.

Reads the list response (``<documents><document>…``) and a single detail response
(``<document>…``). Fields: ``id`` (guid), ``canonical`` (url), ``title``,
``introduction`` (CDATA HTML), ``content/contentblock`` (``paragraphtitle`` and
``paragraph`` HTML), and the dates ``frontenddate`` (shown on the site), ``available``,
``lastmodified``. Subjects and themes have no field in ParsedItem and are not kept.

The XML parser never resolves entities, loads no DTD, refuses huge trees and never
touches the network: a hostile answer cannot read local files or make requests.
"""

from __future__ import annotations

import html

from lxml import etree

from nieuwsradar.errors import ParseError
from nieuwsradar.parse.dates import parse_date
from nieuwsradar.parse.encoding import decode_body, to_utf8_xml
from nieuwsradar.types import ParsedFeed, ParsedItem

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, dtd_validation=False,
)


def _text(document: etree._Element, path: str) -> str:
    """Stripped text of the first element at ``path`` (CDATA included), "" when absent."""
    found = document.find(path)
    if found is None:
        return ""
    return "".join(found.itertext()).strip()


def _content(document: etree._Element) -> str:
    """The content blocks' HTML in order, each block title as an ``<h2>``."""
    parts: list[str] = []
    for block in document.iterfind("content/contentblock"):
        heading = _text(block, "paragraphtitle")
        if heading:
            parts.append(f"<h2>{html.escape(heading, quote=False)}</h2>")
        body = _text(block, "paragraph")
        if body:
            parts.append(body)
    return "\n".join(parts)


def _item(document: etree._Element) -> ParsedItem:
    """One ``<document>`` as a ParsedItem."""
    return ParsedItem(
        title=html.escape(_text(document, "title"), quote=False),
        url=_text(document, "canonical") or None,
        guid=_text(document, "id") or None,
        summary_html=_text(document, "introduction"),
        content_html=_content(document),
        published=parse_date(_text(document, "frontenddate") or _text(document, "available")),
        updated=parse_date(_text(document, "lastmodified")),
    )


def parse_rijksoverheid(body: bytes, *, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse a Rijksoverheid open-data list or detail response; ParseError when malformed."""
    try:
        root = etree.fromstring(to_utf8_xml(decode_body(body, content_type)), _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ParseError(url, f"Rijksoverheid API answer is not well-formed XML ({exc.msg}); "
                              "retry later or report it to opendata.rijksoverheid.nl") from None
    if root.tag == "documents":
        documents = root.findall("document")
    elif root.tag == "document":
        documents = [root]
    else:
        raise ParseError(url, f"unexpected root element <{root.tag}> in Rijksoverheid API "
                              "answer; expected <documents> or <document>")
    return ParsedFeed(
        title="Rijksoverheid",
        link="https://www.rijksoverheid.nl/",
        items=tuple(_item(document) for document in documents),
    )
