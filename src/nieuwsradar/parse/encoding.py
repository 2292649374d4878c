"""Turn fetched bytes into text despite wrong or missing charset declarations.

Municipal sites often serve Windows-1252 bodies declared as UTF-8, or UTF-8 bodies
declared as ISO-8859-1. Valid UTF-8 with non-ASCII bytes is almost never anything else,
so UTF-8 wins whenever the bytes allow it; bytes that are not UTF-8 are read as
Windows-1252, the de-facto meaning of "latin-1" on the web. Other declared charsets
(e.g. UTF-16, ISO-8859-2) are honoured when the body is not valid UTF-8.
"""

from __future__ import annotations

import codecs
import re

_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")
_XML_DECL_TEXT = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9._:-]+)([\"'])")
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)
_CT_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)

# Declarations that mean "probably UTF-8 or Windows-1252": decoded with the fallback rule.
_WESTERN = frozenset({"utf-8", "ascii", "iso8859-1", "cp1252", "iso8859-15"})
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: decode one undecodable byte as Windows-1252 (latin-1 if unmapped)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    byte = exc.object[exc.start : exc.start + 1]
    try:
        return byte.decode("cp1252"), exc.start + 1
    except UnicodeDecodeError:
        return byte.decode("latin-1"), exc.start + 1


codecs.register_error("nieuwsradar-cp1252", _cp1252_fallback)


def _codec_name(label: str | None) -> str | None:
    """Python's canonical codec name for a charset label, None when unknown."""
    if not label:
        return None
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_charset(body: bytes, content_type: str | None) -> str | None:
    """The charset a document declares: XML declaration or meta tag, then the HTTP header."""
    head = body[:2048]
    match = _XML_DECL.match(head) or _META_CHARSET.search(head)
    if match:
        declared = _codec_name(match.group(1).decode("ascii"))
        if declared:
            return declared
    if content_type:
        found = _CT_CHARSET.search(content_type)
        if found:
            return _codec_name(found.group(1))
    return None


def decode_body(body: bytes, content_type: str | None = None) -> str:
    """Decode a fetched body to text, repairing the usual charset mistakes (never raises)."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, errors="replace")
    if body[:2] in (b"<\x00", b"\x00<"):
        return body.decode("utf-16-le" if body[0] else "utf-16-be", errors="replace")
    declared = declared_charset(body, content_type)
    if declared is None or declared in _WESTERN:
        return body.decode("utf-8", errors="nieuwsradar-cp1252")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode(declared, errors="replace")


def to_utf8_xml(text: str) -> bytes:
    """Encode XML text as UTF-8, rewriting its encoding declaration to say so."""
    return _XML_DECL_TEXT.sub(r"\g<1>utf-8\g<3>", text, count=1).encode("utf-8", "replace")
