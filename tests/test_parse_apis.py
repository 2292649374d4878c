"""The politie.nl API v4 and opendata.rijksoverheid.nl API, on the shared real fixtures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from nieuwsradar.errors import ParseError
from nieuwsradar.parse import normalise_items, parse_document

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
POLITIE = DATA / "politie-api-v4"
RIJK = DATA / "rijksoverheid-opendata"
FETCHED = datetime(2025, 3, 10, tzinfo=UTC)

pytestmark = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"shared fixtures not found at {DATA} (shared/ beside the repo)")

POLITIE_URL = "https://api.politie.nl/v4/nieuws"
RIJK_URL = "https://opendata.rijksoverheid.nl/v1/sources/rijksoverheid/documents"


@pytest.mark.parametrize("name", ["politie_api_v4_nieuws_sample.json",
                                  "politie_api_v4_nieuws_sample2.json"])
def test_politie_both_shapes(name: str) -> None:
    feed = parse_document("politie", (POLITIE / name).read_bytes(), url=POLITIE_URL)
    assert len(feed.items) == 10
    for item in feed.items:
        assert item.guid and len(item.guid) == 36
        assert item.url and item.url.startswith("https://www.politie.nl/nieuws/")
        assert item.published is not None and item.published.tzinfo is None
        assert item.title and item.content_html


def test_politie_item_fields() -> None:
    feed = parse_document("politie", (POLITIE / "politie_api_v4_nieuws_sample.json").read_bytes(),
                          url=POLITIE_URL)
    items = normalise_items(feed, source_url=POLITIE_URL, fetched_at=FETCHED)
    first = items[0]
    assert first.guid == "b580a45e-226b-4841-8a61-7a8401352158"
    assert first.title == "Verdachte aangehouden voor steekpartij station Blaak"
    # "2022-04-02 20:46:00" is Dutch summer time
    assert first.published_at == datetime(2022, 4, 2, 18, 46, tzinfo=UTC)
    assert first.summary.startswith("- Een 20-jarige Rotterdammer")
    assert "Forensische Opsporing onderzocht" in first.content_text
    assert first.lang == "nl"
    assert len({item.guid for item in items}) == 10


def test_politie_multiple_alineas_are_joined() -> None:
    feed = parse_document("politie",
                          (POLITIE / "politie_api_v4_nieuws_sample2.json").read_bytes(),
                          url=POLITIE_URL)
    first = feed.items[0]
    assert "Heukelom" in first.content_html
    assert "<li>Installeer geen software" in first.content_html


@pytest.mark.parametrize(
    ("body", "message"),
    [(b'{"items": []}', "'nieuwsberichten' or 'news'"), (b"[1, 2]", "'nieuwsberichten'"),
     (b'{"news": [', "invalid JSON")],
)
def test_politie_wrong_shape(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_document("politie", body, url=POLITIE_URL)


def test_rijksoverheid_list_response() -> None:
    feed = parse_document("rijksoverheid", (RIJK / "opendata_api_xml" / "documents.xml")
                          .read_bytes(), url=RIJK_URL)
    assert len(feed.items) == 5
    first = feed.items[0]
    assert first.guid == "02dbce21-c2a6-4310-9ed5-aab7b27467ac"
    assert first.url == ("https://www.rijksoverheid.nl/documenten/mediateksten/2017/11/17/"
                         "letterlijke-tekst-persconferentie-na-ministerraad-17-november-2017")
    assert first.title == "Letterlijke tekst persconferentie na ministerraad 17 november 2017"
    assert first.summary_html.startswith("<p>Letterlijke tekst van de persconferentie")
    assert first.published == datetime(2017, 11, 17, 16, 3, tzinfo=UTC)  # frontenddate
    assert first.updated == datetime(2017, 11, 27, 15, 12, 22, tzinfo=UTC)


def test_rijksoverheid_empty_list() -> None:
    feed = parse_document("rijksoverheid", (RIJK / "opendata_api_xml" / "documents_empty.xml")
                          .read_bytes(), url=RIJK_URL)
    assert feed.items == ()


def test_rijksoverheid_detail_with_content_blocks() -> None:
    name = "single_file_notpdf__3cd2285c-b7bc-46e7-9fcf-9bf3c9a3c20d.xml"
    feed = parse_document("rijksoverheid", (RIJK / "opendata_api_xml_unit" / name).read_bytes(),
                          url=RIJK_URL)
    (item,) = feed.items
    assert item.guid == "3cd2285c-b7bc-46e7-9fcf-9bf3c9a3c20d"
    assert "<li>DA Pamphlet 205_1 Energy Conservation Guidelines" in item.content_html
    (normal,) = normalise_items(feed, source_url=RIJK_URL, fetched_at=FETCHED)
    assert "Dit zip-bestand bevat de volgende documenten" in normal.content_text


@pytest.mark.parametrize("path", sorted(RIJK.glob("opendata_api_xml*/*.xml")) if RIJK.is_dir()
                         else [], ids=lambda p: p.name)
def test_rijksoverheid_every_fixture(path: Path) -> None:
    if "02dbce21" in path.name:
        with pytest.raises(ParseError, match="not well-formed XML") as info:
            parse_document("rijksoverheid", path.read_bytes(), url=RIJK_URL)
        assert "line 14" in str(info.value) and info.value.url == RIJK_URL
        return
    feed = parse_document("rijksoverheid", path.read_bytes(), url=RIJK_URL)
    for item in normalise_items(feed, source_url=RIJK_URL, fetched_at=FETCHED):
        assert item.guid and item.title and item.published_at.tzinfo is UTC


def test_rijksoverheid_hostile_xml_reads_no_files() -> None:
    body = b"""<?xml version="1.0"?>
<!DOCTYPE document [<!ENTITY geheim SYSTEM "file:///etc/passwd">]>
<document><id>x</id><title>Lek &geheim;</title><introduction>&geheim;</introduction></document>"""
    (item,) = parse_document("rijksoverheid", body, url=RIJK_URL).items
    assert "root:" not in item.title + item.summary_html


def test_rijksoverheid_wrong_root() -> None:
    with pytest.raises(ParseError, match="unexpected root element <rss>"):
        parse_document("rijksoverheid", b"<rss/>", url=RIJK_URL)
