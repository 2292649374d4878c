"""Reading untrusted JSON documents: one place for decoding errors and value coercion."""

from __future__ import annotations

import json
from typing import Any

from nieuwsradar.errors import ParseError


def load_json(text: str, *, url: str, what: str) -> Any:
    """Decode ``text``; a ParseError names the URL, ``what`` was expected and the fault."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ParseError(url, f"invalid JSON ({exc}); the source does not serve {what}") from None


def text_value(value: Any) -> str:
    """A JSON value as a stripped string; numbers become text, anything else ""."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""
