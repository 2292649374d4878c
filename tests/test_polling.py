"""Polling policy: backoff, adaptive interval and the next check moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nieuwsradar.polling import adaptive_interval_s, backoff_delay_s, next_check_at

NOW = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)
HOUR = 3600
DAY = 86400


def every(gap: timedelta, n: int, *, last: datetime = NOW) -> list[datetime]:
    """n publication dates, ``gap`` apart, the newest at ``last``."""
    return [last - i * gap for i in range(n)]


def test_backoff_doubles_from_base_and_is_capped() -> None:
    assert [backoff_delay_s(n) for n in range(6)] == [0, 300, 600, 1200, 2400, 4800]
    assert backoff_delay_s(9) == 76800
    assert backoff_delay_s(10) == DAY and backoff_delay_s(10_000) == DAY
    assert backoff_delay_s(3, base_s=60, max_s=200) == 200


def test_retry_after_is_a_lower_bound_but_clamped() -> None:
    assert backoff_delay_s(1, retry_after_s=3600) == 3600
    assert backoff_delay_s(5, retry_after_s=10) == 4800
    assert backoff_delay_s(0, retry_after_s=120) == 120
    assert backoff_delay_s(1, retry_after_s=10 * DAY) == DAY


@given(st.integers(min_value=0, max_value=10**6),
       st.one_of(st.none(), st.floats(min_value=0, max_value=10**9)))
def test_backoff_is_monotonic_and_bounded(errors: int, retry_after: float | None) -> None:
    delay = backoff_delay_s(errors, retry_after_s=retry_after)
    assert 0 <= delay <= DAY
    assert backoff_delay_s(errors + 1, retry_after_s=retry_after) >= delay


def test_adaptive_interval_follows_publishing_frequency() -> None:
    # Every 2 h → poll every hour; every 6 h → every 3 h.
    assert adaptive_interval_s(every(timedelta(hours=2), 10), NOW) == HOUR
    assert adaptive_interval_s(every(timedelta(hours=6), 10), NOW) == 3 * HOUR


def test_adaptive_interval_clamps_busy_and_quiet_sources() -> None:
    assert adaptive_interval_s(every(timedelta(minutes=5), 30), NOW) == 900
    assert adaptive_interval_s(every(timedelta(days=7), 10), NOW) == DAY
    assert adaptive_interval_s(every(timedelta(minutes=5), 30), NOW, min_s=60) == 150


def test_a_source_that_went_silent_drifts_towards_max() -> None:
    busy_last_month = every(timedelta(hours=1), 20, last=NOW - timedelta(days=30))
    assert adaptive_interval_s(busy_last_month, NOW) == DAY
    quiet_for_4h = every(timedelta(minutes=30), 20, last=NOW - timedelta(hours=4))
    assert adaptive_interval_s(quiet_for_4h, NOW) == 2 * HOUR


def test_adaptive_interval_without_rhythm_uses_default() -> None:
    assert adaptive_interval_s([], NOW) == HOUR
    assert adaptive_interval_s([NOW - timedelta(hours=1)], NOW, default_s=7200) == 7200
    future = [NOW + timedelta(days=1), NOW + timedelta(days=2), NOW]
    assert adaptive_interval_s(future, NOW) == HOUR
    assert adaptive_interval_s([], NOW, default_s=10) == 900


def test_adaptive_interval_uses_only_the_recent_items_and_accepts_naive_dates() -> None:
    old_daily = every(timedelta(days=1), 50, last=NOW - timedelta(days=2))
    recent_hourly = every(timedelta(hours=1), 20)
    assert adaptive_interval_s(old_daily + recent_hourly, NOW) == 1800
    naive = [d.replace(tzinfo=None) for d in every(timedelta(hours=2), 5)]
    assert adaptive_interval_s(naive, NOW) == HOUR


def test_next_check_uses_interval_when_healthy() -> None:
    assert next_check_at(NOW, HOUR) == NOW + timedelta(hours=1)


def test_next_check_never_before_max_age_expires_and_caps_it() -> None:
    assert next_check_at(NOW, 900, max_age_s=2 * HOUR) == NOW + timedelta(hours=2)
    assert next_check_at(NOW, 2 * HOUR, max_age_s=60) == NOW + timedelta(hours=2)
    assert next_check_at(NOW, HOUR, max_age_s=30 * DAY) == NOW + timedelta(days=1)


@pytest.mark.parametrize(
    ("errors", "retry_after", "expected_s"),
    [(1, None, HOUR), (4, None, HOUR), (5, None, 4800), (6, None, 9600), (12, None, DAY),
     (1, 7200.0, 7200), (0, 5 * HOUR, 5 * HOUR), (1, 90 * DAY, DAY)],
)
def test_next_check_after_errors_backs_off(errors: int, retry_after: float | None,
                                            expected_s: int) -> None:
    moment = next_check_at(NOW, HOUR, error_count=errors, retry_after_s=retry_after)
    assert moment == NOW + timedelta(seconds=expected_s)


def test_next_check_accepts_naive_now_as_utc() -> None:
    assert next_check_at(NOW.replace(tzinfo=None), HOUR) == NOW + timedelta(hours=1)
