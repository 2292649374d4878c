"""Small server-rendered SVG bar charts of a topic's weekly series.

The chart is readable without JavaScript and carries its own text alternative (``<title>``
and ``aria-label``), so screen readers and the PDF's text layer both get the numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from nieuwsradar.trends import week_label


def describe(series: Sequence[tuple[date, int]]) -> str:
    """The series in words (Dutch), for the text alternative."""
    if not series:
        return "Geen gegevens."
    peak_week, peak = max(series, key=lambda point: (point[1], point[0]))
    last_week, last = series[-1]
    return (f"Bronnen per week, {week_label(series[0][0])} t/m {week_label(last_week)}: "
            f"hoogste {peak} in {week_label(peak_week)}, laatste week {last}.")


def bars(series: Sequence[tuple[date, int]], *, width: int = 208, height: int = 40,
         highlight: int = 1) -> str:
    """An SVG bar chart of ``series`` (week, count); the last ``highlight`` bars (the
    window) are drawn darker. Returns markup safe to embed (every text escaped)."""
    label = escape(describe(series))
    n = max(len(series), 1)
    peak = max((count for _, count in series), default=0) or 1
    step = width / n
    bar = max(step - 1.0, 1.0)
    rects = []
    for i, (monday, count) in enumerate(series):
        h = round(count / peak * (height - 2), 1)
        colour = "#1f4e79" if i >= n - highlight else "#9db7d0"
        rects.append(
            f'<rect x="{i * step:.1f}" y="{height - h:.1f}" width="{bar:.1f}" height="{h}" '
            f'fill="{colour}"><title>{escape(week_label(monday))}: {count}</title></rect>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="sparkline" role="img" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'aria-label="{label}"><title>{label}</title>'
            f'<line x1="0" y1="{height - 0.5}" x2="{width}" y2="{height - 0.5}" '
            f'stroke="#888" stroke-width="1"/>{"".join(rects)}</svg>')
