"""politie.nl open-data API v4 news JSON → :class:`ParsedFeed`.

Two response shapes occur: ``{"nieuwsberichten": [...]}`` (the API itself) and
``{"news": [...]}`` (the same items wrapped by a proxy). Each item has ``uid``, ``url``,
``publicatiedatum`` ("YYYY-MM-DD HH:MM:SS", Dutch local time), ``titel``, ``introductie``
(plain text) and ``alineas`` whose ``opgemaaktetekst`` is HTML. ``gebied`` (the area) has
no field in ParsedItem and is not kept.
"""

from __future__ import annotations

import html
import json
from typing import Any

from nieuwsradar.errors import ParseError
from nieuwsradar.parse.dates import parse_date
from nieuwsradar.types import ParsedFeed, ParsedItem

_LIST_KEYS = ("nieuwsberichten", "news")


def _str(value: Any) -> str:
    """A JSON string stripped; anything else ""."""
    return value.strip() if isinstance(value, str) else ""


def _content(alineas: Any) -> str:
    """The paragraphs' HTML in order, each paragraph title as an ``<h3>``."""
    if not isinstance(alineas, list):
        return ""
    parts: list[str] = []
    for alinea in alineas:
        if not isinstance(alinea, dict):
            continue
        heading = _str(alinea.get("titel"))
        if heading:
            parts.append(f"<h3>{html.escape(heading, quote=False)}</h3>")
        body = _str(alinea.get("opgemaaktetekst"))
        if body:
            parts.append(body)
    return "\n".join(parts)


def _item(item: dict[str, Any]) -> ParsedItem:
    """One politie.nl news item as a ParsedItem."""
    return ParsedItem(
        title=html.escape(_str(item.get("titel")), quote=False),
        url=_str(item.get("url")) or None,
        guid=_str(item.get("uid")) or None,
        summary_html=html.escape(_str(item.get("introductie")), quote=False),
        content_html=_content(item.get("alineas")),
        published=parse_date(_str(item.get("publicatiedatum"))),
    )


def parse_politie(text: str, *, url: str) -> ParsedFeed:
    """Parse a politie.nl API v4 news response; ParseError when it is not one."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ParseError(
            url, f"invalid JSON from the politie.nl API ({exc}); retry later"
        ) from None
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
