"""Canonical URLs: one spelling per page, so the same article is recognised across fetches.

Lower-case scheme and host, no default port, no fragment, no tracking parameters, the
remaining query parameters sorted, relative URLs resolved. The path and the spelling of
each kept parameter are left exactly as given (servers may care), except that an empty
path becomes "/". Applying it twice gives the same result.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

_TRACKING_EXACT = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
    "igshid", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "__hstc", "__hssc", "__hsfp", "hsctatracking",
    "mkt_tok", "ref", "ref_src", "ref_url", "spm", "_ga", "_gl", "oly_enc_id", "oly_anon_id",
    "vero_id", "vero_conv", "rb_clickid", "s_cid", "li_fat_id", "wt_mc", "wt.mc_id", "xtor",
    "at_medium", "at_campaign", "at_campaign_type", "at_creation", "at_emailtype", "at_link",
    "at_send_date", "cmpid", "sc_cid", "trk", "trkcampaign", "ncid", "ito", "icid",
    "_openstat", "srsltid", "si",
})
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "piwik_", "matomo_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_BLANKS = re.compile(r"[\s\x00-\x1f\x7f]")


def _is_tracking(piece: str) -> bool:
    """True when a ``name=value`` query piece is a tracking parameter."""
    name = unquote_plus(piece.split("=", 1)[0]).strip().lower()
    return name in _TRACKING_EXACT or name.startswith(_TRACKING_PREFIXES)


def _escape_blanks(text: str) -> str:
    """Percent-encode whitespace and control characters, which are never literal in a URL."""
    return _BLANKS.sub(
        lambda match: "".join(f"%{byte:02X}" for byte in match.group().encode()), text
    )


def _netloc(scheme: str, netloc: str) -> str:
    """Lower-case the host part of a netloc and drop the scheme's default port."""
    userinfo, at, hostport = netloc.rpartition("@")
    host, port = hostport, ""
    if hostport.startswith("["):
        end = hostport.find("]")
        if end != -1:
            host, port = hostport[: end + 1], hostport[end + 2 :]
    elif ":" in hostport:
        host, port = hostport.rsplit(":", 1)
    host = host.lower().rstrip(".")
    if port and port.isdigit() and int(port) == _DEFAULT_PORTS.get(scheme, -1):
        port = ""
    return f"{userinfo}{at}{host}{':' + port if port else ''}"


def canonical_url(url: str, base: str | None = None) -> str:
    """Return the canonical form of ``url``, resolved against ``base`` when relative.

    Non-HTTP URLs (``mailto:``, ``urn:`` …) are returned stripped and otherwise unchanged;
    an unparseable URL is returned stripped as well, so this never raises.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        # Joining gives an absolute http(s) URL back as it is (up to an empty ";" params
        # part, which it drops), so almost every feed link skips urljoin's two parses and
        # its reassembly.
        if base and not (parts.scheme in _DEFAULT_PORTS and parts.netloc
                         and ";" not in parts.path):
            url = urljoin(base.strip(), url)
            parts = urlsplit(url)
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.netloc:
        return url
    query = "&".join(
        sorted(piece for piece in parts.query.split("&") if piece and not _is_tracking(piece))
    )
    path = _escape_blanks(parts.path) or "/"
    return urlunsplit((scheme, _netloc(scheme, parts.netloc), path, _escape_blanks(query), ""))


def is_web_url(url: str | None) -> bool:
    """True for an absolute http(s) URL with a host."""
    if not url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in _DEFAULT_PORTS and bool(parts.netloc)
