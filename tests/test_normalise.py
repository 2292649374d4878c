"""Normalising: canonical URLs, guid fallback, UTC dates, text, sanitizing, idempotency."""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urljoin

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nieuwsradar.parse import canonical_url, normalise_items, parse_document
from nieuwsradar.parse.lang import detect_language
from nieuwsradar.parse.sanitize import html_to_text, sanitize_html
from nieuwsradar.types import NewItem, ParsedFeed, ParsedItem

FIXTURES = Path(__file__).parent / "fixtures" / "parse"
SOURCE = "https://www.gemeente.nl/nieuws/rss"
FETCHED = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def normalise(*items: ParsedItem, source: str = SOURCE) -> list[NewItem]:
    return normalise_items(ParsedFeed("t", None, tuple(items)), source_url=source,
                           fetched_at=FETCHED)


def feed_items(name: str) -> list[NewItem]:
    feed = parse_document("feed", (FIXTURES / name).read_bytes(), url=SOURCE)
    return normalise_items(feed, source_url=SOURCE, fetched_at=FETCHED)


def as_parsed(item: NewItem) -> ParsedItem:
    """The ParsedItem a stored NewItem stands for: text fields escaped, HTML as is."""
    return ParsedItem(
        title=html.escape(item.title, quote=False), url=item.url or None, guid=item.guid,
        summary_html=html.escape(item.summary, quote=False), content_html=item.content_html,
        published=item.published_at,
    )


# --- canonical URLs ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://WWW.Gemeente.NL:443/Nieuws/Item?b=2&a=1#top",
         "https://www.gemeente.nl/Nieuws/Item?a=1&b=2"),
        ("http://gemeente.nl:80", "http://gemeente.nl/"),
        ("http://gemeente.nl:8080/x", "http://gemeente.nl:8080/x"),
        ("https://gemeente.nl/a?utm_source=rss&utm_medium=feed&id=7&fbclid=x&gclid=y",
         "https://gemeente.nl/a?id=7"),
        ("https://gemeente.nl/a?mc_cid=1&mc_eid=2&_hsenc=3&_hsmi=4&mkt_tok=5&yclid=6"
         "&igshid=7&ref=8&spm=9&UTM_Campaign=10", "https://gemeente.nl/a"),
        ("https://gemeente.nl/pad/", "https://gemeente.nl/pad/"),
        ("https://gemeente.nl/pad", "https://gemeente.nl/pad"),
        ("https://gemeente.nl/a?q=a%20b&z", "https://gemeente.nl/a?q=a%20b&z"),
        ("  https://gemeente.nl/spatie  ", "https://gemeente.nl/spatie"),
        ("https://[2001:DB8::1]:443/x", "https://[2001:db8::1]/x"),
        ("mailto:info@gemeente.nl", "mailto:info@gemeente.nl"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_canonical_url_resolves_relative_against_base() -> None:
    assert canonical_url("../bijlage.pdf", SOURCE) == "https://www.gemeente.nl/bijlage.pdf"
    assert canonical_url("/contact?utm_source=x", SOURCE) == "https://www.gemeente.nl/contact"
    assert canonical_url("//cdn.gemeente.nl/a", SOURCE) == "https://cdn.gemeente.nl/a"


@given(st.one_of(
    st.text(max_size=60),
    st.builds(lambda host, path, query: f"HTTP://{host}:80/{path}?{query}#f",
              st.from_regex(r"[A-Za-z0-9.-]{1,20}", fullmatch=True),
              st.text(max_size=20), st.text(max_size=30)),
))
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url, SOURCE)
    assert canonical_url(once) == once
    assert canonical_url(once, SOURCE) == once


@pytest.mark.parametrize("base", [SOURCE, "http://www.gemeente.nl/", "  HTTPS://Gemeente.NL  "])
@given(st.one_of(
    st.text(max_size=60),
    st.builds(lambda scheme, host, path, query, tail: f"{scheme}://{host}/{path}?{query}{tail}",
              st.sampled_from(["http", "https", "HTTPS", "ftp"]),
              st.from_regex(r"[A-Za-z0-9.:\[\]-]{0,20}", fullmatch=True),
              st.text(max_size=20), st.text(max_size=30),
              st.sampled_from(["", "?", "#", "#f", ";", ";p=1", " \t"])),
))
def test_an_absolute_url_canonicalises_as_if_joined_with_the_base(base: str, url: str) -> None:
    """Absolute http(s) URLs skip urljoin: the result is the one joining first gives."""
    joined = url.strip()
    try:
        joined = urljoin(base.strip(), joined)
    except ValueError:  # unparseable: returned stripped, never raised
        assert canonical_url(url, base) == joined
        return
    if joined != joined.strip():
        return  # canonical_url(joined) would strip it once more: not the same input
    assert canonical_url(url, base) == canonical_url(joined)


