"""Atom 1.0 feeds of search results, built with lxml (every value escaped by the XML
serializer, never by string concatenation)."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from nieuwsradar.types import Item

ATOM_NS = "http://www.w3.org/2005/Atom"
_A = "{%s}" % ATOM_NS  # noqa: UP031 - lxml's Clark notation


def _text(parent: etree._Element, tag: str, text: str, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, _A + tag, attrs)
    element.text = _xml_safe(text)
    return element


def _xml_safe(text: str) -> str:
    """Drop the characters XML 1.0 cannot carry (control characters, lone surrogates)."""
    return "".join(
        c for c in text
        if c in "\t\n\r" or " " <= c <= "\ud7ff" or "\ue000" <= c <= "\ufffd"
        or c >= "\U00010000")


def build_feed(*, title: str, feed_url: str, page_url: str, base_url: str,
               items: list[Item], safe_html: dict[int, str]) -> bytes:
    """An Atom document for ``items``; ``safe_html`` maps item ids to sanitized HTML.

    Each entry links to its page on this site (``base_url``/item/ID) and, when the item
    has an http(s) link, to the original.
    """
    feed = etree.Element(_A + "feed", nsmap={None: ATOM_NS})
    _text(feed, "title", title)
    _text(feed, "id", feed_url)
    updated = max((i.fetched_at for i in items), default=datetime.now(UTC))
    _text(feed, "updated", updated.astimezone(UTC).isoformat())
    etree.SubElement(feed, _A + "link", rel="self", href=_xml_safe(feed_url),
                     type="application/atom+xml")
    etree.SubElement(feed, _A + "link", rel="alternate", href=_xml_safe(page_url),
                     type="text/html")
    author = etree.SubElement(feed, _A + "author")
    _text(author, "name", "nieuwsradar")
    _text(feed, "generator", "nieuwsradar")
    for item in items:
        entry = etree.SubElement(feed, _A + "entry")
        _text(entry, "title", item.title or "(zonder titel)", type="text")
        page = f"{base_url}/item/{item.id}"
        _text(entry, "id", page)
        etree.SubElement(entry, _A + "link", rel="alternate", href=page, type="text/html")
        if item.url.lower().startswith(("http://", "https://")):
            etree.SubElement(entry, _A + "link", rel="related", href=_xml_safe(item.url))
        _text(entry, "published", item.published_at.astimezone(UTC).isoformat())
        _text(entry, "updated", max(item.published_at, item.fetched_at).astimezone(UTC)
              .isoformat())
        source = etree.SubElement(entry, _A + "author")
        _text(source, "name", item.source_name or "onbekende bron")
        for label in item.labels:
            etree.SubElement(entry, _A + "category", term=_xml_safe(label.label))
        if item.summary:
            _text(entry, "summary", item.summary, type="text")
        html = safe_html.get(item.id, "")
        if html:
            _text(entry, "content", html, type="html")
    return bytes(etree.tostring(feed, xml_declaration=True, encoding="utf-8"))
