"""Load run against the search page: 32 concurrent connections for 30 s on loopback.

    uv run python bench/web.py                          # 100,000-item archive
    uv run python bench/web.py --items 50000 --duration 10 --connections 8
    uv run python bench/web.py --db archive.db          # an archive built before

Builds a synthetic archive with ``bench/search.py`` (unless ``--db`` names one), starts
the web app under uvicorn in its own process on a free loopback port, and lets
``--connections`` clients fetch ``/zoeken`` with a mix of queries (rare and common terms,
phrase, prefix, stemmed, filters, NOT, newest first, facet filters, page 2) until
``--duration`` seconds have passed. Prints requests per second, latency percentiles
and every non-200 answer. The run is bounded in time and count and touches only
127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

HERE = Path(__file__).resolve().parent
QUERIES = [
    {"q": "zeldzaamheidsonderzoek"},
    {"q": "gemeente"},
    {"q": "handhavers"},
    {"q": '"illegale kamerverhuur"'},
    {"q": "ondermij*"},
    {"q": "drugslabs"},
    {"q": "toezicht", "domein": "handhaving", "van": "2020-02-01"},
    {"q": "toezicht -handhavers"},
    {"q": "controle", "sorteer": "datum"},
    {"q": "overlast", "bron": "3"},
    {"q": "woningen", "pagina": "2"},
    {},
]
MAX_REQUESTS = 200_000

SERVER = """
import sys, uvicorn
from pathlib import Path
from nieuwsradar.config import Settings
from nieuwsradar.web import create_app
uvicorn.run(create_app(Settings(db=Path(sys.argv[1]))), host="127.0.0.1",
            port=int(sys.argv[2]), log_level="warning", access_log=False)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with code {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer at {url} within {timeout_s:.0f} s")


async def client(base: str, index: int, stop_at: float, latencies: list[float],
                 failures: list[str], counter: list[int]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        n = index
        while time.monotonic() < stop_at and counter[0] < MAX_REQUESTS:
            counter[0] += 1
            path = "/zoeken?" + urlencode(QUERIES[n % len(QUERIES)])
            n += 1
            start = time.perf_counter()
            try:
                response = await http.get(path)
                ok = response.status_code == 200
                if not ok:
                    failures.append(f"{response.status_code} {path}")
            except httpx.HTTPError as exc:
                failures.append(f"{type(exc).__name__} {path}")
                continue
            latencies.append((time.perf_counter() - start) * 1000)


async def load(base: str, connections: int, duration: float) -> tuple[list[float], list[str],
                                                                       float]:
    latencies: list[float] = []
    failures: list[str] = []
    counter = [0]
    begin = time.monotonic()
    stop_at = begin + duration
    await asyncio.gather(*(client(base, i, stop_at, latencies, failures, counter)
                           for i in range(connections)))
    return latencies, failures, time.monotonic() - begin


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="an existing archive (skips building one)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=30.0)
    args = parser.parse_args()
    tmp = None
    db: Path | None = args.db
    if db is None:
        tmp = Path(tempfile.mkdtemp(prefix="nieuwsradar-web-bench-"))
        db = tmp / "bench.db"
        subprocess.run([sys.executable, str(HERE / "search.py"), "--items", str(args.items),
                        "--db", str(db), "--repeat", "1"], check=True,
                       stdout=subprocess.DEVNULL)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "NIEUWSRADAR_SECRET_KEY": "bench"}
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(db), str(port)], env=env)
    try:
        wait_until_up(f"{base}/zoeken?q=gemeente", proc)
        for query in QUERIES:  # warm the page cache and the connections' statements
            httpx.get(f"{base}/zoeken?" + urlencode(query), timeout=60)
        latencies, failures, elapsed = asyncio.run(load(base, args.connections,
                                                        args.duration))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if tmp is not None:
            shutil.rmtree(tmp)
    print(f"{len(latencies):,} pages in {elapsed:.1f} s with {args.connections} connections: "
          f"{len(latencies) / elapsed:,.1f} requests/s; {len(failures)} errors")
    if latencies:
        print(f"latency ms: median {statistics.median(latencies):.0f}, "
              f"p95 {percentile(latencies, 95):.0f}, p99 {percentile(latencies, 99):.0f}, "
              f"max {max(latencies):.0f}")
    for failure in failures[:10]:
        print(f"  {failure}")


if __name__ == "__main__":
    main()