# --- guid fallback ----------------------------------------------------------------------

def test_duplicate_guids_fall_back_to_link_then_date_then_hash() -> None:
    items = feed_items("duplicate_guids.xml")
    guids = [item.guid for item in items]
    assert guids[0] == "nieuws"
    assert guids[1] == "https://www.dubbelstad.nl/nieuws/2"
    assert guids[2] == "https://www.dubbelstad.nl/nieuws/2#2025-03-05T09:00:00+01:00"
    assert guids[3].startswith("sha1:")
    assert len(set(guids)) == 4


def test_missing_guid_uses_canonical_link_or_hash() -> None:
    first, second = feed_items("no_guid.xml")
    assert first.guid == "https://www.zondergids.nl/nieuws/zonder-guid?id=7"
    assert second.guid.startswith("sha1:")
    assert second.url == ""


def test_guids_are_stable_across_fetches() -> None:
    later = FETCHED + timedelta(hours=5)
    feed = parse_document("feed", (FIXTURES / "no_guid.xml").read_bytes(), url=SOURCE)
    again = normalise_items(feed, source_url=SOURCE, fetched_at=later)
    assert [i.guid for i in again] == [i.guid for i in feed_items("no_guid.xml")]


def test_exact_repeat_within_a_document_is_dropped() -> None:
    item = ParsedItem(title="Zelfde", url="https://g.nl/a", guid="x", summary_html="Tekst")
    assert len(normalise(item, item)) == 1


# --- dates ------------------------------------------------------------------------------

def test_naive_dates_are_amsterdam_and_output_is_utc() -> None:
    summer, winter = normalise(
        ParsedItem(title="zomer", published=datetime(2024, 7, 1, 12, 0)),
        ParsedItem(title="winter", published=datetime(2025, 1, 1, 12, 0)),
    )
    assert summer.published_at == datetime(2024, 7, 1, 10, 0, tzinfo=UTC)
    assert winter.published_at == datetime(2025, 1, 1, 11, 0, tzinfo=UTC)
    item = summer
    assert item.fetched_at == FETCHED


def test_missing_date_is_fetched_at_and_far_future_is_clamped() -> None:
    missing, future, near = normalise(
        ParsedItem(title="geen datum"),
        ParsedItem(title="toekomst", published=FETCHED + timedelta(days=30)),
        ParsedItem(title="morgen", published=FETCHED + timedelta(hours=20)),
    )
    assert missing.published_at == FETCHED
    assert future.published_at == FETCHED
    assert near.published_at == FETCHED + timedelta(hours=20)


def test_updated_is_used_when_published_is_missing() -> None:
    when = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    (item,) = normalise(ParsedItem(title="t", updated=when))
    assert item.published_at == when


# --- text and sanitizing ----------------------------------------------------------------

def test_hostile_html_is_sanitized() -> None:
    (item,) = feed_items("hostile.xml")
    lowered = item.content_html.lower()
    for bad in ("<script", "onclick", "onerror", "javascript:", "<iframe", "<style", "style=",
                "<svg", "<form", "<input", "<object", "data:", "<img", "evil.example"):
        assert bad not in lowered, bad
    assert ('<a href="https://www.onveilig.nl/ok" rel="noopener noreferrer nofollow">'
            "veilige link</a>") in item.content_html
    assert "document.cookie" not in item.content_text
    assert "iframe-tekst" not in item.content_text
    assert item.title == "Gevaarlijke titel"


def test_relative_links_in_content_are_made_absolute() -> None:
    first, second = feed_items("relative_links.xml")
    assert first.url == "https://www.gemeente.nl/nieuws/relatief-1"
    assert 'href="https://www.gemeente.nl/bijlagen/besluit.pdf"' in first.content_html
    assert 'href="https://www.gemeente.nl/contact"' in first.content_html
    assert second.url == "https://www.relatiefdorp.nl/Nieuws/Item?a=1&b=2"


