"""The bundled demo sources: which items each serves, in which format, at which path.

The items themselves are written by this team (``data/items.jsonl``, fictional events in
realistic Dutch municipal news style). Each demo source renders them in one of the formats
nieuwsradar reads in production: RSS 2.0, RSS 1.0, Atom, JSON Feed, a scraped HTML page,
the politie.nl API v4 JSON and the Rijksoverheid open-data XML. One source is broken on
purpose, to show that a failing source never stops a run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from nieuwsradar.types import ScrapeRules, SourceKind, SourceSpec


@dataclass(frozen=True)
class DemoSource:
    """One demo source: key used in items.jsonl, display name, format and URL path."""

    key: str
    name: str
    publisher: str
    kind: SourceKind
    fmt: str  # rss2 | rss1 | atom | jsonfeed | scrape | politie | rijksoverheid | broken
    path: str
    full_text: bool = False
    scrape: ScrapeRules | None = None

    def spec(self, base_url: str) -> SourceSpec:
        """The SourceSpec pointing at this source on the demo server at ``base_url``."""
        return SourceSpec(url=base_url + self.path, name=self.name, kind=self.kind,
                          publisher=self.publisher, full_text=self.full_text,
                          content_selector="article.bericht" if self.full_text else None,
                          scrape=self.scrape)


DEMO_SOURCES: tuple[DemoSource, ...] = (
    DemoSource("vng", "VNG Nieuws (demo)", "VNG", "feed", "rss2", "/vng/rss.xml"),
    DemoSource("bb", "Binnenlands Bestuur (demo)", "Binnenlands Bestuur", "feed", "atom",
               "/bb/atom.xml"),
    DemoSource("gemeentenu", "Gemeente.nu (demo)", "Gemeente.nu", "feed", "rss2",
               "/gemeentenu/feed/", full_text=True),
    DemoSource("omgevingsweb", "Omgevingsweb (demo)", "Omgevingsweb", "feed", "rss1",
               "/omgevingsweb/index.rdf"),
    DemoSource("gemeente", "Gemeente Rivierenland-Oost (demo)", "Gemeente Rivierenland-Oost",
               "feed", "jsonfeed", "/gemeente/feed.json"),
    DemoSource("avh", "Platform handhaving (demo)", "AVH", "scrape", "scrape",
               "/platformhandhaving/nieuws",
               scrape=ScrapeRules(item="div.views-row", title="h2 a", link="h2 a",
                                  date="span.date", summary="div.summary")),
    DemoSource("riec", "RIEC nieuws (demo)", "RIEC-LIEC", "scrape", "scrape",
               "/riec/actueel",
               scrape=ScrapeRules(item="li.nieuws-item", title="h3", link="a",
                                  date="time", date_attr="datetime", summary="p.intro")),
    DemoSource("politie", "Politie (demo)", "Politie", "politie", "politie",
               "/politie/v4/nieuws"),
    DemoSource("rijksoverheid", "Rijksoverheid (demo)", "Rijksoverheid", "rijksoverheid",
               "rijksoverheid", "/rijksoverheid/v1/infotypes/news"),
    DemoSource("kapot", "Kapotte bron (demo)", "Demo", "feed", "broken", "/kapot/rss.xml"),
)


def load_items() -> list[dict[str, Any]]:
    """The bundled demo items (one dict per line of ``data/items.jsonl``)."""
    text = resources.files("nieuwsradar.demo").joinpath("data/items.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]
