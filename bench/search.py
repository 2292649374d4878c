"""Benchmark search: a query mix on a big archive through Radar.find or the HTTP API.

    .venv/bin/python bench/search.py --db /tmp/radar-1m.db --items 1000000
    .venv/bin/python bench/search.py --db /tmp/radar-1m.db --http   # /api/items, uvicorn
    .venv/bin/python bench/search.py --db /tmp/radar-1m.db --load 30   # + load run

The archive is built first when it holds fewer than ``--items`` items (the zipf kind
of ``bench/archive.py``). Every query of the mix (rare and common terms, phrase,
prefix, stemmed variant, compound part, filters from the box and from the form, NOT,
newest first) asks for the top 20 with the capped count and the facets, as the search
page does. Each query runs ``--repeat`` times after one warm-up call; the table shows
its median, and the last lines the median and 95th percentile over all timed calls.

With ``--http`` the web app runs under uvicorn in its own process on a free loopback
port and the mix goes through ``GET /api/items``; ``--load SECONDS`` then also runs the
load of ``bench/web.py`` (32 connections on the search page, bounded in time and count,
127.0.0.1 only) against that server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import web as web_bench  # type: ignore[import-not-found]
from archive import RARE, build  # type: ignore[import-not-found]
from nieuwsradar.config import Settings
from nieuwsradar.core import SearchRequest, make_radar


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


def by_rank(sources: list[int], case: Case) -> tuple[int, ...]:
    """The sources a case filters on; on a small archive, where fewer sources have items
    than a rank asks for, the smallest one that has items."""
    return tuple(sources[min(r, len(sources) - 1)] for r in case.source_ranks)


def in_process(db: Path) -> Callable[[Case, list[int]], tuple[int, bool]]:
    """A runner calling Radar.find directly."""
    radar = make_radar(Settings(db=db, model=db.parent / "no-model.skops"))

    def run(case: Case, sources: list[int]) -> tuple[int, bool]:
        found = radar.find(SearchRequest(
            text=case.text, domains=case.domains,
            sources=by_rank(sources, case), sort=case.sort))
        return found.total, found.more

    return run


SERVER = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
import uvicorn
from nieuwsradar.config import Settings
from nieuwsradar.web import create_app
uvicorn.run(create_app(Settings(db=Path(sys.argv[1]))), host="127.0.0.1",
            port=int(sys.argv[2]), log_level="warning", access_log=False)
"""


@contextlib.contextmanager
def serving(db: Path) -> Iterator[str]:
    """Run the web app on a free loopback port in a child process; yield its base URL."""
    port = web_bench.free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "NIEUWSRADAR_SECRET_KEY": "bench"}
    here = str(Path(__file__).resolve().parent)
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(db), str(port), here], env=env)
    try:
        web_bench.wait_until_up(f"{base}/api/items?q=gemeente", proc, timeout_s=300)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def load_run(base: str, seconds: float) -> None:
    """The load of bench/web.py against the search page; prints its figures."""
    latencies, failures, elapsed = asyncio.run(web_bench.load(base, 32, seconds))
    print(f"load: {len(latencies):,} pages in {elapsed:.1f} s with 32 connections: "
          f"{len(latencies) / elapsed:,.1f} requests/s; {len(failures)} errors; latency ms "
          f"median {statistics.median(latencies):.0f}, "
          f"p99 {web_bench.percentile(latencies, 99):.0f}, max {max(latencies):.0f}")
    for failure in failures[:10]:
        print(f"  {failure}")


def over_http(base: str) -> Callable[[Case, list[int]], tuple[int, bool]]:
    """A runner calling ``GET /api/items`` of a running server."""

    def run(case: Case, sources: list[int]) -> tuple[int, bool]:
        params: list[tuple[str, str]] = [("q", case.text), ("sort", case.sort)]
        params += [("domein", d) for d in case.domains]
        params += [("bron", str(source)) for source in by_rank(sources, case)]
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
    parser.add_argument("--http", action="store_true", help="measure GET /api/items")
    parser.add_argument("--load", type=float, default=0, metavar="SECONDS",
                        help="with --http: then a load run of this many seconds")
    args = parser.parse_args()
    build(args.db, args.items, kind="zipf", report=True)
    sources = source_ids_by_size(args.db)
    if not args.http:
        measure(in_process(args.db), sources, args.repeat)
        return
    with serving(args.db) as base:
        measure(over_http(base), sources, args.repeat)
        if args.load:
            load_run(base, args.load)


def measure(run: Callable[[Case, list[int]], tuple[int, bool]], sources: list[int],
            repeat: int) -> None:
    """Time every query of the mix and print the table and the overall figures."""
    everything: list[float] = []
    print(f"{'query':<26}{'median ms':>10}{'max ms':>9}{'matches':>10}")
    for case in MIX:
        run(case, sources)  # warm-up
        times = []
        for _ in range(repeat):
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
