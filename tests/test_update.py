"""The ingest orchestrator end to end: a real local HTTP server, a real SQLite file."""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from nieuwsradar.config import Settings
from nieuwsradar.core import Radar, SearchRequest, make_radar
from nieuwsradar.errors import ConfigError, FetchError, ParseError
from nieuwsradar.types import SourceSpec, UpdateResult
from nieuwsradar.update import work
from nieuwsradar.update.pool import WorkerPool
from support.httpd import LocalHTTPServer, Route

STORY = (
    "Het kabinet stelt de komende drie jaar jaarlijks acht miljoen euro beschikbaar voor "
    "bodycams bij gemeentelijke boa's. Gemeenten kunnen vanaf januari een aanvraag indienen "
    "bij het ministerie. Uit een pilot in twaalf gemeenten bleek dat agressie tegen handhavers "
    "afneemt wanneer zij een camera dragen. De VNG noemt de bijdrage een goede eerste stap, "
    "maar wijst erop dat opleiding en beheer van de beelden ook geld kosten."
)
OTHER = [
    ("Nieuw omgevingsplan vastgesteld", "De gemeenteraad heeft het eerste omgevingsplan "
     "vastgesteld met regels voor bouwen, milieu en geluid in het centrum en de wijken."),
    ("Energietoeslag voor minima verhoogd", "Huishoudens met een laag inkomen krijgen deze "
     "winter een hogere energietoeslag van de gemeente, meldt de wethouder armoedebeleid."),
    ("Drugslab ontmanteld in schuur", "In een schuur in het buitengebied is een drugslab "
     "ontmanteld; de burgemeester sluit het pand op grond van de Opiumwet."),
]
NOW = datetime.now(UTC).replace(microsecond=0)


