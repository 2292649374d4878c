"""Date parsing for Dutch sources: Dutch month names, numeric day-first dates, RFC 822, ISO 8601.

Feed libraries and htmldate do not know "di, 04 mrt 2025" or "wo, 18/10/2017 - 16:51" (see
the library notes), so every parser in this package reads dates through this module.
Results are timezone-aware when the text names a zone or offset, else naive local time
(Europe/Amsterdam); :func:`to_utc` turns either into UTC.
"""

from __future__ import annotations

import email.utils
import re
import time
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

_MONTHS: dict[str, int] = {
    "januari": 1, "jan": 1, "january": 1,
    "februari": 2, "feb": 2, "february": 2,
    "maart": 3, "mrt": 3, "mar": 3, "march": 3, "maa": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "augustus": 8, "aug": 8, "august": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10, "october": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
# Zone names Dutch and European sources use; US names are left to email.utils.
_ZONES: dict[str, timedelta | None] = {
    "z": timedelta(0), "utc": timedelta(0), "gmt": timedelta(0), "ut": timedelta(0),
    "cet": None, "cest": None, "met": None, "mest": None,  # local time: Amsterdam decides
}

_TIME = (
    r"(?:\s*(?:,|-|–|\||om|at|T)?\s*(?P<hh>[01]?\d|2[0-3])[:.](?P<mi>[0-5]\d)"
    r"(?:[:.](?P<ss>[0-5]\d))?(?:\.\d+)?(?:\s*uur)?"
    r"(?:\s*(?P<off>[+-]\d{2}:?\d{2})|\s*(?P<zone>[A-Za-z]{1,4})\b)?)?"
)
_NAMED = re.compile(
    r"(?<![\w])(?P<d>[0-3]?\d)\.?\s*(?P<mon>[A-Za-z]{3,9})\.?,?\s+(?P<y>\d{4})\b" + _TIME,
    re.IGNORECASE,
)
_NUMERIC = re.compile(
    r"(?<![\w/.-])(?P<d>[0-3]?\d)(?P<sep>[/.-])(?P<m>[01]?\d)(?P=sep)(?P<y>\d{4})\b" + _TIME,
    re.IGNORECASE,
)
_ISO = re.compile(
    r"(?<![\w/.-])(?P<y>\d{4})-(?P<m>[01]\d)-(?P<d>[0-3]\d)"
    r"(?:[T ](?P<hh>[01]\d|2[0-3]):(?P<mi>[0-5]\d)(?::(?P<ss>[0-5]\d))?(?:[.,]\d+)?"
    r"\s*(?:(?P<off>[+-]\d{2}:?\d{2})|(?P<zone>Z|UTC|GMT)\b)?)?",
    re.IGNORECASE,
)


def _zone(match: re.Match[str]) -> timezone | None:
    """The tzinfo named by a match's ``off``/``zone`` groups, None for local time."""
    off = match.group("off")
    if off:
        digits = off[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return timezone(-delta if off[0] == "-" else delta)
    zone = (match.group("zone") or "").lower()
    shift = _ZONES.get(zone)
    return timezone(shift) if shift is not None else None


def _build(match: re.Match[str], month: int) -> datetime | None:
    """Assemble a datetime from a match, None when a field is out of range."""
    hh, mi, ss = match.group("hh"), match.group("mi"), match.group("ss")
    try:
        return datetime(
            int(match.group("y")), month, int(match.group("d")),
            int(hh or 0), int(mi or 0), int(ss or 0), tzinfo=_zone(match) if hh else None,
        )
    except ValueError:
        return None


def parse_dutch_date(text: str) -> datetime | None:
    """Find and parse the first date in ``text`` as Dutch sources write it.

    Knows "4 maart 2025", "dinsdag 4 maart 2025", "di, 04 mrt 2025 10:00:00 +0100",
    "4 mrt. 2025 14:05", "wo, 18/10/2017 - 16:51", "04-03-2025", "4 maart 2025 om 14.05 uur"
    and ISO dates ("2022-04-02 20:46:00"). Day comes before month in numeric dates, as in
    the Netherlands. Surrounding words ("VNG Nieuws - ...") are ignored. Returns a naive
    Europe/Amsterdam time unless the text gives an offset or UTC, then an aware one; None
    when no valid date is found.
    """
    if not text or len(text) > 2000:
        return None
    for match in _ISO.finditer(text):
        found = _build(match, int(match.group("m")))
        if found is not None:
            return found
    for match in _NAMED.finditer(text):
        month = _MONTHS.get(match.group("mon").lower())
        if month is not None:
            found = _build(match, month)
            if found is not None:
                return found
    for match in _NUMERIC.finditer(text):
        found = _build(match, int(match.group("m")))
        if found is not None:
            return found
    return None


def parse_date(text: str | None) -> datetime | None:
    """Parse a date as feeds and APIs give it: RFC 822, ISO 8601, then Dutch forms.

    Aware when the text names a zone, naive local (Europe/Amsterdam) time otherwise; an
    RFC 822 "-0000" offset means UTC. None for empty or unreadable text.
    """
    if not text:
        return None
    text = text.strip()
    if not text:
        return None
    if text[0].isdigit() and "-" in text[:8]:
        return parse_dutch_date(text)
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return parse_dutch_date(text)
    if parsed.tzinfo is None and text.endswith("-0000"):
        return parsed.replace(tzinfo=UTC)
    return parsed


def to_utc(value: datetime) -> datetime:
    """Convert an aware datetime to UTC; a naive one is read as Europe/Amsterdam time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=AMSTERDAM)
    return value.astimezone(UTC)


def feedparser_dutch_handler(text: str) -> time.struct_time | None:
    """feedparser date handler: Dutch dates as a UTC 9-tuple, None when not recognised."""
    parsed = parse_dutch_date(text)
    if parsed is None:
        return None
    try:
        return to_utc(parsed).timetuple()
    except (OverflowError, ValueError):
        return None
