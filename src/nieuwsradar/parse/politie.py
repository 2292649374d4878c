"""politie.nl open-data API v4 news JSON → :class:`ParsedFeed`.

Two response shapes occur: ``{"nieuwsberichten": [...]}`` (the API itself) and
``{"news": [...]}`` (the same items wrapped by a proxy). Each item has ``uid``, ``url``,
``publicatiedatum`` ("YYYY-MM-DD HH:MM:SS", Dutch local time), ``titel``, ``introductie``
(plain text) and ``alineas`` whose ``opgemaaktetekst`` is HTML. ``gebied`` (the area) has
no field in ParsedItem and is not kept.
"""

from __future__ import annotations

import html
from typing import Any

from nieuwsradar.errors import ParseError
from nieuwsradar.parse.dates import parse_date
from nieuwsradar.parse.jsonvalues import load_json, text_value
from nieuwsradar.types import ParsedFeed, ParsedItem

_LIST_KEYS = ("nieuwsberichten", "news")




def _content(alineas: Any) -> str:
    """The paragraphs' HTML in order, each paragraph title as an ``<h3>``."""
    if not isinstance(alineas, list):
        return ""
    parts: list[str] = []
    for alinea in alineas:
        if not isinstance(alinea, dict):
            continue
        heading = text_value(alinea.get("titel"))
        if heading:
            parts.append(f"<h3>{html.escape(heading, quote=False)}</h3>")
        body = text_value(alinea.get("opgemaaktetekst"))
        if body:
            parts.append(body)
    return "\n".join(parts)


def _item(item: dict[str, Any]) -> ParsedItem:
    """One politie.nl news item as a ParsedItem."""
    return ParsedItem(
        title=html.escape(text_value(item.get("titel")), quote=False),
        url=text_value(item.get("url")) or None,
        guid=text_value(item.get("uid")) or None,
        summary_html=html.escape(text_value(item.get("introductie")), quote=False),
        content_html=_content(item.get("alineas")),
        published=parse_date(text_value(item.get("publicatiedatum"))),
    )


def parse_politie(text: str, *, url: str) -> ParsedFeed:
    """Parse a politie.nl API v4 news response; ParseError when it is not one."""
    data = load_json(text, url=url, what="politie.nl API news")
    items = None
    if isinstance(data, dict):
        items = next((data[key] for key in _LIST_KEYS if isinstance(data.get(key), list)), None)
    if items is None:
        raise ParseError(url, "not a politie.nl news response: expected a JSON object with a "
                              "'nieuwsberichten' or 'news' list; check the source URL "
                              "(https://api.politie.nl/v4/nieuws)")
    return ParsedFeed(
        title="politie.nl nieuws",
        link="https://www.politie.nl/nieuws",
        items=tuple(_item(item) for item in items if isinstance(item, dict)),
    )
