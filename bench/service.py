"""Service benchmark: how fast ``nieuwsradar serve`` starts, answers /health, polls when
nothing is due, and stops (idle, and with a poll in flight that must be abandoned).

Every figure is the median (and the maximum) of several runs of a real ``serve`` process
on loopback; the database holds 20 sources that are not due. Prints the figures and a JSON
line for docs/benchmarks.md.

    uv run python bench/service.py [--runs 5] [--requests 300]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from nieuwsradar.config import Settings
from nieuwsradar.core import make_radar
from nieuwsradar.types import SourceSpec

NIEUWSRADAR = str(Path(sys.executable).with_name("nieuwsradar"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as answer:
        answer.read()
        return int(answer.status)


class _Held(BaseHTTPRequestHandler):
    """A feed that never answers while the benchmark runs (a poll kept in flight)."""

    seen = threading.Event()

    def do_GET(self) -> None:
        _Held.seen.set()
        time.sleep(60)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def prepare(db: Path, feeds: Path, held_url: str | None) -> None:
    """20 sources checked a minute ago (not due); optionally one that is due and hangs."""
    feeds.write_text("", encoding="utf-8")
    with make_radar(Settings(db=db, feeds=feeds)) as radar:
        radar.sync_sources([SourceSpec(url=f"http://127.0.0.1:9/{i}.xml", name=f"bron {i}")
                            for i in range(20)])
        later = (datetime.now(UTC) + timedelta(hours=1)).isoformat(timespec="microseconds")
        radar._db._conn.execute("UPDATE sources SET next_check_at = ?", (later,))
        if held_url:
            radar.sync_sources([SourceSpec(url=held_url, name="hangt")])


def start(tmp: Path, port: int) -> tuple[subprocess.Popen[bytes], float]:
    env = {**os.environ, "NIEUWSRADAR_FEEDS": str(tmp / "feeds.toml"),
           "NIEUWSRADAR_POLL_EVERY_S": "1"}
    started = time.perf_counter()
    proc = subprocess.Popen([NIEUWSRADAR, "--db", str(tmp / "radar.db"), "serve", "--port",
                             str(port), "--grace", "1"], cwd=tmp, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            if get(f"http://127.0.0.1:{port}/health") == 200:
                return proc, time.perf_counter() - started
        except OSError:
            time.sleep(0.02)


def stop(proc: subprocess.Popen[bytes]) -> float:
    started = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(30)
    assert code == 0, code
    return time.perf_counter() - started


def summary(values: list[float], scale: float = 1000.0) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return {"median_ms": round(statistics.median(values) * scale, 1),
            "p95_ms": round(p95 * scale, 1), "max_ms": round(max(values) * scale, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    held = ThreadingHTTPServer(("127.0.0.1", 0), _Held)
    held.daemon_threads = True
    threading.Thread(target=held.serve_forever, daemon=True).start()
    held_url = f"http://127.0.0.1:{held.server_address[1]}/feed.xml"
    startup, health, stop_idle, stop_abandon = [], [], [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as name:
            tmp = Path(name)
            prepare(tmp / "radar.db", tmp / "feeds.toml", None)
            port = free_port()
            proc, took = start(tmp, port)
            startup.append(took)
            for _ in range(args.requests // args.runs):
                began = time.perf_counter()
                get(f"http://127.0.0.1:{port}/health")
                health.append(time.perf_counter() - began)
            stop_idle.append(stop(proc))
        with tempfile.TemporaryDirectory() as name:
            tmp = Path(name)
            prepare(tmp / "radar.db", tmp / "feeds.toml", held_url)
            _Held.seen.clear()
            proc, _ = start(tmp, free_port())
            _Held.seen.wait(30)
            stop_abandon.append(stop(proc))
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        prepare(tmp / "radar.db", tmp / "feeds.toml", None)
        polls = []
        with make_radar(Settings(db=tmp / "radar.db", feeds=tmp / "feeds.toml")) as radar:
            for _ in range(20):
                began = time.perf_counter()
                radar.poll()
                polls.append(time.perf_counter() - began)
    figures = {"startup_to_health": summary(startup), "health_request": summary(health),
               "idle_poll": summary(polls), "stop_idle": summary(stop_idle),
               "stop_abandoning_poll_grace_1s": summary(stop_abandon),
               "runs": args.runs, "requests": len(health), "cpus": os.cpu_count()}
    for key, value in figures.items():
        print(f"{key:32} {value}")
    print(json.dumps(figures))
    held.shutdown()


if __name__ == "__main__":
    main()
