"""Feed parsing: RSS 0.91/1.0/2.0, Atom, JSON Feed, charsets, malformed and hostile XML."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from nieuwsradar.errors import ParseError
from nieuwsradar.parse import parse_document
from nieuwsradar.parse.dates import to_utc
from nieuwsradar.parse.encoding import decode_body, to_utf8_xml
from nieuwsradar.parse.feeds import parse_with_feedparser
from nieuwsradar.parse.rss_fast import parse_rss_fast
from nieuwsradar.types import ParsedFeed

FIXTURES = Path(__file__).parent / "fixtures" / "parse"
URL = "https://www.gemeente.nl/feed"
XML_FEEDS = sorted(p.name for p in FIXTURES.iterdir() if p.suffix in (".xml", ".rdf")
                   and not p.name.startswith("broken"))
FAST_PATH_FEEDS = {"rss20.xml", "rss20_quirks.xml", "duplicate_guids.xml", "no_guid.xml",
                   "relative_links.xml", "hostile.xml", "cp1252_declared_utf8.xml",
                   "utf8_declared_latin1.xml"}


def parse(name: str, content_type: str | None = None) -> ParsedFeed:
    return parse_document("feed", (FIXTURES / name).read_bytes(), url=URL,
                          content_type=content_type)


def test_rss20() -> None:
    feed = parse("rss20.xml")
    assert feed.title == "Gemeente Voorbeeldstad – Nieuws"
    assert feed.link == "https://www.voorbeeldstad.nl/nieuws"
    assert len(feed.items) == 5
    first, second, third = feed.items[:3]
    assert first.guid == "vbs-2025-0412"
    assert first.url is not None and first.url.endswith("utm_medium=feed")
    assert first.summary_html.startswith("<p>De <strong>handhavers</strong>")
    assert "boete van &euro; 100" in first.content_html
    assert first.author == "Afdeling Communicatie"
    assert first.published == datetime(2025, 3, 4, 10, tzinfo=timezone(timedelta(hours=1)))
    assert second.title == "Nieuwe regels voor kamerverhuur & omzettingsvergunning"
    assert second.summary_html.startswith("<p>Vanaf 1 juli geldt een <em>vergunningplicht")
    # Dutch RFC-822-like date "di, 04 mrt 2025 14:30:00 +0100"
    assert second.published is not None
    assert to_utc(second.published) == datetime(2025, 3, 4, 13, 30, tzinfo=UTC)
    assert third.author == "communicatie@voorbeeldstad.nl (Team Communicatie)"


def test_rss10_rdf() -> None:
    feed = parse("rss10.rdf")
    assert [item.url for item in feed.items] == [
        "https://www.regio-nieuws.nl/artikel/101", "https://www.regio-nieuws.nl/artikel/102"]
    first, second = feed.items
    assert first.title == "Controle op drugsafval in buitengebied"
    assert first.updated is not None
    assert to_utc(first.updated) == datetime(2025, 3, 3, 10, 20, tzinfo=UTC)
    assert second.updated == datetime(2025, 3, 4)  # date only: naive local midnight


def test_rss091_latin1_declared() -> None:
    feed = parse("rss091.xml")
    assert feed.title == "Dorpskrant Oud-West"
    assert len(feed.items) == 2
    assert feed.items[0].guid is None
    assert feed.items[0].url == "http://www.dorpskrant-oudwest.nl/nieuws/spreekuur.html"


def test_atom_honours_content_types() -> None:
    feed = parse("atom.xml")
    assert feed.title == "Veiligheidsregio Noord & Oost"
    first, second, third = feed.items
    assert first.guid == "tag:vr-noordoost.nl,2025:nieuws/881"
    assert first.url == "https://www.vr-noordoost.nl/nieuws/881"
    # type="text" is escaped so that "<" survives as text, type="html" is kept as HTML
    assert first.title == "Brandveiligheid in kamerpanden: 5 &lt; 10 controles per week"
    assert first.summary_html.startswith("<p>De veiligheidsregio")
    assert first.published is not None and first.updated is not None
    assert to_utc(first.published) == datetime(2025, 3, 5, 8, tzinfo=UTC)
    assert first.author == "Team Risicobeheersing"
    assert second.title == "Oefening <em>grootschalige evacuatie</em>"
    assert "&lt;geen&gt;" in second.summary_html
    assert "<strong>noodverordening</strong>" in third.content_html


def test_json_feed() -> None:
    feed = parse("jsonfeed.json")
    assert feed.title == "Netwerk Ondermijning Zuid"
    assert feed.link == "https://www.ondermijning-zuid.nl/"
    first, second, third = feed.items
    assert first.guid == "oz-2025-031"
    assert first.author == "RIEC Zuid"
    assert first.published is not None
    assert to_utc(first.published) == datetime(2025, 3, 4, 8, 30, tzinfo=UTC)
    assert first.updated is not None
    assert second.url == "/nieuws/bibob-toets"
    assert second.author == "Redactie"
    assert second.content_html == ("<p>Het aantal Bibob-toetsen steeg in 2024 met 30 procent."
                                   "</p><p>De gemeente wil dit jaar &lt;meer&gt; toetsen doen.</p>")
    assert third.guid == "33"
    assert third.url == "https://www.example.org/extern-artikel"


def test_json_feed_detected_by_content_type_with_leading_whitespace() -> None:
    body = b"\n  " + (FIXTURES / "jsonfeed.json").read_bytes()
    feed = parse_document("feed", body, url=URL, content_type="application/feed+json")
    assert len(feed.items) == 3


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": ', "invalid JSON"),
        (b'{"title": "geen versie", "items": []}', "not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1", "items": 3}', "no 'items' list"),
        (b'["lijst"]', "not a readable"),
    ],
)
def test_bad_json_feed_raises_parse_error(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message) as info:
        parse_document("feed", body, url=URL, content_type="application/json"
                       if body.startswith(b"{") else None)
    assert info.value.url == URL


@pytest.mark.parametrize("name", ["cp1252_declared_utf8.xml", "utf8_declared_latin1.xml"])
def test_wrong_charset_declarations_give_readable_text(name: str) -> None:
    feed = parse(name)
    (item,) = feed.items
    assert feed.title == "Gemeente Café Noord"
    assert item.title == "Terrasvergunning café ’t Hoekje ingetrokken"
    assert "Eén overtreding" in item.summary_html
    assert "“geen coëxistentie”" in item.summary_html
    assert "Ã" not in item.summary_html and "\ufffd" not in item.summary_html


def test_wrong_http_charset_is_repaired() -> None:
    body = (FIXTURES / "cp1252_declared_utf8.xml").read_bytes().replace(
        b' encoding="UTF-8"', b"")
    feed = parse_document("feed", body, url=URL, content_type="text/xml; charset=utf-8")
    assert feed.items[0].title == "Terrasvergunning café ’t Hoekje ingetrokken"


def test_other_declared_charsets_are_honoured() -> None:
    text = (FIXTURES / "rss20.xml").read_text(encoding="utf-8").replace(
        'encoding="UTF-8"', 'encoding="UTF-16"')
    feed = parse_document("feed", text.encode("utf-16"), url=URL)
    assert feed.title == "Gemeente Voorbeeldstad – Nieuws"
    assert len(feed.items) == 5


def test_truncated_xml_keeps_recovered_items() -> None:
    feed = parse("truncated.xml")
    assert [item.title for item in feed.items][:1] == ["Eerste volledige bericht"]
    assert feed.items[0].summary_html == "Dit bericht is nog heel."


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ((FIXTURES / "broken_no_items.xml").read_bytes(), "not a readable RSS/Atom feed"),
        (b"<html><body><p>Geen feed</p></body></html>", "not a"),
        (b"gewoon tekst", "not a"),
        (b"   ", "empty response body"),
    ],
)
def test_unreadable_documents_raise_parse_error_naming_the_url(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message) as info:
        parse_document("feed", body, url=URL)
    assert str(info.value).startswith(URL)


def test_unknown_kind_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="unknown source kind 'opml'"):
        parse_document("opml", b"<opml/>", url=URL)


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY geheim SYSTEM "file:///etc/passwd">
<!ENTITY extern SYSTEM "http://127.0.0.1:9/dtd">]>
<rss version="2.0"><channel><title>XXE</title><link>https://x.nl/</link>
<item><title>Lek &geheim; &extern;</title><guid>x1</guid>
<description>d &geheim;</description></item>
</channel></rss>"""


