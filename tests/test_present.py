"""Presentation shared by CLI, web and e-mail: Dutch dates, numbers, snippets, links."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from nieuwsradar import present
from nieuwsradar.types import Item, Label, SourceSpec, SourceState

NOW = datetime(2026, 12, 9, 11, 0, tzinfo=UTC)  # a Wednesday


def test_dutch_date_is_amsterdam_time_with_dutch_names() -> None:
    assert present.dutch_date(datetime(2026, 11, 18, 13, 5, tzinfo=UTC)) == (
        "woensdag 18 november 2026, 14:05")
    # summer time: UTC+2
    assert present.dutch_date(datetime(2026, 7, 6, 22, 30, tzinfo=UTC)) == (
        "dinsdag 7 juli 2026, 00:30")
    assert present.dutch_day(date(2026, 1, 1)) == "donderdag 1 januari 2026"


@pytest.mark.parametrize(("moment", "expected"), [
    (NOW - timedelta(hours=1), "vandaag"),
    (datetime(2026, 12, 8, 22, 59, tzinfo=UTC), "gisteren"),   # 23:59 local, yesterday
    (datetime(2026, 12, 8, 23, 1, tzinfo=UTC), "vandaag"),     # 00:01 local, today
    (NOW - timedelta(days=2), "eergisteren"),
    (NOW - timedelta(days=6), "vorige week"),
    (NOW - timedelta(days=9), "vorige week"),
    (NOW - timedelta(days=16), "2 weken geleden"),
    (NOW - timedelta(days=35), "vorige maand"),
    (NOW - timedelta(days=120), "4 maanden geleden"),
    (NOW - timedelta(days=365), "vorig jaar"),
    (datetime(2023, 5, 1, tzinfo=UTC), "in 2023"),
    (NOW + timedelta(days=1), "in de toekomst"),
])
def test_relative_dates_count_calendar_days(moment: datetime, expected: str) -> None:
    assert present.relative_date(moment, NOW) == expected


def test_numbers_the_dutch_way() -> None:
    assert present.dutch_number(10_000) == "10.000"
    assert present.dutch_number(0.5) == "0,5"
    assert present.dutch_number(1234.567) == "1.234,57"
    assert present.dutch_number(0.8, 2) == "0,80"
    assert present.count_text(10_000, more=True) == "meer dan 10.000 resultaten"
    assert present.count_text(1) == "1 resultaat"


def test_snippet_escapes_first_then_marks() -> None:
    html = present.snippet_html('<b>boa\'s</b> \x02bodycam\x03 & "x" \x02open')
    assert str(html) == ("&lt;b&gt;boa&#39;s&lt;/b&gt; <mark>bodycam</mark> &amp; "
                         "&#34;x&#34; <mark>open</mark>")
    assert str(present.snippet_html("\x03los\x02")) == "los<mark></mark>"
    assert present.plain_snippet("a \x02b\x03", "[", "]") == "a [b]"


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,<script>", "vbscript:x",
    "//evil.test/x", "/relative", "https:evil", "http://a.nl/\"onmouseover=x", "", None,
])
def test_only_http_links_are_safe(url: str | None) -> None:
    assert present.safe_link(url) is None


def test_http_links_pass() -> None:
    assert present.safe_link("https://www.rijksoverheid.nl/a?b=1") == (
        "https://www.rijksoverheid.nl/a?b=1")
    assert present.safe_link("HTTP://example.nl") == "HTTP://example.nl"


def test_json_shapes() -> None:
    item = Item(id=3, source_id=1, guid="g", url="https://x.nl/1", title="T", summary="S",
                content_text="C", content_html="<p>C</p>", published_at=NOW, fetched_at=NOW,
                lang="nl", content_hash="h", cluster_id=7, source_name="Bron",
                labels=(Label("handhaving", 0.912345, "model", "v1"),))
    data = present.item_json(item, snippet="a \x02b\x03")
    assert data["snippet"] == "a b" and data["story_id"] == 7
    assert data["labels"] == [{"label": "handhaving", "score": 0.9123, "origin": "model",
                               "model_version": "v1"}]
    assert "content_html" not in data
    assert present.item_json(item, full=True)["content_html"] == "<p>C</p>"
    state = SourceState(id=1, spec=SourceSpec(url="https://x.nl/rss", name="X"),
                        last_ok_at=NOW, error_count=2)
    shape = present.source_json(state)
    assert shape["last_ok_at"] == NOW.isoformat() and shape["error_count"] == 2
