"""``nieuwsradar serve`` as a real process: scheduled polls of a local feed server, /health,
SIGTERM mid-poll, and a CLI update beside the service, all on one real SQLite file."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nieuwsradar.storage import open_storage
from support.feeds import rss_feed
from support.httpd import LocalHTTPServer, Route

pytestmark = pytest.mark.slow
#: The installed console script of the environment running the tests.
NIEUWSRADAR = [str(Path(sys.executable).with_name("nieuwsradar"))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], bool], timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout} s")
        time.sleep(0.1)


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class Serve:
    """A ``nieuwsradar serve`` subprocess on a free port with its own environment."""

    def __init__(self, tmp: Path, *, poll_every_s: int = 1, extra: tuple[str, ...] = ()) -> None:
        self.db = tmp / "radar.db"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / "serve.log"
        self.env = {**os.environ, "NIEUWSRADAR_FEEDS": str(tmp / "feeds.toml"),
                    "NIEUWSRADAR_MODEL": str(tmp / "geen-model.skops"),
                    "NIEUWSRADAR_POLL_EVERY_S": str(poll_every_s)}
        self.env.pop("NIEUWSRADAR_DB", None)
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [*NIEUWSRADAR, "--db", str(self.db), "serve",
                 "--port", str(self.port), "--log-format", "json", "--grace", "1", *extra],
                cwd=tmp, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        wait_for(self.up, what="the service answering /health")

    def up(self) -> bool:
        assert self.proc.poll() is None, self.log.read_text()
        try:
            return get(self.url + "/health")[0] in (200, 503)
        except OSError:
            return False

    def health(self) -> tuple[int, dict[str, object]]:
        status, body = get(self.url + "/health")
        return status, json.loads(body)

    def terminate(self, timeout: float = 10.0) -> tuple[int, float]:
        """SIGTERM; the exit status and how long the process took to end."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        return code, time.monotonic() - started

    def events(self) -> list[dict[str, object]]:
        lines = self.log.read_text().splitlines()
        bad = [line for line in lines if not line.startswith("{")]
        assert not bad, bad
        return [json.loads(line) for line in lines if line]

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*NIEUWSRADAR, "--db", str(self.db),
                               *args], cwd=self.db.parent, env=self.env, capture_output=True,
                              text=True, timeout=60, check=False)


def held_until(release: threading.Event, body: bytes) -> Route:
    """A route whose answers wait until the test sets ``release`` (a poll kept in flight)."""
    return Route(handler=lambda _request: Route(body=body) if release.wait(120) else
                 Route(status=503))


def write_feeds(tmp: Path, server: LocalHTTPServer, *names: str) -> None:
    (tmp / "feeds.toml").write_text("".join(
        f'[[source]]\nname = "{name}"\nurl = "{server.url(f"/{name}.xml")}"\n\n'
        for name in names), encoding="utf-8")


def items_per_source(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute(
            "SELECT s.name, count(i.id) FROM sources s LEFT JOIN items i "
            "ON i.source_id = s.id GROUP BY s.id"))


@pytest.fixture
def server() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as srv:
        for name, count in (("een", 4), ("twee", 3), ("drie", 5)):
            srv.route(f"/{name}.xml", Route(body=rss_feed(name, count)))
        yield srv


@pytest.fixture
def running() -> Iterator[list[Serve]]:
    """Services started by a test; any still running at the end is killed."""
    started: list[Serve] = []
    yield started
    for service in started:
        if service.proc.poll() is None:
            service.proc.kill()
            service.proc.wait(10)


def test_serve_polls_on_schedule_and_serves_what_it_stored(
        tmp_path: Path, server: LocalHTTPServer, running: list[Serve]) -> None:
    write_feeds(tmp_path, server, "een")
    service = Serve(tmp_path)
    running.append(service)
    wait_for(lambda: items_per_source(service.db) == {"een": 4}, what="first poll")
    # A source added to feeds.toml while the service runs is polled within seconds.
    write_feeds(tmp_path, server, "een", "twee")
    wait_for(lambda: items_per_source(service.db) == {"een": 4, "twee": 3},
             what="the scheduled poll of the new source")
    with sqlite3.connect(service.db) as conn:
        item_id, title = conn.execute("SELECT id, title FROM items LIMIT 1").fetchone()
    status, page = get(f"{service.url}/item/{item_id}")
    assert status == 200 and title.split(":")[0] in page.decode()
    status, health = service.health()
    poll = health["last_poll"]
    assert status == 200 and isinstance(poll, dict) and poll["error"] is None
    assert len(server.requests_for("/een.xml")) == 1, "a source is polled on its interval"
    code, took = service.terminate()
    assert code == 0 and took < 5
    messages = [e["message"] for e in service.events()]
    assert "stopped" in messages
    assert any(str(m).startswith("poll: 1 sources checked") for m in messages)
    assert any('"GET /health HTTP/1.1" 200' in str(m) for m in messages), "access log"


