"""Trends benchmark: one week's trends over a 1,000,000-item archive, and the cost of
counting at ingest.

    uv run python bench/trends.py archive [--db /tmp/trends-1m.db] [--items 1000000]
    uv run python bench/trends.py ingest [--runs 3]

``archive`` builds (or reuses) a synthetic archive with the item generator of the zipf
kind of bench/archive.py (Zipf vocabulary, 300 sources, three years, labels; random word
order, so far more distinct phrases than real news: a pessimistic case for the counts
table), written straight into the items and labels tables (without the full-text index,
which trends never read, so a 1M build takes minutes on a loaded machine), adds one topic
that 12 sources take up in the last full week, counts every item's topic keys (timed: the
one-off cost of counting an existing archive), then times ``Radar.trends`` for that week:
the first call (which aggregates the 38 weeks it needs), warm calls and re-aggregating one
week (what the first request after an ingest run pays) in process, and the ``/trends``
web page over HTTP from a real uvicorn server.

``ingest`` runs the ingest benchmark's farm (500 feeds x 20 items, bench/farm.py) into a
fresh database and times the trend counting inside the update (``count_trends``) against
the whole cold update, in the same run, so the machine's load affects both alike.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from archive import DOMAINS as LABELS  # noqa: E402
from archive import (  # noqa: E402
    N_SOURCES,
    labels_for,
    make_items,
    source_weights,
    vocabulary,
    zipf_source,
)
from ingest import free_port, start_farm  # noqa: E402
from nieuwsradar.config import Settings  # noqa: E402
from nieuwsradar.core import make_radar  # noqa: E402
from nieuwsradar.trends import week_label, week_of  # noqa: E402
from nieuwsradar.types import Label, NewItem, SourceSpec  # noqa: E402
from nieuwsradar.web import create_app  # noqa: E402

RISING = "Proef met slimme handhavingscamera's"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def build(path: Path, total: int, *, seed: int = 7, batch: int = 10_000) -> None:
    """Write ``total`` synthetic items (and their model labels) into a new database."""
    rng = random.Random(seed)
    words, cum = vocabulary(rng)
    with make_radar(Settings(db=path)) as radar:
        sources = [radar._db.upsert_source(zipf_source(n)) for n in range(N_SOURCES)]
    source_cum = source_weights()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")
    next_id = 1
    for start in range(0, total, batch):
        items = make_items(rng, words, cum, start, min(batch, total - start), total)
        rows, labels = [], []
        for k, item in enumerate(items):
            if k % 250 == 0:  # one source per 250 items, a few sources write most
                source = rng.choices(sources, cum_weights=source_cum)[0]
            stamp = item.published_at.isoformat(timespec="microseconds")
            rows.append((next_id, source, item.guid, item.url, item.title, item.summary,
                         item.summary, stamp, stamp, "nl", item.content_hash))
            labels += [(next_id, lab.label, lab.score, stamp) for lab in labels_for(rng)
                       if lab.label in LABELS]
            next_id += 1
        with conn:
            conn.executemany(
                "INSERT INTO items (id, source_id, guid, url, title, summary, content_text, "
                "published_at, fetched_at, lang, content_hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            conn.executemany(
                "INSERT INTO item_labels (item_id, label, score, origin, at) "
                "VALUES (?, ?, ?, 'model', ?)", labels)
    conn.close()


def add_rising_topic(db_path: Path) -> datetime:
    """Let 12 sources write about one new topic in the archive's last full week; return
    the Monday of that week."""
    with make_radar(Settings(db=db_path)) as radar:
        db = radar._db
        latest = db.db.execute("SELECT max(published_at) FROM items").fetchone()[0]
        monday = week_of(datetime.fromisoformat(latest).date()) - timedelta(weeks=1)
        start = datetime.combine(monday, datetime.min.time(), UTC) + timedelta(days=2)
        for n in range(12):
            source = db.upsert_source(SourceSpec(url=f"https://trend{n}.example.nl/rss",
                                                 name=f"Trendbron {n}"))
            when = start + timedelta(hours=n)
            ids = db.upsert_items(source, [NewItem(
                guid=f"trend-{n}", url=f"https://trend{n}.example.nl/1",
                title=f"{RISING} in wijk {n}", summary=f"De gemeente start een {RISING.lower()}.",
                content_text="Tekst.", content_html="", published_at=when, fetched_at=when,
                lang="nl", content_hash=f"trend-{n}")]).new_ids
            if ids:
                db.set_model_labels([(ids[0], [Label("handhaving", 0.9)])])
    return datetime.combine(monday, datetime.min.time(), UTC)


def bench_archive(db_path: Path, items: int, repeats: int) -> None:
    if not db_path.exists() or _count(db_path) < items:
        seconds, _ = timed(lambda: build(db_path, items))
        print(f"archive built: {items:,} items in {seconds:.0f} s")
    last = add_rising_topic(db_path)
    week = week_of(last.date())
    with make_radar(Settings(db=db_path)) as radar:
        before = radar._db.trend_watermark()
        cpu = time.process_time()
        seconds, counted = timed(radar.count_trends)
        cpu = time.process_time() - cpu
        if counted:
            print(f"count_trends: {counted:,} items in {seconds:.1f} s wall, {cpu:.1f} s CPU "
                  f"({cpu / counted * 1e6:.0f} µs CPU per item: topic keys + one row)")
        rows = radar._db.db.execute("SELECT count(*) FROM trend_items").fetchone()[0]
        print(f"trend_items rows: {rows:,} (watermark {before:,} -> "
              f"{radar._db.trend_watermark():,})")
        cold, report = timed(lambda: radar.trends(week=week))
        top = report.domains[0].topics[0] if report.domains[0].topics else None
        print(f"trends {week_label(week)}: first call {cold:.2f} s (aggregates the weeks it "
              f"needs); top topic: {top.topic if top else '-'} ({top.count if top else 0} "
              "sources)")
        cpu = time.process_time()
        warm = [timed(lambda: radar.trends(week=week))[0] for _ in range(repeats)]
        cpu = (time.process_time() - cpu) / repeats
        print(f"trends in process, warm: median {statistics.median(warm):.3f} s, "
              f"max {max(warm):.3f} s wall, {cpu:.3f} s CPU per call ({repeats} calls)")
        items_in_week = len(radar._db.week_item_terms([week.isoformat()]))
        again = []
        for _ in range(3):  # as after an ingest run: the week is aggregated once more
            radar._db.db.execute("UPDATE trend_weeks SET aggregated = 0 WHERE week = ?",
                                 [week.isoformat()])
            cpu = time.process_time()
            again.append((timed(lambda: radar._aggregate([week]))[0],
                          time.process_time() - cpu))
        print(f"aggregating one week again ({items_in_week:,} items, as for the running "
              f"week after an ingest run): median {statistics.median(a for a, _ in again):.2f} "
              f"s wall, {statistics.median(c for _, c in again):.2f} s CPU")
        counts = radar._db.db.execute("SELECT count(*) FROM trend_counts").fetchone()[0]
        print(f"trend_counts rows: {counts:,}")
    cpu = time.process_time()
    http_times = bench_http(db_path, week_label(week), repeats)
    cpu = (time.process_time() - cpu) / (repeats + 1)
    print(f"GET /trends?week={week_label(week)} over HTTP: median "
          f"{statistics.median(http_times):.3f} s, max {max(http_times):.3f} s wall, "
          f"{cpu:.3f} s CPU per request, client and server ({repeats} requests)")
    size = sum(p.stat().st_size for p in db_path.parent.glob(db_path.name + "*"))
    print(f"database: {size / 2**30:.2f} GiB")


def _count(db_path: Path) -> int:
    with make_radar(Settings(db=db_path)) as radar:
        return radar.count_items()


def bench_http(db_path: Path, week: str, repeats: int) -> list[float]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(Settings(db=db_path)), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    times = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            assert client.get("/trends", params={"week": week}).status_code == 200  # warm-up
            for _ in range(repeats):
                seconds, response = timed(lambda: client.get("/trends", params={"week": week}))
                assert response.status_code == 200 and "handhavingscamera" in response.text
                times.append(seconds)
    finally:
        server.should_exit = True
        thread.join(10)
    return times


def _timing(fn: Callable[[], int], spent: list[float]) -> Callable[[], int]:
    """``fn`` that also appends its wall time to ``spent``."""
    def wrapped() -> int:
        seconds, result = timed(fn)
        spent.append(seconds)
        return int(result)

    return wrapped


def bench_ingest(runs: int, feeds: int, items: int, workers: int) -> None:
    shares = []
    for run in range(runs):
        farm, base = start_farm(feeds, items, 0.05)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                settings = Settings.from_env(db=Path(tmp) / "radar.db", workers=workers,
                                             per_host=workers)
                with make_radar(settings) as radar:
                    radar.sync_sources([SourceSpec(url=f"{base}/feed/{i}.xml", name=f"f {i}")
                                        for i in range(feeds)])
                    spent: list[float] = []
                    radar.count_trends = _timing(  # type: ignore[method-assign]
                        radar.count_trends, spent)
                    total, result = timed(lambda: radar.update(all_sources=True))
        finally:
            farm.terminate()
            farm.wait()
        share = sum(spent) / total
        shares.append(share)
        print(f"run {run + 1}: cold update {total:.2f} s for {result.items_new:,} items "
              f"({result.items_new / total:.0f} items/s); counting {sum(spent):.2f} s = "
              f"{share:.1%} of the update ({sum(spent) / max(result.items_new, 1) * 1e6:.0f} "
              "µs per item)")
    print(f"counting share of a cold update: median {statistics.median(shares):.1%} "
          f"(throughput without it would be {1 / (1 - statistics.median(shares)):.3f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    archive = sub.add_parser("archive")
    archive.add_argument("--db", type=Path, default=Path("/tmp/trends-1m.db"))
    archive.add_argument("--items", type=int, default=1_000_000)
    archive.add_argument("--repeats", type=int, default=5)
    ingest = sub.add_parser("ingest")
    ingest.add_argument("--runs", type=int, default=3)
    ingest.add_argument("--feeds", type=int, default=500)
    ingest.add_argument("--items", type=int, default=20)
    ingest.add_argument("--workers", type=int, default=64)
    args = parser.parse_args()
    if args.what == "archive":
        bench_archive(args.db, args.items, args.repeats)
    else:
        bench_ingest(args.runs, args.feeds, args.items, args.workers)
    print(f"(finished {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")


if __name__ == "__main__":
    main()
