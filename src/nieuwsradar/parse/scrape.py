"""Web pages without a feed → :class:`ParsedFeed`, using per-source CSS rules (selectolax).

:class:`~nieuwsradar.types.ScrapeRules` name a selector for each item's container and,
relative to it, for title, link, date and summary. Links are resolved against the page
URL; dates are read with the Dutch date parser (e.g. "VNG Nieuws - wo, 18/10/2017 -
16:51"). A container with neither title nor link is skipped.
"""

from __future__ import annotations

import html
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from nieuwsradar.errors import ParseError
from nieuwsradar.parse.dates import parse_date
from nieuwsradar.parse.encoding import decode_body
from nieuwsradar.types import ParsedFeed, ParsedItem, ScrapeRules


def _select(node: LexborNode | LexborHTMLParser, selector: str, url: str) -> LexborNode | None:
    """The first match of ``selector`` under ``node``; ParseError for an invalid selector."""
    try:
        return node.css_first(selector)
    except SelectolaxError:
        raise ParseError(url, f"invalid CSS selector {selector!r} in the scrape rules of "
                              "this source; fix it in feeds.toml") from None


def _link(node: LexborNode | None, page_url: str) -> str | None:
    """The absolute href of ``node`` or of the first ``a`` inside it."""
    if node is None:
        return None
    href = node.attributes.get("href")
    if href is None:
        anchor = node.css_first("a[href]")
        href = anchor.attributes.get("href") if anchor is not None else None
    if not href or not href.strip():
        return None
    try:
        return urljoin(page_url, href.strip())
    except ValueError:
        return None


def _item(node: LexborNode, rules: ScrapeRules, url: str) -> ParsedItem | None:
    """One item container as a ParsedItem, None when it has neither title nor link."""
    title_node = _select(node, rules.title, url)
    title = title_node.text(separator=" ", strip=True) if title_node is not None else ""
    link = _link(_select(node, rules.link, url), url)
    if not title and not link:
        return None
    published = None
    if rules.date:
        date_node = _select(node, rules.date, url)
        if date_node is not None:
            raw = date_node.attributes.get(rules.date_attr) if rules.date_attr else None
            published = parse_date(raw or date_node.text(separator=" ", strip=True))
    summary = ""
    if rules.summary:
        summary_node = _select(node, rules.summary, url)
        summary = (summary_node.inner_html or "") if summary_node is not None else ""
    return ParsedItem(
        title=html.escape(title, quote=False),
        url=link,
        guid=None,
        summary_html=summary.strip(),
        published=published,
    )


def parse_scrape(
    body: bytes, *, url: str, rules: ScrapeRules | None, content_type: str | None = None
) -> ParsedFeed:
    """Parse an HTML page into items with ``rules``; ParseError without rules or matches."""
    if rules is None:
        raise ParseError(url, "source kind 'scrape' needs scrape rules (item, title, link "
                              "selectors); add a [sources.scrape] table in feeds.toml")
    tree = LexborHTMLParser(decode_body(body, content_type))
    try:
        containers = tree.css(rules.item)
    except SelectolaxError:
        raise ParseError(url, f"invalid CSS selector {rules.item!r} for 'item' in the scrape "
                              "rules of this source; fix it in feeds.toml") from None
    if not containers:
        raise ParseError(url, f"scrape selector {rules.item!r} matched nothing on the page; "
                              "the site layout may have changed: update the source's rules")
    items = [item for node in containers if (item := _item(node, rules, url)) is not None]
    title_node = tree.css_first("title")
    return ParsedFeed(
        title=title_node.text(strip=True) if title_node is not None else "",
        link=url,
        items=tuple(items),
    )
