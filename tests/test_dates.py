"""Dutch date parsing: the formats municipal sites, feeds and APIs actually use."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nieuwsradar.parse import parse_dutch_date
from nieuwsradar.parse.dates import AMSTERDAM, feedparser_dutch_handler, parse_date, to_utc

CET = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("wo, 18/10/2017 - 16:51", datetime(2017, 10, 18, 16, 51)),
        ("VNG Nieuws - wo, 18/10/2017 - 16:51", datetime(2017, 10, 18, 16, 51)),
        ("4 maart 2025", datetime(2025, 3, 4)),
        ("dinsdag 4 maart 2025", datetime(2025, 3, 4)),
        ("04-03-2025", datetime(2025, 3, 4)),
        ("4 mrt. 2025 14:05", datetime(2025, 3, 4, 14, 5)),
        ("4 maart 2025 om 14.05 uur", datetime(2025, 3, 4, 14, 5)),
        ("di, 04 mrt 2025 10:00:00 +0100", datetime(2025, 3, 4, 10, 0, tzinfo=CET)),
        ("Gepubliceerd op 12 okt 2024", datetime(2024, 10, 12)),
        ("1 mei 2024 - 09:30", datetime(2024, 5, 1, 9, 30)),
        ("31.12.2024", datetime(2024, 12, 31)),
        ("2022-04-02 20:46:00", datetime(2022, 4, 2, 20, 46)),
        ("2017-11-17T16:03:00.000Z", datetime(2017, 11, 17, 16, 3, tzinfo=UTC)),
        ("zaterdag 29 februari 2025", None),  # no such day
        ("31/02/2024", None),
        ("geen datum hier", None),
        ("", None),
    ],
)
def test_parse_dutch_date(text: str, expected: datetime | None) -> None:
    assert parse_dutch_date(text) == expected


def test_naive_results_are_amsterdam_local_time() -> None:
    winter = parse_dutch_date("wo, 18/01/2017 - 16:51")
    summer = parse_dutch_date("wo, 18/10/2017 - 16:51")
    assert winter is not None and summer is not None
    assert to_utc(winter) == datetime(2017, 1, 18, 15, 51, tzinfo=UTC)
    assert to_utc(summer) == datetime(2017, 10, 18, 14, 51, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected_utc"),
    [
        ("Tue, 04 Mar 2025 10:00:00 +0100", datetime(2025, 3, 4, 9, tzinfo=UTC)),
        ("Tue, 04 Mar 2025 10:00:00 GMT", datetime(2025, 3, 4, 10, tzinfo=UTC)),
        ("Tue, 04 Mar 2025 10:00:00 -0000", datetime(2025, 3, 4, 10, tzinfo=UTC)),
        ("Tue, 04 Mar 2025 10:00:00", datetime(2025, 3, 4, 9, tzinfo=UTC)),  # local time
        ("Tue, 04 Mar 2025 10:00:00 CET", datetime(2025, 3, 4, 9, tzinfo=UTC)),
        ("2025-03-04T10:00:00+01:00", datetime(2025, 3, 4, 9, tzinfo=UTC)),
        ("2025-07-04", datetime(2025, 7, 3, 22, tzinfo=UTC)),
        ("di, 04 mrt 2025 10:00:00 +0100", datetime(2025, 3, 4, 9, tzinfo=UTC)),
    ],
)
def test_parse_date_feed_formats(text: str, expected_utc: datetime) -> None:
    parsed = parse_date(text)
    assert parsed is not None
    assert to_utc(parsed) == expected_utc


def test_parse_date_rejects_garbage() -> None:
    assert parse_date(None) is None
    assert parse_date("   ") is None
    assert parse_date("morgen") is None


def test_feedparser_handler_returns_utc_tuple() -> None:
    parsed = feedparser_dutch_handler("di, 04 mrt 2025 10:00:00 +0100")
    assert parsed is not None
    assert calendar.timegm(parsed) == datetime(2025, 3, 4, 9, tzinfo=UTC).timestamp()
    assert feedparser_dutch_handler("onzin") is None


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)))
def test_numeric_dutch_dates_round_trip(moment: datetime) -> None:
    text = moment.strftime("%d/%m/%Y - %H:%M")
    assert parse_dutch_date(text) == moment.replace(second=0, microsecond=0)


@given(st.text(max_size=80))
def test_parse_date_never_raises_and_to_utc_is_aware(text: str) -> None:
    parsed = parse_date(text)
    if parsed is not None:
        converted = to_utc(parsed)
        assert converted.tzinfo is not None
        assert converted.utcoffset() == timedelta(0)


def test_amsterdam_zone_is_available() -> None:
    assert datetime(2025, 7, 1, tzinfo=AMSTERDAM).utcoffset() == timedelta(hours=2)
