"""Property tests: any bytes, for any kind, give a ParsedFeed or a ParseError — nothing else.

A ParseError that wraps an unexpected exception (the catch-all of parse_document) counts
as a failure here: the parsers themselves must handle every input.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nieuwsradar.errors import ParseError
from nieuwsradar.parse import normalise_items, parse_document
from nieuwsradar.types import SOURCE_KINDS, ParsedFeed, ScrapeRules

FIXTURES = Path(__file__).parent / "fixtures" / "parse"
URL = "https://www.gemeente.nl/bron"
RULES = ScrapeRules(item="article", title="h2", link="a", date=".d", summary="p")
SEEDS = [p.read_bytes() for p in sorted(FIXTURES.iterdir()) if p.is_file()]

_snippets = st.sampled_from([
    b"<?xml version='1.0' encoding='utf-8'?>", b"<?xml version='1.0' encoding='x-bogus'?>",
    b"<rss version='2.0'>", b"<channel>", b"<item>", b"</item>", b"<title>", b"</title>",
    b"<guid>", b"<link>", b"<pubDate>di, 04 mrt 2025</pubDate>",
    b"<feed xmlns='http://www.w3.org/2005/Atom'>",
    b"<entry>", b"<![CDATA[", b"]]>", b"&amp;", b"&bogus;", b"<!DOCTYPE x [<!ENTITY a 'b'>]>",
    b"{", b"}", b'"version": "https://jsonfeed.org/version/1.1",', b'"items": [',
    b'"nieuwsberichten": [', b'{"uid": 5, "alineas": "x"}', b"]", b"<documents>", b"<document>",
    b"<article><h2>t</h2><a href='http://[::1'>x</a></article>", b"\xff\xfe", b"\xef\xbb\xbf",
    b"\x00", b"\xe9", b"<", b">", b" ",
])
_bodies = st.one_of(
    st.binary(max_size=300),
    st.lists(_snippets, max_size=30).map(b"".join),
    st.tuples(st.sampled_from(SEEDS), st.integers(0, 4000), st.binary(max_size=20)).map(
        lambda t: t[0][: t[1]] + t[2]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(SOURCE_KINDS), body=_bodies,
       content_type=st.sampled_from([None, "application/json", "text/xml; charset=utf-16",
                                     "text/html; charset=bogus"]))
def test_parse_document_raises_only_parse_error(kind: str, body: bytes,
                                                content_type: str | None) -> None:
    try:
        feed = parse_document(kind, body, url=URL, content_type=content_type, rules=RULES)
    except ParseError as exc:
        assert exc.__cause__ is None, f"unexpected {exc.__cause__!r}"
        assert str(exc).startswith(URL)
        return
    assert isinstance(feed, ParsedFeed)
    fetched = datetime(2025, 3, 10, tzinfo=UTC)
    for item in normalise_items(feed, source_url=URL, fetched_at=fetched):
        assert item.published_at.utcoffset() == timedelta(0)
        assert item.published_at <= fetched + timedelta(days=1)
