"""Benchmark search: a query mix on a big archive through Radar.find or the HTTP API.

    .venv/bin/python bench/search.py --db /tmp/radar-1m.db --items 1000000
    .venv/bin/python bench/search.py --db /tmp/radar-1m.db --http http://127.0.0.1:8000

The archive is built first when it holds fewer than ``--items`` items (see
``bench/search_archive.py``). Every query of the mix (rare and common terms, phrase,
prefix, stemmed variant, compound part, filters from the box and from the form, NOT,
newest first) asks for the top 20 with the capped count and the facets, as the search
page does. Each query runs ``--repeat`` times after one warm-up call; the table shows
its median, and the last lines the median and 95th percentile over all timed calls.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nieuwsradar.config import Settings
from nieuwsradar.core import SearchRequest, make_radar
from nieuwsradar.storage import fts
from search_archive import RARE, build  # type: ignore[import-not-found]


@dataclass(frozen=True)
class Case:
    """One query of the mix (form filters name sources by their rank in size)."""

    label: str
    text: str = ""
    domains: tuple[str, ...] = ()
    source_ranks: tuple[int, ...] = ()
    sort: str = "relevance"
    since: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


MIX = (
    Case("rare term", RARE),
    Case("term in every item", "gemeente"),
    Case("frequent term", "toezicht"),
    Case("mid-frequency term", "kamerverhuur"),
    Case("two terms", "jongeren overlast"),
    Case("phrase", '"illegale kamerverhuur"'),
    Case("prefix", "ondermij*"),
    Case("short prefix", "verh*"),
    Case("stemmed variant", "drugslabs"),
    Case("compound part", "verhuur"),
    Case("OR", "drugslab OR hennepkwekerij"),
    Case("term + domain (box)", "toezicht domein:handhaving"),
    Case("term + domain + date", "toezicht domein:handhaving sinds:2025-02"),
    Case("term + form filters", "overlast", ("ondermijning",), (0, 1, 2)),
    Case("small source", "boete", source_ranks=(250,)),
    Case("domain only", "domein:omgevingswet"),
    Case("NOT", "toezicht -handhavers"),
    Case("exclusion + filter", "domein:handhaving -boa's"),
    Case("newest first", "parkeren", sort="date"),
    Case("newest first + domain", "boete", ("sociaal domein",), sort="date"),
    Case("browse newest", "", sort="date"),
)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def source_ids_by_size(db: Path) -> list[int]:
    """Source ids, the source with the most items first."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return [r[0] for r in conn.execute(
            "SELECT source_id FROM items GROUP BY source_id ORDER BY count(*) DESC")]


def repair_stem_version(db: Path) -> None:
    """Keep the index of an archive this script built from being rebuilt on open.

    The stemmer version string of this code base holds a memory address that differs per
    process (a known defect fixed elsewhere), so every open would re-index a million
    items; the archive was indexed by this very code, so its recorded version is set to
    the current one.
    """
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = 'fts_stemmer'").fetchone()
        if row is not None and "<cyfunction" in row[0] and row[0] != fts.INDEX_VERSION:
            conn.execute("UPDATE meta SET value = ? WHERE key = 'fts_stemmer'",
                         (fts.INDEX_VERSION,))


def in_process(db: Path) -> Callable[[Case, list[int]], tuple[int, bool]]:
    """A runner calling Radar.find directly."""
    radar = make_radar(Settings(db=db, model=db.parent / "no-model.skops"))

    def run(case: Case, sources: list[int]) -> tuple[int, bool]:
        found = radar.find(SearchRequest(
            text=case.text, domains=case.domains,
            sources=tuple(sources[r] for r in case.source_ranks), sort=case.sort))
        return found.total, found.more

    return run


def over_http(base: str) -> Callable[[Case, list[int]], tuple[int, bool]]:
    """A runner calling ``GET /api/items`` of a running server."""

    def run(case: Case, sources: list[int]) -> tuple[int, bool]:
        params: list[tuple[str, str]] = [("q", case.text), ("sort", case.sort)]
        params += [("domein", d) for d in case.domains]
        params += [("bron", str(sources[r])) for r in case.source_ranks]
        url = f"{base}/api/items?{urllib.parse.urlencode(params)}"
        with urllib.request.urlopen(url, timeout=30) as response:
            body = json.load(response)
        return int(body["total"]), bool(body["more"])

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="archive (built if too small)")
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--http", help="base URL of a running server: measure /api/items")
    args = parser.parse_args()
    if args.db.exists():
        repair_stem_version(args.db)
    build(args.db, args.items)
    sources = source_ids_by_size(args.db)
    run = over_http(args.http.rstrip("/")) if args.http else in_process(args.db)
    everything: list[float] = []
    print(f"{'query':<26}{'median ms':>10}{'max ms':>9}{'matches':>10}")
    for case in MIX:
        run(case, sources)  # warm-up
        times = []
        for _ in range(args.repeat):
            began = time.perf_counter()
            total, more = run(case, sources)
            times.append((time.perf_counter() - began) * 1000)
        everything += times
        shown = f"{total:,}{'+' if more else ''}"
        print(f"{case.label:<26}{statistics.median(times):>10.1f}{max(times):>9.1f}{shown:>10}")
    print(f"all {len(everything)} calls: median {statistics.median(everything):.1f} ms, "
          f"p95 {percentile(everything, 0.95):.1f} ms, max {max(everything):.1f} ms")


if __name__ == "__main__":
    main()
