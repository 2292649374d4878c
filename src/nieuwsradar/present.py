"""Pure presentation shared by the CLI, the web app, e-mails and reports.

Everything a user reads about a date, a number, a snippet, an item or a source is
formatted here once: Dutch dates in :data:`LOCAL_TZ` ("dinsdag 18 november 2026, 14:05"),
relative dates ("gisteren", "vorige week"), Dutch numbers ("10.000", "0,5"), search
snippets with ``<mark>`` highlights, and the JSON shapes of items and sources used by
the CLI's ``--json`` output and the web API. No I/O, no database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from nieuwsradar.types import Item, Label, SourceState

#: The one timezone users live in; dates are shown and read as Amsterdam days.
LOCAL_TZ = ZoneInfo("Europe/Amsterdam")

#: Highlight markers in search snippets (set by storage, turned into <mark> here).
MARK_START, MARK_END = "\x02", "\x03"

WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")


def local(value: datetime) -> datetime:
    """``value`` in :data:`LOCAL_TZ` (a naive value is taken to be UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_TZ)


def dutch_day(value: datetime | date) -> str:
    """The calendar day in Dutch: "dinsdag 18 november 2026"."""
    day = local(value).date() if isinstance(value, datetime) else value
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def dutch_date(value: datetime) -> str:
    """Date and time in Dutch, Amsterdam time: "dinsdag 18 november 2026, 14:05"."""
    moment = local(value)
    return f"{dutch_day(moment)}, {moment:%H:%M}"


def short_date(value: datetime | None) -> str:
    """A compact local timestamp for tables ("2026-11-18 14:05"); "-" for None."""
    return local(value).strftime("%Y-%m-%d %H:%M") if value else "-"


def relative_date(value: datetime, now: datetime | None = None) -> str:
    """How long ago, in Dutch calendar terms: "vandaag", "gisteren", "eergisteren",
    "3 dagen geleden", "vorige week", "3 weken geleden", "vorige maand", "in 2025"...

    Counted in Amsterdam calendar days, so 00:30 today is "vandaag" and 23:50 the day
    before is "gisteren". A date in the future is "in de toekomst".
    """
    today = local(now or datetime.now(UTC)).date()
    day = local(value).date()
    days = (today - day).days
    if days < 0:
        return "in de toekomst"
    if days == 0:
        return "vandaag"
    if days == 1:
        return "gisteren"
    if days == 2:
        return "eergisteren"
    this_week = today.isocalendar()[:2]
    if day.isocalendar()[:2] == this_week:
        return f"{days} dagen geleden"
    weeks = (_monday(today) - _monday(day)).days // 7
    if weeks == 1:
        return "vorige week"
    if weeks < 5:
        return f"{weeks} weken geleden"
    months = (today.year - day.year) * 12 + today.month - day.month
    if months == 1:
        return "vorige maand"
    if months < 12:
        return f"{months} maanden geleden"
    if today.year - day.year == 1:
        return "vorig jaar"
    return f"in {day.year}"


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def dutch_number(value: float, decimals: int | None = None) -> str:
    """A number the Dutch way: "10.000", "0,5", "1.234,56".

    Whole numbers get no decimals; others keep up to ``decimals`` places (default 2,
    trailing zeros dropped).
    """
    if decimals is None and float(value).is_integer():
        text = f"{int(value):,}"
    else:
        places = 2 if decimals is None else decimals
        text = f"{value:,.{places}f}"
        if decimals is None and "." in text:
            text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def count_text(total: int, more: bool = False) -> str:
    """A result count, capped counts in words: "1 resultaat", "12 resultaten",
    "meer dan 10.000 resultaten"."""
    if more:
        return f"meer dan {dutch_number(total)} resultaten"
    return f"{dutch_number(total)} {'resultaat' if total == 1 else 'resultaten'}"


def snippet_html(snippet: str) -> Markup:
    """A search snippet as safe HTML: the text escaped first, then the highlight markers
    (\\x02 ... \\x03) turned into ``<mark>`` ... ``</mark>``.

    Unbalanced markers are closed or dropped, so the markup is always well formed.
    """
    out: list[str] = []
    open_mark = False
    for part in _split_marks(snippet):
        if part == MARK_START:
            if not open_mark:
                out.append("<mark>")
                open_mark = True
        elif part == MARK_END:
            if open_mark:
                out.append("</mark>")
                open_mark = False
        else:
            out.append(str(escape(part)))
    if open_mark:
        out.append("</mark>")
    return Markup("".join(out))  # noqa: S704 - built from escaped text and our own tags


def plain_snippet(snippet: str, start: str = "", end: str = "") -> str:
    """A snippet as plain text, highlights shown with ``start``/``end`` (or dropped)."""
    return snippet.replace(MARK_START, start).replace(MARK_END, end)


def _split_marks(snippet: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    for char in snippet:
        if char in (MARK_START, MARK_END):
            if current:
                parts.append("".join(current))
                current = []
            parts.append(char)
        else:
            current.append(char)
    if current:
        parts.append("".join(current))
    return parts


def safe_link(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) link, else None (no javascript:, data:...)."""
    if not url:
        return None
    cleaned = url.strip()
    scheme, sep, rest = cleaned.partition(":")
    if not sep or scheme.lower() not in ("http", "https") or not rest.startswith("//"):
        return None
    if any(ord(c) < 33 or c in "<>\"\\" for c in cleaned):
        return None
    return cleaned


def iso(value: datetime | None) -> str | None:
    """ISO-8601 text for JSON, None passed through."""
    return value.isoformat() if value else None


def label_json(label: Label) -> dict[str, Any]:
    """The JSON shape of one label on an item."""
    return {"label": label.label, "score": round(float(label.score), 4),
            "origin": label.origin, "model_version": label.model_version}


def item_json(item: Item, *, snippet: str | None = None, full: bool = False) -> dict[str, Any]:
    """The JSON shape of an item (API, CLI ``--json``): the summary always, the full
    text and sanitized HTML with ``full``, a plain snippet when given."""
    data: dict[str, Any] = {
        "id": item.id, "title": item.title, "url": item.url, "source_id": item.source_id,
        "source": item.source_name, "published_at": iso(item.published_at),
        "fetched_at": iso(item.fetched_at), "story_id": item.cluster_id,
        "labels": [label_json(lab) for lab in item.labels], "summary": item.summary,
        "lang": item.lang,
    }
    if snippet is not None:
        data["snippet"] = plain_snippet(snippet)
    if full:
        data["content_text"] = item.content_text
        data["content_html"] = item.content_html
    return data


def source_json(state: SourceState) -> dict[str, Any]:
    """The JSON shape of a stored source with its health."""
    spec = state.spec
    return {
        "id": state.id, "name": spec.name, "url": spec.url, "kind": spec.kind,
        "publisher": spec.publisher, "domains": list(spec.default_domains),
        "interval_s": state.interval_s, "items": state.item_count,
        "error_count": state.error_count, "last_error": state.last_error,
        "last_ok_at": iso(state.last_ok_at), "last_checked_at": iso(state.last_checked_at),
        "next_check_at": iso(state.next_check_at),
    }