def test_sigterm_mid_poll_exits_promptly_and_leaves_every_source_whole(
        tmp_path: Path, server: LocalHTTPServer, running: list[Serve]) -> None:
    release = threading.Event()
    server.route("/traag.xml", held_until(release, rss_feed("traag", 6)))
    write_feeds(tmp_path, server, "een", "drie", "traag")
    service = Serve(tmp_path)
    running.append(service)
    wait_for(lambda: bool(server.requests_for("/traag.xml")), what="the slow fetch")
    wait_for(lambda: items_per_source(service.db).get("drie") == 5, what="the fast sources")
    try:
        code, took = service.terminate()
    finally:
        release.set()
    assert code == 0, service.log.read_text()
    assert took < 10, f"took {took:.1f} s to stop"
    assert any(e["level"] == "WARNING" and "abandoning" in str(e["message"])
               for e in service.events())
    with open_storage(service.db) as storage:
        assert storage.check_integrity() == []
    assert items_per_source(service.db) == {"een": 4, "drie": 5, "traag": 0}
    with sqlite3.connect(service.db) as conn:
        checked = conn.execute(
            "SELECT last_checked_at FROM sources WHERE name = 'traag'").fetchone()[0]
        started, finished = (conn.execute("SELECT value FROM meta WHERE key = ?", (k,))
                             .fetchone() for k in ("poll.started_at", "poll.finished_at"))
    assert checked is None, "the abandoned source is untouched and fetched again next time"
    assert started is not None and (finished is None or finished[0] < started[0]), (
        "the abandoned poll stays visible as never finished")
    # The abandoned run's lease does not block the next one (its process is gone).
    server.route("/traag.xml", Route(body=rss_feed("traag", 6)))
    again = service.cli("update")
    assert again.returncode == 0, again.stdout + again.stderr
    assert items_per_source(service.db)["traag"] == 6


def test_cli_update_during_a_poll_is_safe(
        tmp_path: Path, server: LocalHTTPServer, running: list[Serve]) -> None:
    release = threading.Event()
    server.route("/traag.xml", held_until(release, rss_feed("traag", 6)))
    write_feeds(tmp_path, server, "een", "traag")
    service = Serve(tmp_path)
    running.append(service)
    wait_for(lambda: bool(server.requests_for("/traag.xml")), what="the slow fetch")
    wait_for(lambda: items_per_source(service.db).get("een") == 4, what="the fast source")
    try:
        done = service.cli("update", "--all")
    finally:
        release.set()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "locked" not in done.stdout + done.stderr
    assert len(server.requests_for("/traag.xml")) == 1, "the service's run holds its lease"
    assert len(server.requests_for("/een.xml")) == 2, "the CLI fetched the rest"
    wait_for(lambda: items_per_source(service.db) == {"een": 4, "traag": 6},
             what="the service's poll finishing", timeout=60)
    code, _ = service.terminate()
    assert code == 0
    with open_storage(service.db) as storage:
        assert storage.check_integrity() == []
    assert items_per_source(service.db) == {"een": 4, "traag": 6}, "no item stored twice"


def test_health_turns_503_when_the_database_goes_and_200_when_it_is_back(
        tmp_path: Path, server: LocalHTTPServer, running: list[Serve]) -> None:
    write_feeds(tmp_path, server, "een")
    server.route("/een.xml", Route(status=500))
    service = Serve(tmp_path, extra=("--no-scheduler",))
    running.append(service)
    status, health = service.health()
    assert status == 200 and health["status"] == "ok" and health["failing_sources"] == []
    moved = tmp_path / "elders.db"
    service.db.rename(moved)
    status, health = service.health()
    assert status == 503 and health["status"] == "unavailable"
    assert "does not exist" in str(health["database"])
    moved.rename(service.db)
    assert service.health()[0] == 200
    code, _ = service.terminate()
    assert code == 0


def test_a_taken_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [*NIEUWSRADAR, "--db", str(tmp_path / "r.db"), "serve",
             "--port", str(port)], cwd=tmp_path, capture_output=True, text=True, timeout=30,
            check=False)
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "another port" in done.stderr


def test_an_unusable_database_is_a_clear_error_before_serving(tmp_path: Path) -> None:
    done = subprocess.run(
        [*NIEUWSRADAR, "--db", str(tmp_path / "nergens" / "r.db"), "serve", "--port",
         str(free_port())], cwd=tmp_path, capture_output=True, text=True, timeout=60,
        check=False)
    assert done.returncode == 1
    assert "directory" in done.stderr and "does not exist" in done.stderr
    assert "Traceback" not in done.stderr


def test_demo_serves_its_archive_with_a_working_coordinator_until_ctrl_c(
        tmp_path: Path) -> None:
    port = free_port()
    out = tmp_path / "demo.out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIEUWSRADAR_")}
    with out.open("wb") as sink:
        proc = subprocess.Popen([*NIEUWSRADAR, "demo", "--web-port", str(port)], cwd=tmp_path,
                                env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: "Stop met Ctrl-C." in out.read_text() or proc.poll() is not None,
                 timeout=90, what="the demo serving")
        text = out.read_text()
        assert f"De webapp draait op http://127.0.0.1:{port}" in text, text
        email, password = text.split("e-mailadres ")[1].split("\n")[0].split(", wachtwoord ")
        status, page = get(f"http://127.0.0.1:{port}/")
        assert status == 200 and "bodycam" in page.decode().lower()
        status, body = get(f"http://127.0.0.1:{port}/health")
        assert status == 200 and json.loads(body)["last_poll"]["started_at"]
        from nieuwsradar.config import Settings
        from nieuwsradar.core import make_radar

        with make_radar(Settings(db=tmp_path / "nieuwsradar-demo.db")) as radar:
            assert radar.sign_in(email, password, client="test").email == email
        proc.send_signal(signal.SIGINT)
        assert proc.wait(15) == 0
        assert out.read_text().rstrip().endswith("Gestopt.")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
