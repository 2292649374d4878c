"""Ingest benchmark: nieuwsradar vs lemon24/reader on a local farm of 500 feeds x 20 items.

The farm (bench/farm.py) runs in its own process, serves generated RSS feeds with 50 ms
latency per response and answers conditional requests with 304. For each tool: a cold
update of all feeds into a fresh database (items/s = items stored / wall time) and a warm
update right after (all 304). Prints the figures and a JSON line for docs/benchmarks.md.

The CPU time of the cold update is summed over this process and all its descendants
(fork server, workers), sampled from /proc, so a loaded machine changes it less than the
wall time. It also times the worker pool's start-up in a fresh process
(``--skip-startup`` leaves it out): the fork server's first start (a new interpreter
importing the worker modules), a later pool (the fork server already running), and
loading the model in a worker; each is the time until one small document came back.

    uv run --group bench python bench/ingest.py [--feeds 500] [--items 20] [--workers 32]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nieuwsradar.config import Settings
from nieuwsradar.core import make_radar
from nieuwsradar.types import SourceSpec

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_farm(feeds: int, items: int, latency: float) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "farm.py"), "--port", str(port), "--feeds", str(feeds),
         "--items", str(items), "--latency", str(latency)],
        stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    if proc.stdout.readline().strip() != "ready":
        raise SystemExit("farm did not start")
    return proc, f"http://127.0.0.1:{port}"


POOL_SCRIPT = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
import ingest
print(json.dumps(ingest.pool_startup(Path(sys.argv[1]))))
"""


class CpuMeter:
    """CPU seconds used by this process and its descendants while the block runs."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self) -> None:
        self.seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            for pid in _descendants(os.getpid()):
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except (FileNotFoundError, ProcessLookupError, IndexError):
                    continue
                self.seen[pid] = (int(fields[11]) + int(fields[12])) / self.TICK

    def __enter__(self) -> CpuMeter:
        self._start = time.process_time()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.cpu_s = time.process_time() - self._start + sum(self.seen.values())


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found + [d for child in found for d in _descendants(child)]


def _first_document(model_path: Path | None) -> float:
    """Seconds from creating a pool to one processed (and classified) document."""
    from nieuwsradar.update import work
    from nieuwsradar.update.pool import WorkerPool

    doc = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
           b"<title>Boa's controleren afval</title><guid>1</guid><description>Handhaving "
           b"in de wijk.</description></item></channel></rss>")
    t0 = time.perf_counter()
    pool = WorkerPool(model_path)
    try:
        processed = asyncio.run(pool.run("http://farm.test/", work.call_process, "feed", doc,
                                         "http://farm.test/", None, None, datetime.now(UTC)))
    finally:
        pool.close()
    assert model_path is None or processed.predictions is not None
    return time.perf_counter() - t0


def pool_startup(model_path: Path) -> dict[str, float]:
    """Pool start-up times in this (fresh) process; see the module docstring."""
    first = _first_document(None)
    later = _first_document(None)
    with_model = _first_document(model_path)
    return {"forkserver_first_s": first, "pool_later_s": later,
            "model_load_s": with_model - later}


def bench_pool_startup(model_path: Path) -> dict[str, float]:
    """:func:`pool_startup` in a fresh interpreter, as a CLI command meets it."""
    out = subprocess.run([sys.executable, "-c", POOL_SCRIPT, str(model_path), str(HERE)],
                         capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def bench_nieuwsradar(base: str, feeds: int, workers: int, tmp: Path) -> dict[str, float]:
    db = tmp / "nieuwsradar.db"
    settings = Settings.from_env(db=db, workers=workers, per_host=workers)
    with make_radar(settings) as radar:
        radar.sync_sources([SourceSpec(url=f"{base}/feed/{i}.xml", name=f"farm {i}")
                            for i in range(feeds)])
        model = radar.model()
        # The ingest stack is imported on first use (a light CLI command never loads it);
        # import it before the clock starts, as make_reader() has imported the reader's.
        importlib.import_module("nieuwsradar.update")
        t0 = time.perf_counter()
        with CpuMeter() as meter:
            cold = radar.update(all_sources=True)
        cold_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        warm = radar.update(all_sources=True)
        warm_s = time.perf_counter() - t0
        stored = radar.count_items()
    if cold.sources_failed or warm.sources_failed:
        print("failures:", [f.error for f in cold.failures + warm.failures][:5], file=sys.stderr)
    return {"cold_s": cold_s, "cold_cpu_s": meter.cpu_s, "warm_s": warm_s, "items": stored,
            "items_per_s": stored / cold_s, "classified": cold.classified,
            "model": 1.0 if model is not None else 0.0,
            "warm_304": sum(1 for r in warm.sources if r.not_modified)}


def bench_reader(base: str, feeds: int, workers: int, tmp: Path) -> dict[str, float]:
    from reader import make_reader

    reader = make_reader(str(tmp / "reader.sqlite"))
    for i in range(feeds):
        reader.add_feed(f"{base}/feed/{i}.xml")
    t0 = time.perf_counter()
    reader.update_feeds(workers=workers, scheduled=False)
    cold_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    reader.update_feeds(workers=workers, scheduled=False)
    warm_s = time.perf_counter() - t0
    stored = reader.get_entry_counts().total
    reader.close()
    return {"cold_s": cold_s, "warm_s": warm_s, "items": stored, "items_per_s": stored / cold_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=64, help="nieuwsradar fetch concurrency")
    parser.add_argument("--reader-workers", type=int, default=16)
    parser.add_argument("--skip-reader", action="store_true")
    parser.add_argument("--skip-startup", action="store_true")
    args = parser.parse_args()
    farm, base = start_farm(args.feeds, args.items, args.latency)
    try:
        with tempfile.TemporaryDirectory() as tmpdir:
            tmp = Path(tmpdir)
            ours = bench_nieuwsradar(base, args.feeds, args.workers, tmp)
            print(f"nieuwsradar: cold {ours['cold_s']:.2f} s, {ours['items']:.0f} items, "
                  f"{ours['items_per_s']:.0f} items/s (classified {ours['classified']:.0f}, "
                  f"{ours['cold_cpu_s']:.1f} CPU s); "
                  f"warm {ours['warm_s']:.2f} s ({ours['warm_304']:.0f} x 304)")
            result: dict[str, Any] = {"nieuwsradar": ours}
            if not args.skip_reader:
                theirs = bench_reader(base, args.feeds, args.reader_workers, tmp)
                print(f"reader:      cold {theirs['cold_s']:.2f} s, {theirs['items']:.0f} items, "
                      f"{theirs['items_per_s']:.0f} items/s; warm {theirs['warm_s']:.2f} s")
                print(f"ratio: {ours['items_per_s'] / theirs['items_per_s']:.2f}x items/s cold, "
                      f"{theirs['warm_s'] / ours['warm_s']:.2f}x faster warm")
                result["reader"] = theirs
    finally:
        farm.terminate()
        farm.wait()
    model = Settings.from_env().model
    if model.exists() and not args.skip_startup:
        startup = bench_pool_startup(model)
        print(f"pool start-up: fork server first start {startup['forkserver_first_s']:.2f} s, "
              f"later pool {startup['pool_later_s']:.2f} s, model load in a worker "
              f"{startup['model_load_s']:.2f} s")
        result["pool_startup"] = startup
    result["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                         "platform": platform.platform()}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