def test_plain_text_collapses_whitespace_and_decodes_entities() -> None:
    text = html_to_text("<p>Een &amp; twee</p>\n\n<p>drie&nbsp;vier <b>vet</b>ter</p>"
                        "<script>x()</script><style>p{}</style>")
    assert text == "Een & twee drie vier vetter"


def test_title_is_plain_text_and_falls_back_to_first_words() -> None:
    titled, untitled = normalise(
        ParsedItem(title="  AT&amp;T  <b>nieuws</b>\n bericht ", summary_html="x"),
        ParsedItem(title="", summary_html="<p>" + " ".join(f"woord{i}" for i in range(30))
                   + "</p>"),
    )
    assert titled.title == "AT&T nieuws bericht"
    assert untitled.title.startswith("woord0 woord1")
    assert untitled.title.endswith("…")


def test_summary_is_short_and_content_text_complete() -> None:
    long_text = " ".join(["De gemeente handhaaft."] * 100)
    (item,) = normalise(ParsedItem(title="t", content_html=f"<p>{long_text}</p>"))
    assert item.content_text == long_text
    assert len(item.summary) <= 402
    assert item.summary.endswith("…")


def test_sanitize_is_idempotent_on_fixture_html() -> None:
    for item in feed_items("hostile.xml") + feed_items("rss20.xml"):
        assert sanitize_html(item.content_html, item.url) == item.content_html


def test_content_hash_identifies_title_and_text() -> None:
    a, b, c = normalise(
        ParsedItem(title="Zelfde", guid="1", summary_html="<p>Tekst</p>"),
        ParsedItem(title="Zelfde", guid="2", summary_html="Tekst"),
        ParsedItem(title="Anders", guid="3", summary_html="Tekst"),
    )
    assert a.content_hash == b.content_hash != c.content_hash
    assert len(a.content_hash) == 40


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("De gemeente heeft besloten om meer handhavers in te zetten voor de wijk.", "nl"),
        ("The council has decided that more officers will patrol the area.", "en"),
        ("Die Gemeinde hat beschlossen, mehr Ordnungskräfte in der Stadt einzusetzen "
         "und nicht zu warten.", "de"),
        ("La commune a décidé de renforcer les contrôles dans le centre pour les habitants.",
         "fr"),
        ("Handhaving", "und"),
        ("", "und"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_fixture_items_are_dutch() -> None:
    assert {item.lang for item in feed_items("rss20.xml")} == {"nl"}


# --- idempotency and UTC, as properties -------------------------------------------------

_fragments = st.lists(
    st.sampled_from(["<p>", "</p>", "<b>", "</b>", "<a href='/x?utm_source=y'>", "</a>",
                     "<script>s()</script>", "&amp;", "&lt;", "&nbsp;", " ", "\n", "é", "’",
                     "gemeente", "handhaving", "<br>", "<li>", "<ul>", "<", ">", "&"]),
    max_size=25,
).map("".join)
_dates = st.one_of(
    st.none(),
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)),
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1),
                 timezones=st.sampled_from([UTC, timezone(timedelta(hours=5)),
                                            timezone(timedelta(hours=-8))])),
)
_items = st.builds(
    ParsedItem,
    title=st.one_of(_fragments, st.text(max_size=30)),
    url=st.one_of(st.none(), st.sampled_from(["/a", "https://G.nl/b?utm_x=1", "urn:x", ""])),
    guid=st.one_of(st.none(), st.sampled_from(["g1", "g2", " g1 "])),
    summary_html=st.one_of(_fragments, st.text(max_size=40)),
    content_html=_fragments,
    published=_dates,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_items, max_size=4))
def test_normalise_is_idempotent_and_dates_are_utc(items: list[ParsedItem]) -> None:
    first = normalise(*items)
    for item in first:
        assert item.published_at.utcoffset() == timedelta(0)
        assert item.fetched_at.utcoffset() == timedelta(0)
        assert item.published_at <= FETCHED + timedelta(days=1)
    again = normalise(*(as_parsed(item) for item in first))
    assert again == first


def test_normalise_round_trip_of_every_fixture_feed() -> None:
    for path in sorted(FIXTURES.glob("*")):
        if path.name.startswith("broken") or path.suffix == ".html":
            continue
        first = feed_items(path.name)
        assert normalise(*(as_parsed(item) for item in first)) == first, path.name
        assert all(replace(item, guid=item.guid) == item for item in first)
