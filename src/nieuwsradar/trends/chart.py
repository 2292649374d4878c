"""Small server-rendered bar charts of a topic's weekly series: geometry and text.

:func:`chart` computes where each bar goes; the templates (web pages and the report) draw
it as inline SVG with auto-escaped values, readable without JavaScript, with a text
alternative (:func:`describe`) in ``<title>``/``aria-label`` and beside the chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from nieuwsradar.trends import week_label


@dataclass(frozen=True, slots=True)
class Bar:
    """One week's bar: position and size in chart units, the week and its count."""

    x: float
    y: float
    width: float
    height: float
    week: str
    count: int
    current: bool


@dataclass(frozen=True, slots=True)
class Chart:
    """A bar chart of a weekly series, with its description in words."""

    width: int
    height: int
    bars: tuple[Bar, ...]
    label: str


def describe(series: Sequence[tuple[date, int]]) -> str:
    """The series in words (Dutch), for the text alternative."""
    if not series:
        return "Geen gegevens."
    peak_week, peak = max(series, key=lambda point: (point[1], point[0]))
    last_week, last = series[-1]
    return (f"Bronnen per week, {week_label(series[0][0])} t/m {week_label(last_week)}: "
            f"hoogste {peak} in {week_label(peak_week)}, laatste week {last}.")


def chart(series: Sequence[tuple[date, int]], *, width: int = 208, height: int = 40,
          highlight: int = 1) -> Chart:
    """The bars of ``series`` (week, count); the last ``highlight`` bars (the window) are
    marked current."""
    n = max(len(series), 1)
    peak = max((count for _, count in series), default=0) or 1
    step = width / n
    bars = []
    for i, (monday, count) in enumerate(series):
        h = round(count / peak * (height - 2), 1)
        bars.append(Bar(round(i * step, 1), round(height - 1 - h, 1), round(max(step - 1, 1), 1),
                        h, week_label(monday), count, i >= n - highlight))
    return Chart(width, height, tuple(bars), describe(series))