def rss(items: list[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 document of (guid, title, text) items, newest first."""
    body = "".join(
        f"<item><title>{escape(t)}</title><link>https://bron.test/{g}?utm_source=rss</link>"
        f"<guid>{g}</guid><pubDate>{format_datetime(NOW - timedelta(hours=i))}</pubDate>"
        f"<description>{escape('<p>' + x + '</p>')}</description></item>"
        for i, (g, t, x) in enumerate(items))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>t</title><link>https://bron.test/</link>{body}</channel></rss>").encode()


@pytest.fixture
def server() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as srv:
        first = [("a1", "Geld voor bodycams voor boa's", STORY)]
        rest = [(f"a{i + 2}", t, x) for i, (t, x) in enumerate(OTHER)]
        srv.route("/a.xml", Route(body=rss(first + rest), etag='"a-v1"'))
        srv.route("/b.xml", Route(body=rss([(
            "b1", "Kabinet: bodycams voor handhavers",
            "Dit bericht verscheen eerder bij de VNG. " + STORY)]), etag='"b-v1"'))
        srv.route("/kapot.xml", Route(status=500, body=b"stuk"))
        srv.route("/weg.xml", Route(status=410, body=b"gone"))
        srv.route("/rommel.xml", Route(body=b"<html><body>geen feed</body></html>",
                                       headers={"Content-Type": "text/html"}))
        yield srv


@pytest.fixture
def radar(tmp_path: Path, server: LocalHTTPServer) -> Iterator[Radar]:
    settings = Settings(db=tmp_path / "radar.db", model=tmp_path / "no-model.npz")
    with make_radar(settings) as r:
        r.sync_sources([
            SourceSpec(url=server.url(p), name=n) for p, n in (
                ("/a.xml", "Bron A"), ("/b.xml", "Bron B"), ("/kapot.xml", "Kapot"),
                ("/weg.xml", "Weg"), ("/rommel.xml", "Rommel"))])
        yield r


def test_update_stores_items_and_records_failures(radar: Radar) -> None:
    result = radar.update(all_sources=True)
    assert result.sources_ok == 2 and result.sources_failed == 3
    assert result.items_new == 5
    errors = {f.name: f.error or "" for f in result.failures}
    assert "500" in errors["Kapot"] and "410" in errors["Weg"]
    assert "Rommel" in errors
    health = {s.spec.name: s for s in radar.sources()}
    assert health["Kapot"].error_count == 1 and health["Kapot"].last_error
    assert health["Bron A"].last_ok_at is not None and health["Bron A"].error_count == 0
    assert health["Kapot"].next_check_at is not None
    assert health["Kapot"].next_check_at > health["Bron A"].last_ok_at  # backoff


def test_same_story_in_two_sources_is_one_cluster(radar: Radar) -> None:
    result = radar.update(all_sources=True)
    assert result.duplicates == 1
    (story,) = radar.multi_source_stories()
    assert {it.source_name for it in story} == {"Bron A", "Bron B"}


def test_second_update_is_conditional_and_adds_nothing(
        radar: Radar, server: LocalHTTPServer) -> None:
    radar.update(all_sources=True)
    again = radar.update(all_sources=True)
    assert again.items_new == 0
    assert {r.name for r in again.sources if r.not_modified} == {"Bron A", "Bron B"}
    assert server.requests_for("/a.xml")[-1].headers["if-none-match"] == '"a-v1"'
    # failing sources are backed off, so a normal (not --all) update skips them
    due = radar.update()
    assert {r.name for r in due.sources} <= {"Bron A", "Bron B"}


def test_deleted_item_never_comes_back(radar: Radar, server: LocalHTTPServer) -> None:
    radar.update(all_sources=True)
    hit = radar.find(SearchRequest(text="omgevingsplan")).hits[0]
    radar.delete_item(hit.item.id)
    server.route("/a.xml", Route(body=rss([(f"a{i + 2}", t, x + " Bijgewerkt.")
                                           for i, (t, x) in enumerate(OTHER)]), etag='"a-v2"'))
    radar.update(all_sources=True)
    assert radar.find(SearchRequest(text="omgevingsplan")).total == 0
    assert radar.find(SearchRequest(text="energietoeslag")).total == 1


def test_search_finds_stored_items_with_dutch_stemming(radar: Radar) -> None:
    radar.update(all_sources=True)
    assert radar.find(SearchRequest(text="bodycam")).total == 2
    assert radar.find(SearchRequest(text="drugslabs")).total == 1
    assert radar.find(SearchRequest(text="(( boa's \"x")).total >= 0


KILL_SCRIPT = """
import sys
from pathlib import Path
from nieuwsradar.config import Settings
from nieuwsradar.core import make_radar
from nieuwsradar.types import SourceSpec
db, base, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
with make_radar(Settings(db=db, model=Path("/nonexistent"), workers=4)) as radar:
    radar.sync_sources([SourceSpec(url=f"{base}/f{i}.xml", name=f"f{i}") for i in range(n)])
    print("go", flush=True)
    radar.update(all_sources=True)
"""


def test_kill_during_update_leaves_a_consistent_database(tmp_path: Path) -> None:
    feeds = 60
    with LocalHTTPServer(latency_s=0.05) as srv:
        for i in range(feeds):
            srv.route(f"/f{i}.xml", Route(body=rss([
                (f"f{i}-{j}", f"Bericht {j} van bron {i}", f"{STORY} Variant {i}-{j}.")
                for j in range(20)])))
        db = tmp_path / "kill.db"
        proc = subprocess.Popen(
            [sys.executable, "-c", KILL_SCRIPT, str(db), srv.base_url, str(feeds)],
            stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "go"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            time.sleep(0.05)
            if _count(db, "SELECT count(*) FROM sources WHERE last_ok_at IS NOT NULL") >= 5:
                break
        workers = _descendants(proc.pid)
        assert len(workers) >= 2, "the update should have a fork server and workers"
        proc.kill()
        proc.wait()
        assert _all_gone(workers), "workers must not outlive a killed update"
        done = _count(db, "SELECT count(*) FROM sources WHERE last_ok_at IS NOT NULL")
        assert 0 < done < feeds, "kill should land mid-run"
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            # every source is all-or-nothing: written sources have all 20 items, others none
            per_source = conn.execute(
                "SELECT s.last_ok_at IS NOT NULL, count(i.id) FROM sources s "
                "LEFT JOIN items i ON i.source_id = s.id GROUP BY s.id").fetchall()
            assert all(n == (20 if ok else 0) for ok, n in per_source), per_source
        with make_radar(Settings(db=db, model=Path("/nonexistent"))) as radar:
            assert not radar._db.check_integrity()
            radar.update(all_sources=True)
            assert radar.count_items() == feeds * 20
            assert radar.find(SearchRequest(text="bodycams")).total == feeds * 20


def _count(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _children(pid: int) -> list[int]:
    """Children started by any thread of ``pid``."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found


def _descendants(pid: int) -> list[int]:
    """Children, grandchildren, ... (workers are children of the fork server)."""
    found = _children(pid)
    return found + [d for child in found for d in _descendants(child)]


def _all_gone(pids: list[int], timeout_s: float = 10.0) -> bool:
    """True when every pid has exited (a zombie waiting for its reaper counts as exited)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except (FileNotFoundError, ProcessLookupError):
                continue
            if state != "Z":
                alive.append(pid)
        if not alive:
            return True
        time.sleep(0.1)
    return False


def test_a_worker_crash_fails_only_that_document(tmp_path: Path) -> None:
    """A document that kills a worker process (a crash in a C parser) is skipped with a
    clear error; the pool is renewed and the next documents are processed."""
    pool = WorkerPool(None)

    async def scenario() -> work.Processed:
        with pytest.raises(ParseError, match="crashed on this document twice"):
            await pool.run("https://bron.test/boem", os._exit, 3)
        return await pool.run(
            "https://bron.test/a", work.call_process, "feed",
            rss([("x1", "Titel", STORY)]), "https://bron.test/a", None, None, NOW)

    try:
        processed = asyncio.run(scenario())
    finally:
        pool.close()
    assert [it.guid for it in processed.items] == ["x1"]


def test_errors_survive_the_trip_from_a_worker_process() -> None:
    errors = [ParseError("https://a.nl/feed", "geen feed"),
              FetchError("https://a.nl", "HTTP 503", status=503, retry_after_s=60.0),
              ConfigError("unknown kind", path="feeds.toml", line=4, field="kind")]
    for error in errors:
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error) and str(back) == str(error)
        assert vars(back) == vars(error)


# --- the worker pool inside a threaded process --------------------------------------------

def test_update_from_a_thread_while_other_threads_are_busy(radar: Radar) -> None:
    """The service runs updates in a scheduler thread beside web threads. Workers come
    from a fork server, never from forking this threaded process."""
    stop = threading.Event()
    guard = threading.Lock()

    def busy() -> None:
        while not stop.is_set():
            with guard:  # a lock held by another thread at any moment
                sum(range(2000))
            logging.getLogger("nieuwsradar.test.busy").debug("bezig")

    noise = [threading.Thread(target=busy, daemon=True) for _ in range(4)]
    for thread in noise:
        thread.start()
    outcome: dict[str, UpdateResult] = {}
    runner = threading.Thread(target=lambda: outcome.update(r=radar.update(all_sources=True)))
    try:
        runner.start()
        runner.join(timeout=90)
    finally:
        stop.set()
    assert not runner.is_alive(), "the update did not finish"
    assert outcome["r"].items_new == 5 and outcome["r"].sources_ok == 2


def test_workers_are_not_forked_from_the_calling_process() -> None:
    pool = WorkerPool(None)
    try:
        parent = asyncio.run(pool.run("https://bron.test/x", os.getppid))
    finally:
        pool.close()
    assert parent != os.getpid(), "workers must come from the fork server"


# --- leases: concurrent updates never fetch one source at the same time -------------------

def test_two_concurrent_updates_fetch_each_feed_once(tmp_path: Path) -> None:
    feeds = 12
    db = tmp_path / "twee.db"
    with LocalHTTPServer(latency_s=1.0) as srv:
        for i in range(feeds):
            srv.route(f"/f{i}.xml", Route(body=rss([(f"f{i}-1", f"Bericht van bron {i}",
                                                     f"{STORY} Bron {i}.")])))
        with make_radar(Settings(db=db, model=tmp_path / "geen.skops")) as radar:
            radar.sync_sources([SourceSpec(url=srv.url(f"/f{i}.xml"), name=f"f{i}")
                                for i in range(feeds)])
        env = {**os.environ, "NIEUWSRADAR_MODEL": str(tmp_path / "geen.skops")}
        cli = str(Path(sys.executable).with_name("nieuwsradar"))
        procs = [subprocess.Popen([cli, "--db", str(db), "update"], cwd=tmp_path, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
        outputs = [proc.communicate(timeout=60) for proc in procs]
        for proc, (out, err) in zip(procs, outputs, strict=True):
            assert proc.returncode == 0, err
            assert "locked" not in err + out
        counts = {i: len(srv.requests_for(f"/f{i}.xml")) for i in range(feeds)}
    assert counts == dict.fromkeys(range(feeds), 1)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == feeds
        assert conn.execute(
            "SELECT count(*) FROM sources WHERE lease_owner IS NOT NULL").fetchone()[0] == 0


def _lease_of(db: Path, url: str) -> tuple[str | None, str | None]:
    with sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT lease_owner, lease_until FROM sources WHERE url = ?",
                            (url,)).fetchone()


def test_a_long_run_renews_its_leases_so_another_update_never_takes_its_source(
        tmp_path: Path) -> None:
    """An update that holds a source longer than one lease keeps it: a second update
    started after the first lease would have expired fetches nothing (regression: the
    lease was never renewed, so the second run fetched the slow source again)."""
    lease_s, slow_s = 2, 15
    db = tmp_path / "lang.db"
    env = {**os.environ, "NIEUWSRADAR_MODEL": str(tmp_path / "geen.skops"),
           "NIEUWSRADAR_LEASE_S": str(lease_s)}
    cli = str(Path(sys.executable).with_name("nieuwsradar"))
    with LocalHTTPServer() as srv:
        srv.route("/traag.xml", Route(body=rss([("t-1", "Traag bericht", STORY)]),
                                      delay_s=slow_s))
        for i in range(3):
            srv.route(f"/f{i}.xml", Route(body=rss([(f"f{i}-1", f"Bericht {i}", STORY)])))
        slow = srv.url("/traag.xml")
        with make_radar(Settings(db=db, model=tmp_path / "geen.skops")) as radar:
            radar.sync_sources([SourceSpec(url=slow, name="traag"), *(
                SourceSpec(url=srv.url(f"/f{i}.xml"), name=f"f{i}") for i in range(3))])
        first = subprocess.Popen([cli, "--db", str(db), "update"], cwd=tmp_path, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 30
            while not srv.requests_for("/traag.xml"):
                assert time.monotonic() < deadline and first.poll() is None
                time.sleep(0.05)
            owner, until = _lease_of(db, slow)
            time.sleep(lease_s + 1.5)  # the lease taken at the start would have expired
            renewed_owner, renewed_until = _lease_of(db, slow)
            assert renewed_owner == owner is not None
            assert until is not None and renewed_until is not None and renewed_until > until
            assert datetime.fromisoformat(renewed_until) > datetime.now(UTC)
            second = subprocess.run([cli, "--db", str(db), "update"], cwd=tmp_path, env=env,
                                    capture_output=True, text=True, timeout=60, check=False)
            assert second.returncode == 0, second.stderr
            assert len(srv.requests_for("/traag.xml")) == 1, second.stdout
            assert "0 bronnen bijgewerkt" in second.stdout, second.stdout
            assert first.poll() is None, "the first run ended early: the test proves nothing"
            out, err = first.communicate(timeout=60)
        finally:
            if first.poll() is None:
                first.kill()
                first.communicate()
        assert first.returncode == 0, err
        assert "4 bronnen bijgewerkt" in out and "0 mislukt" in out, out
        assert len(srv.requests_for("/traag.xml")) == 1
    assert _lease_of(db, slow) == (None, None)


def test_leases_are_exclusive_until_released_or_expired(radar: Radar) -> None:
    db = radar._db
    now = datetime.now(UTC)
    first = db.claim_sources("host:1:a", now=now, until=now + timedelta(minutes=15))
    assert len(first) == 5
    assert db.claim_sources("host:2:b", now=now, until=now + timedelta(minutes=15)) == []
    later = now + timedelta(minutes=16)  # the first run was killed: its leases expired
    again = db.claim_sources("host:2:b", now=later, until=later + timedelta(minutes=15),
                             due_only=False)
    assert {s.id for s in again} == {s.id for s in first}
    db.release_sources("host:2:b")
    assert len(db.claim_sources("host:3:c", now=now, until=now + timedelta(minutes=1))) == 5


def test_leases_of_a_dead_process_on_this_host_are_taken_over(radar: Radar) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    now = datetime.now(UTC)
    owner = f"{socket.gethostname()}:{dead}:cafe"
    assert len(radar._db.claim_sources(owner, now=now, until=now + timedelta(hours=1))) == 5
    result = radar.update(all_sources=True)
    assert len(result.sources) == 5 and result.items_new == 5
