"""HTTP client benchmark: CPU time of the fetch stage alone, without a profiler.

Fetches every feed of the local farm (bench/farm.py: 500 feeds x 20 items, 50 ms latency,
in its own process) through one :class:`~nieuwsradar.fetch.Fetcher` per round, as an
update run does: a cold round (200 with the body) and a conditional round (the ETags of
the cold round, so every answer is a 304). Each source is held for ``--hold`` seconds
after its fetch, as the worker pool holds it in a real run, so connections sit idle in
the pool between requests the way they do there.

Prints the CPU seconds of this process per round (the farm's CPU is not counted; opening
and closing the Fetcher is) and per request, medians over ``--runs`` rounds. cProfile
charges its own per-call overhead to call-heavy layers like httpx/httpcore/anyio and
inflates their share several times; these figures are the ones to compare.

    uv run python bench/fetch.py [--feeds 500] [--concurrency 64] [--runs 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from ingest import start_farm  # noqa: E402
from nieuwsradar.fetch import Fetcher, FetchLimits  # noqa: E402


async def fetch_round(
    urls: list[str], concurrency: int, hold_s: float, etags: dict[str, str | None],
) -> list[int]:
    """Fetch every URL once (conditionally where ``etags`` has one); return the statuses
    and record the new ETags."""
    gate = asyncio.Semaphore(concurrency)
    async with Fetcher(FetchLimits(), max_connections=concurrency,
                       per_host=concurrency) as fetcher:

        async def one(url: str) -> int:
            async with gate:
                result = await fetcher.fetch(url, etag=etags.get(url))
                etags[url] = result.etag
                await asyncio.sleep(hold_s)
                return result.status

        return await asyncio.gather(*map(one, urls))


def timed_round(urls: list[str], concurrency: int, hold_s: float,
                etags: dict[str, str | None], expect: int) -> float:
    """CPU seconds of this process for one round in a fresh event loop."""
    started = time.process_time()
    statuses = asyncio.run(fetch_round(urls, concurrency, hold_s, etags))
    cpu_s = time.process_time() - started
    wrong = [s for s in statuses if s != expect]
    if wrong:
        raise SystemExit(f"expected HTTP {expect} for every feed, got {wrong[:5]}")
    return cpu_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--hold", type=float, default=0.01,
                        help="seconds each source is held after its fetch")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    farm, base = start_farm(args.feeds, args.items, args.latency)
    try:
        urls = [f"{base}/feed/{i}.xml" for i in range(args.feeds)]
        cold: list[float] = []
        warm: list[float] = []
        for _ in range(args.runs):
            etags: dict[str, str | None] = {}
            cold.append(timed_round(urls, args.concurrency, args.hold, etags, 200))
            warm.append(timed_round(urls, args.concurrency, args.hold, etags, 304))
    finally:
        farm.terminate()
        farm.wait()
    result = {
        "feeds": args.feeds, "concurrency": args.concurrency, "runs": args.runs,
        "cold_cpu_s": statistics.median(cold), "warm_cpu_s": statistics.median(warm),
        "cold_us_per_request": statistics.median(cold) / args.feeds * 1e6,
        "warm_us_per_request": statistics.median(warm) / args.feeds * 1e6,
    }
    print(f"cold (200): {result['cold_cpu_s']:.3f} CPU s per round, "
          f"{result['cold_us_per_request']:.0f} µs per request "
          f"(runs {' · '.join(f'{c:.3f}' for c in sorted(cold))})")
    print(f"warm (304): {result['warm_cpu_s']:.3f} CPU s per round, "
          f"{result['warm_us_per_request']:.0f} µs per request "
          f"(runs {' · '.join(f'{c:.3f}' for c in sorted(warm))})")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
