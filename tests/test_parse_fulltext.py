"""Full-text extraction: per-source CSS selector or trafilatura, always sanitized."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from nieuwsradar.parse import extract_fulltext, normalise_items, parse_document, with_content
from nieuwsradar.parse.sanitize import text_of_sanitized

PAGE = (Path(__file__).parent / "fixtures" / "parse" / "article.html").read_bytes()
URL = "https://www.voorbeeldstad.nl/nieuws/woning-gesloten"


def test_selector_extracts_the_article_body() -> None:
    result = extract_fulltext(PAGE, url=URL, selector="div.artikel-tekst")
    text = text_of_sanitized(result)
    assert text.startswith("Burgemeester Jansen heeft een woning")
    assert "team Openbare Orde en Veiligheid" in text
    assert "Meest gelezen" not in text and "Privacy" not in text
    assert "<script" not in result and "advertentie" not in text
    assert 'href="https://www.voorbeeldstad.nl/besluiten/13b-2025-04.pdf"' in result
    assert 'rel="noopener noreferrer nofollow"' in result


def test_trafilatura_without_selector() -> None:
    result = extract_fulltext(PAGE.decode("utf-8"), url=URL)
    text = text_of_sanitized(result)
    assert "hennepkwekerij met meer dan 300 planten" in text
    assert "Afvalkalender" not in text and "Cookies" not in text
    assert "<script" not in result and "advertentie" not in text


def test_selector_without_match_falls_back_to_trafilatura() -> None:
    result = extract_fulltext(PAGE, url=URL, selector="div.bestaat-niet")
    assert "hennepkwekerij" in result
    assert extract_fulltext(PAGE, url=URL, selector="div[[") != ""


def test_nothing_to_extract_gives_empty_string() -> None:
    assert extract_fulltext(b"", url=URL) == ""
    assert extract_fulltext("<html><body></body></html>", url=URL) == ""
    assert extract_fulltext(b"\x00\xff\xfe garbage", url=URL) == ""


def test_with_content_replaces_text_and_keeps_summary() -> None:
    feed_xml = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>G</title>'
                b"<item><title>Woning gesloten na drugsvondst</title>"
                b"<link>https://www.voorbeeldstad.nl/nieuws/woning-gesloten</link>"
                b"<description>Korte samenvatting.</description></item></channel></rss>")
    feed = parse_document("feed", feed_xml, url="https://www.voorbeeldstad.nl/rss")
    (item,) = normalise_items(feed, source_url="https://www.voorbeeldstad.nl/rss",
                              fetched_at=datetime(2025, 3, 10, tzinfo=UTC))
    full = with_content(item, extract_fulltext(PAGE, url=item.url, selector="div.artikel-tekst"))
    assert full.summary == "Korte samenvatting."
    assert "hennepkwekerij" in full.content_text and "hennepkwekerij" in full.content_html
    assert full.content_hash != item.content_hash
    assert full.lang == "nl" and full.guid == item.guid
    assert with_content(item, "<p></p><script>x()</script>") == item
