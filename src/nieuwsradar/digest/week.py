"""ISO weeks (Monday to Sunday) in the network's time zone, as the digest's unit of time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from nieuwsradar.errors import InputError

_WEEK_RE = re.compile(r"^\s*(\d{4})-?[Ww](\d{1,2})\s*$")


@dataclass(frozen=True, slots=True)
class Week:
    """ISO week ``number`` of ``year``, its days counted in time zone ``tz``."""

    year: int
    number: int
    tz: str = "Europe/Amsterdam"

    @classmethod
    def parse(cls, text: str, tz: str = "Europe/Amsterdam") -> Week:
        """``"2026-W49"`` (or ``2026W49``) → Week; InputError saying the format otherwise."""
        m = _WEEK_RE.match(text)
        if not m:
            raise InputError(f"week {text!r} is not readable; write it as 2026-W49")
        year, number = int(m.group(1)), int(m.group(2))
        try:
            date.fromisocalendar(year, number, 1)
        except ValueError:
            raise InputError(f"week {text!r} does not exist: {year} has no week {number}") from None
        return cls(year, number, tz)

    @classmethod
    def containing(cls, moment: datetime, tz: str = "Europe/Amsterdam") -> Week:
        """The week that contains ``moment`` (an aware datetime) in time zone ``tz``."""
        year, number, _ = moment.astimezone(ZoneInfo(tz)).isocalendar()
        return cls(year, number, tz)

    @classmethod
    def last_complete(cls, now: datetime, tz: str = "Europe/Amsterdam") -> Week:
        """The most recent week that has ended at ``now`` (on a Monday: last week)."""
        return cls.containing(now, tz).previous()

    def previous(self) -> Week:
        """The week before this one."""
        year, number, _ = (self.first_day - timedelta(days=7)).isocalendar()
        return Week(year, number, self.tz)

    @property
    def label(self) -> str:
        """``2026-W49``: the key of the send log."""
        return f"{self.year}-W{self.number:02d}"

    @property
    def first_day(self) -> date:
        """The Monday."""
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def last_day(self) -> date:
        """The Sunday."""
        return self.first_day + timedelta(days=6)

    @property
    def start(self) -> datetime:
        """Monday 00:00 local time, in UTC."""
        return datetime.combine(self.first_day, time(), ZoneInfo(self.tz)).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The next Monday 00:00 local time, in UTC (exclusive)."""
        nxt = self.first_day + timedelta(days=7)
        return datetime.combine(nxt, time(), ZoneInfo(self.tz)).astimezone(UTC)

    def __str__(self) -> str:
        return self.label