def test_external_entities_are_never_loaded() -> None:
    feed = parse_document("feed", XXE, url=URL)
    assert len(feed.items) == 1
    for item in feed.items:
        assert "root:" not in item.title + item.summary_html


def test_feedparser_path_reads_dutch_dates() -> None:
    xml = to_utf8_xml(decode_body((FIXTURES / "rss20.xml").read_bytes()))
    feed = parse_with_feedparser(xml, url=URL)
    assert feed.items[1].published is not None
    assert to_utc(feed.items[1].published) == datetime(2025, 3, 4, 13, 30, tzinfo=UTC)


@pytest.mark.parametrize("name", XML_FEEDS)
def test_fast_path_equals_feedparser_on_every_fixture(name: str) -> None:
    xml = to_utf8_xml(decode_body((FIXTURES / name).read_bytes()))
    fast = parse_rss_fast(xml)
    if name not in FAST_PATH_FEEDS:
        assert fast is None, f"{name} should go to feedparser"
        return
    assert fast is not None, f"{name} should take the fast path"
    assert fast == parse_with_feedparser(xml, url=URL)


# --- over a real local HTTP server ------------------------------------------------------

class _FeedHandler(http.server.BaseHTTPRequestHandler):
    """Serves the cp1252 fixture with a wrong charset header, as misconfigured sites do."""

    def do_GET(self) -> None:
        body = (FIXTURES / "cp1252_declared_utf8.xml").read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def feed_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FeedHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    finally:
        server.shutdown()
        server.server_close()


def test_feed_fetched_from_local_server_with_wrong_header(feed_server: str) -> None:
    response = httpx.get(feed_server, timeout=5)
    feed = parse_document("feed", response.content, url=str(response.url),
                          content_type=response.headers["content-type"])
    assert feed.items[0].title == "Terrasvergunning café ’t Hoekje ingetrokken"
