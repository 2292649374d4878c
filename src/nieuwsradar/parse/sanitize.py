"""Sanitize untrusted HTML once (nh3) and read plain text from the sanitized result.

Feed HTML is hostile until cleaned: scripts, event handlers, ``javascript:`` links,
iframes and styles are removed; links are made absolute against the item's URL and get
``rel="noopener noreferrer nofollow"``. Images are not kept: they would load remote
content (trackers) in the web UI and in e-mail.

Plain text is read from the *sanitized* HTML with one regular-expression pass: nh3's
serializer always quotes attributes with double quotes and escapes ``<`` in text, so a
tag pattern is exact on its output. That keeps text extraction at a few microseconds.
"""

from __future__ import annotations

import html
import re
from contextvars import ContextVar
from urllib.parse import urljoin

import nh3

ALLOWED_TAGS = frozenset(
    {"p", "br", "a", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "h2", "h3", "h4"}
)
_DROP_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "noscript", "template", "object", "embed", "svg", "math",
     "textarea", "select", "title", "head"}
)
_BLOCK_TAG = re.compile(r"</?(?:p|br|ul|ol|li|blockquote|h2|h3|h4)>")
_INLINE_TAG = re.compile(r'<[^>"]*(?:"[^"]*"[^>"]*)*>')

_base_url: ContextVar[str | None] = ContextVar("nieuwsradar_sanitize_base", default=None)


def _resolve_relative(url: str) -> str | None:
    """nh3 callback: make a relative link absolute against the current base, else drop it."""
    base = _base_url.get()
    if not base:
        return None
    try:
        return urljoin(base, url)
    except ValueError:
        return None


_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(_DROP_WITH_CONTENT),
    attributes={"a": {"href"}},
    link_rel="noopener noreferrer nofollow",
    url_schemes={"http", "https", "mailto", "tel"},
    url_relative=_resolve_relative,
    strip_comments=True,
)


def sanitize_html(fragment: str, base_url: str | None = None) -> str:
    """Return ``fragment`` as safe HTML for display (see the module docstring for the rules).

    Relative links are resolved against ``base_url``; without one they are removed.
    Idempotent: sanitizing sanitized HTML returns it unchanged.
    """
    if not fragment:
        return ""
    token = _base_url.set(base_url)
    try:
        return _CLEANER.clean(fragment).strip()
    finally:
        _base_url.reset(token)


def collapse(text: str) -> str:
    """Collapse every run of whitespace to one space and strip the ends.

    ``str.split()`` splits on exactly the characters that regex ``\\s`` matches, and is
    four times faster.
    """
    return " ".join(text.split())


def text_of_sanitized(safe_html: str) -> str:
    """Plain text of HTML produced by :func:`sanitize_html` (entities decoded, one line)."""
    if not safe_html:
        return ""
    spaced = _BLOCK_TAG.sub(" ", safe_html)  # block tags carry no attributes after nh3
    return collapse(html.unescape(_INLINE_TAG.sub("", spaced)))


def html_to_text(fragment: str) -> str:
    """Plain text of an untrusted HTML fragment: scripts and styles dropped, entities decoded.

    Text without ``<`` cannot hold tags: it only has its entities decoded and whitespace
    collapsed (the same result as a sanitizer pass, much cheaper), which keeps plain-text
    titles and summaries cheap.
    """
    if not fragment:
        return ""
    if "<" not in fragment:
        return collapse(html.unescape(fragment) if "&" in fragment else fragment)
    return text_of_sanitized(sanitize_html(fragment))
