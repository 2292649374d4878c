"""When to check a source next: pure functions, no I/O, no clock of their own.

Three forces decide the next check:

* the source's own rhythm (:func:`adaptive_interval_s`): busy sources are polled often,
  quiet ones rarely, clamped to 15 min – 24 h;
* the server's wishes: Cache-Control max-age (never poll before it expires) and
  Retry-After after 429/503 (never retry before it);
* errors (:func:`backoff_delay_s`): exponential backoff on consecutive failures, so a
  broken source costs little but is still retried at least daily.

Everything is deterministic (no jitter) so it can be tested and reasoned about.
Naive datetimes are taken to be UTC.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise

__all__ = ["RECENT_ITEMS", "adaptive_interval_s", "backoff_delay_s", "next_check_at"]

RECENT_ITEMS = 20
"""How many of the newest items set a source's rhythm."""


def backoff_delay_s(
    error_count: int, *, base_s: float = 300, max_s: float = 86400,
    retry_after_s: float | None = None,
) -> float:
    """Seconds to wait after ``error_count`` consecutive errors.

    ``base_s`` after the first error, doubling with each further one, capped at ``max_s``
    (5 min, 10 min, 20 min, … 24 h with the defaults). A Retry-After from the server is a
    lower bound, itself capped at ``max_s`` so a hostile value cannot park a source for
    ever. No errors and no Retry-After means no delay (0).
    """
    delay = 0.0
    if error_count > 0:
        # 2**60 already dwarfs any sane max_s; capping the exponent avoids huge floats.
        delay = base_s * 2.0 ** min(error_count - 1, 60)
    if retry_after_s is not None:
        delay = max(delay, retry_after_s)
    return float(min(max(delay, 0.0), max_s))


def adaptive_interval_s(
    published: Sequence[datetime], now: datetime, *, min_s: int = 900, max_s: int = 86400,
    default_s: int = 3600,
) -> int:
    """A polling interval that follows the source's publishing frequency.

    Half the median gap between the newest :data:`RECENT_ITEMS` items (dates in the future
    are ignored), so a new item waits on average a quarter of the usual gap. When the
    source has been silent for longer than that gap, half the silence is used instead:
    a source that stopped publishing drifts towards ``max_s``. With fewer than two dated
    items the source's rhythm is unknown and ``default_s`` is used. Always clamped to
    [``min_s``, ``max_s``].
    """
    now = _aware(now)
    past = sorted((d for d in map(_aware, published) if d <= now), reverse=True)[:RECENT_ITEMS]
    if len(past) < 2:
        return _clamp(default_s, min_s, max_s)
    gaps = [(newer - older).total_seconds() for newer, older in pairwise(past)]
    typical = statistics.median(gaps)
    silence = (now - past[0]).total_seconds()
    return _clamp(round(max(typical, silence) / 2), min_s, max_s)


def next_check_at(
    now: datetime, interval_s: float, *, max_age_s: int | None = None, error_count: int = 0,
    retry_after_s: float | None = None, base_s: float = 300, max_s: float = 86400,
) -> datetime:
    """The moment to check a source next.

    The wait is the largest of: the polling interval, the server's Cache-Control max-age
    (we never poll a document that the server says is still fresh) and, after errors,
    the backoff (with Retry-After as a lower bound). A failing source is therefore never
    polled more often than a healthy one. The wait is capped at ``max_s`` so every source
    is looked at least once a day with the defaults.
    """
    wait = float(interval_s)
    if max_age_s is not None:
        wait = max(wait, float(max_age_s))
    if error_count > 0 or retry_after_s is not None:
        wait = max(wait, backoff_delay_s(error_count, base_s=base_s, max_s=max_s,
                                         retry_after_s=retry_after_s))
    return _aware(now) + timedelta(seconds=min(max(wait, 0.0), max_s))


def _aware(moment: datetime) -> datetime:
    """``moment`` with a time zone; naive values are taken to be UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _clamp(value: int, low: int, high: int) -> int:
    return int(min(max(value, low), high))
