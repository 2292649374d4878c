"""Scraping a page without a feed with CSS rules (VNG "Gemeenten Nieuws" style page)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from nieuwsradar.errors import ParseError
from nieuwsradar.parse import normalise_items, parse_document
from nieuwsradar.types import ScrapeRules

PAGE = (Path(__file__).parent / "fixtures" / "parse" / "vng_gemeenten_nieuws.html").read_bytes()
URL = "https://vng.nl/rubrieken/gemeenten-nieuws?page=0"
RULES = ScrapeRules(item="article.node-item", title="h2.title", link="h2.title",
                    date=".submitted", summary=".content")


def test_vng_page_items() -> None:
    feed = parse_document("scrape", PAGE, url=URL, rules=RULES)
    assert feed.title == "Gemeenten Nieuws | Nieuwsoverzicht"
    assert [item.title for item in feed.items] == [
        "Handhaving registratie- en legitimatieplicht metaalopkopers",
        "Koplopers Cliëntondersteuning uit de startblokken",
        "Help mee met VNG/KING-onderzoek uitvoeringskosten Wob",
        "Bericht zonder datumregel",
    ]
    first, second, third, fourth = feed.items
    assert first.url == ("https://vng.nl/nieuws/handhaving-registratie-en-legitimatieplicht-"
                         "metaalopkopers?utm_source=overzicht")
    assert second.url == "https://vng.nl/nieuws/koplopers-clientondersteuning-uit-de-startblokken"
    assert third.url == "https://vng.nl/rubrieken/nieuws/onderzoek-uitvoeringskosten-wob"
    assert first.published == datetime(2017, 10, 18, 16, 51)
    assert third.published == datetime(2017, 10, 18, 13, 8)
    assert fourth.published is None
    assert "boa’s" in first.summary_html


def test_vng_page_normalised() -> None:
    feed = parse_document("scrape", PAGE, url=URL, rules=RULES)
    fetched = datetime(2025, 3, 10, tzinfo=UTC)
    items = normalise_items(feed, source_url=URL, fetched_at=fetched)
    first, _, third, fourth = items
    assert first.guid == first.url == ("https://vng.nl/nieuws/handhaving-registratie-en-"
                                       "legitimatieplicht-metaalopkopers")
    assert first.published_at == datetime(2017, 10, 18, 14, 51, tzinfo=UTC)
    assert first.lang == "nl"
    assert "alert" not in third.content_text and "<script" not in third.content_html
    assert fourth.published_at == fetched


def test_date_from_attribute() -> None:
    page = (b'<ul><li class="n"><a href="/a">Titel</a><time datetime="2025-03-04T10:15:00+01:00">'
            b"gisteren</time></li></ul>")
    rules = ScrapeRules(item="li.n", title="a", link="a", date="time", date_attr="datetime")
    (item,) = parse_document("scrape", page, url="https://g.nl/nieuws", rules=rules).items
    assert item.published is not None
    assert item.published.isoformat() == "2025-03-04T10:15:00+01:00"
    assert item.url == "https://g.nl/a"


def test_windows_1252_page_is_readable() -> None:
    page = '<meta charset="utf-8"><div class="i"><h2><a href="/c">Café één</a></h2></div>'
    rules = ScrapeRules(item="div.i", title="h2", link="h2")
    (item,) = parse_document("scrape", page.encode("cp1252"), url=URL, rules=rules).items
    assert item.title == "Café één"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (None, "needs scrape rules"),
        (ScrapeRules(item="div[[", title="h2", link="a"), "invalid CSS selector 'div\\[\\['"),
        (ScrapeRules(item="article", title="h2((", link="a"), "invalid CSS selector 'h2\\(\\('"),
        (ScrapeRules(item="section.bestaat-niet", title="h2", link="a"), "matched nothing"),
    ],
)
def test_bad_rules_raise_parse_error(rules: ScrapeRules | None, message: str) -> None:
    with pytest.raises(ParseError, match=message) as info:
        parse_document("scrape", PAGE, url=URL, rules=rules)
    assert info.value.url == URL
