"""The web app works on at most ``web_concurrency`` reads at once; the rest wait.

A real server (uvicorn) over a real archive; ``Radar.find`` is wrapped to record how many
searches run at the same moment (each made to last 50 ms so they would overlap).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from nieuwsradar.config import Settings
from nieuwsradar.core import SearchRequest, SearchResults
from nieuwsradar.web.limits import concurrency
from support.web import LiveServer, build_archive


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("limits") / "radar.db"
    build_archive(path)
    return path


def _busiest(server: LiveServer, paths: list[str]) -> tuple[int, list[int]]:
    """Fetch ``paths`` at once; return the most searches seen running together and the
    status codes."""
    radar = server.app.state.radar
    real: Callable[[SearchRequest], SearchResults] = radar.find
    running, most = 0, 0
    lock = threading.Lock()

    def find(request: SearchRequest) -> SearchResults:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            time.sleep(0.05)
            return real(request)
        finally:
            with lock:
                running -= 1

    radar.find = find
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client, \
                ThreadPoolExecutor(len(paths)) as pool:
            codes = list(pool.map(lambda p: client.get(p).status_code, paths))
    finally:
        del radar.find
    return most, codes


@pytest.mark.parametrize("limit", [1, 3])
def test_reads_wait_their_turn(archive: Path, limit: int) -> None:
    paths = [f"/api/items?q=handhaving&offset={n}" if n % 2 else f"/zoeken?q=toezicht{n}"
             for n in range(12)]
    with LiveServer(Settings(db=archive, web_concurrency=limit)) as server:
        most, codes = _busiest(server, paths)
    assert codes == [200] * len(paths)
    assert most == limit


def test_health_does_not_wait_behind_busy_pages(archive: Path) -> None:
    with LiveServer(Settings(db=archive, web_concurrency=1)) as server:
        radar: Any = server.app.state.radar
        release = threading.Event()
        real = radar.find

        def slow_find(request: SearchRequest) -> SearchResults:
            release.wait(10)
            return real(request)

        radar.find = slow_find
        try:
            with httpx.Client(base_url=server.url, timeout=30) as client, \
                    ThreadPoolExecutor(2) as pool:
                busy = pool.submit(client.get, "/zoeken?q=toezicht")
                time.sleep(0.2)  # the one slot is taken
                began = time.monotonic()
                health = client.get("/health")
                took = time.monotonic() - began
                release.set()
                assert busy.result().status_code == 200
        finally:
            release.set()
            del radar.find
    assert health.status_code == 200 and took < 5


def test_zero_means_one_per_cpu() -> None:
    assert concurrency(0) >= 2 and concurrency(5) == 5
