"""Faults one source brings into an update: they fail that source alone, never the run.

Each test runs a real update against a local HTTP server into a real SQLite file, with
several sources in one write batch.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from nieuwsradar.config import Settings
from nieuwsradar.core import Radar, SearchRequest, make_radar
from nieuwsradar.parse.normalise import safe_line, safe_text
from nieuwsradar.storage import open_storage
from nieuwsradar.types import SourceSpec
from support.httpd import LocalHTTPServer, RecordedRequest, Route

NOW = datetime.now(UTC).replace(microsecond=0)
TEXT = ("De gemeenteraad heeft het handhavingsprogramma vastgesteld, met meer toezicht op "
        "overlast en afval in de wijken en een extra boa voor het centrum.")
#: Characters no stored title or text may hold (tab and newline only in titles).
FORBIDDEN = {chr(c) for c in [*range(0x00, 0x09), *range(0x0b, 0x20), *range(0x7f, 0xa0),
                              *range(0x202a, 0x202f), *range(0x2066, 0x206a)]}


def rss(items: list[tuple[str, str, str]], *, title: str = "t") -> bytes:
    """An RSS 2.0 document of (guid, title, link path) items."""
    body = "".join(
        f"<item><title>{escape(t)}</title><link>https://bron.test/{link}</link>"
        f"<guid>{escape(g)}</guid><pubDate>{format_datetime(NOW - timedelta(hours=i))}"
        f"</pubDate><description>{escape('<p>' + TEXT + '</p>')}</description></item>"
        for i, (g, t, link) in enumerate(items))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{title}</title><link>https://bron.test/</link>{body}"
            "</channel></rss>").encode()


def healthy(n: int) -> bytes:
    return rss([(f"h{n}-{j}", f"Bericht {j} van bron {n}", f"h{n}/{j}") for j in range(3)])


@pytest.fixture
def server() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as srv:
        for n in range(4):
            srv.route(f"/ok{n}.xml", Route(body=healthy(n)))
        yield srv


def open_radar(tmp_path: Path, server: LocalHTTPServer, *paths: str) -> Radar:
    radar = make_radar(Settings(db=tmp_path / "radar.db", model=tmp_path / "no-model.skops"))
    radar.sync_sources([SourceSpec(url=server.url(p), name=p.strip("/")) for p in
                        (*paths, *(f"/ok{n}.xml" for n in range(4)))])
    return radar


def stored(radar: Radar) -> dict[str, int]:
    return {s.spec.name: s.item_count for s in radar.sources()}


# --- defect 2: one bad item or source never costs the others ------------------------------

LONE_SURROGATE_FEED = (
    b'{"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": ['
    b'{"id": "\\udfff", "content_text": "Een item met een kapotte id en zonder url."},'
    b'{"id": "goed-1", "url": "https://bron.test/goed", "title": "Goed \\ud800 item",'
    b' "content_text": "Dit item is in orde."}]}'
)


def test_lone_surrogate_item_is_repaired_and_every_source_is_stored(
        tmp_path: Path, server: LocalHTTPServer) -> None:
    server.route("/json.json", Route(body=LONE_SURROGATE_FEED,
                                     headers={"Content-Type": "application/feed+json"}))
    with open_radar(tmp_path, server, "/json.json") as radar:
        result = radar.update(all_sources=True)
        assert result.sources_failed == 0, result.failures
        counts = stored(radar)
        assert counts == {"json.json": 2, **{f"ok{n}.xml": 3 for n in range(4)}}
        titles = {hit.item.title for hit in radar.find(SearchRequest("item")).hits}
    assert "Goed \ufffd item" in titles
    with sqlite3.connect(tmp_path / "radar.db") as conn:
        guids = {g for (g,) in conn.execute("SELECT guid FROM items")}
    assert "\ufffd" in guids


def test_a_source_that_cannot_be_written_fails_alone_with_its_error_logged(
        tmp_path: Path, server: LocalHTTPServer, caplog: pytest.LogCaptureFixture) -> None:
    """A failure inside the writer (here: the storage refuses one source's items) fails
    that source with its error recorded and logged with a traceback; the sources written
    in the same batch are stored."""
    server.route("/boos.xml", Route(body=healthy(9)))
    with open_radar(tmp_path, server, "/boos.xml") as radar:
        bad_id = next(s.id for s in radar.sources() if s.spec.name == "boos.xml")
        with sqlite3.connect(tmp_path / "radar.db") as conn:
            conn.execute(  # the database itself refuses this source's items
                "CREATE TRIGGER refuse BEFORE INSERT ON items WHEN new.source_id = "
                f"{bad_id} BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END")
        with caplog.at_level(logging.WARNING, logger="nieuwsradar"):
            result = radar.update(all_sources=True)
        (failure,) = result.failures
        assert failure.name == "boos.xml" and "refused by test trigger" in (failure.error or "")
        health = {s.spec.name: s for s in radar.sources()}
        assert health["boos.xml"].error_count == 1
        assert "refused by test trigger" in (health["boos.xml"].last_error or "")
        assert {n: h.item_count for n, h in health.items()} == {
            "boos.xml": 0, **{f"ok{n}.xml": 3 for n in range(4)}}
    logged = [r for r in caplog.records if "boos.xml" in r.getMessage()]
    assert logged and any(r.exc_info for r in logged), "the traceback must be logged"


def test_a_broken_document_logs_its_traceback(
        tmp_path: Path, server: LocalHTTPServer, caplog: pytest.LogCaptureFixture) -> None:
    server.route("/rommel.xml", Route(body=b"<html><body>geen feed</body></html>",
                                      headers={"Content-Type": "text/html"}))
    with open_radar(tmp_path, server, "/rommel.xml") as radar, \
            caplog.at_level(logging.WARNING, logger="nieuwsradar"):
        result = radar.update(all_sources=True)
    assert [f.name for f in result.failures] == ["rommel.xml"]
    (record,) = [r for r in caplog.records if "rommel.xml" in r.getMessage()]
    assert record.exc_info is not None


# --- defect 3: a source removed while the update runs ------------------------------------

def test_source_removed_during_the_update_is_skipped(
        tmp_path: Path, server: LocalHTTPServer) -> None:
    db = tmp_path / "radar.db"
    removed = threading.Event()

    def remove_me(request: RecordedRequest) -> Route:
        """The coordinator removes this source while the update is fetching it."""
        with open_storage(db) as storage:
            source_id = storage.source_id_by_url(server.url(request.path))
            assert source_id is not None
            storage.remove_source(source_id)
        removed.set()
        return Route(body=healthy(7))

    server.route("/weg.xml", Route(handler=remove_me))
    with open_radar(tmp_path, server, "/weg.xml") as radar:
        result = radar.update(all_sources=True)
        assert removed.is_set()
        (failure,) = result.failures
        assert failure.url == server.url("/weg.xml") and "removed" in (failure.error or "")
        assert stored(radar) == {f"ok{n}.xml": 3 for n in range(4)}
        assert result.items_new == 12


# --- defect 4: control characters and bidi overrides --------------------------------------

HOSTILE = [
    "Scherm\x1b[2J\x1b[H leeg",
    "Titel\x1b]0;gekaapt\x07 venster",
    "Bel\x07 en nul\x00 en del\x7f",
    "Omgekeerd \u202egnitset\u202c en \u2066isolaat\u2069",
    "OSC met ST\x1b]2;weg\x1b\\ klaar",
    "C1 \x9b31m rood",
]


def test_hostile_titles_and_text_lose_control_characters(
        tmp_path: Path, server: LocalHTTPServer) -> None:
    items = "".join(
        f"<item><title>{escape(t)}</title><link>https://bron.test/x{i}</link>"
        f"<guid>x{i}</guid><description>{escape('<p>' + t + ' ' + TEXT + '</p>')}"
        "</description></item>" for i, t in enumerate(HOSTILE))
    # XML 1.0 cannot carry most C0 controls: JSON Feed can, so serve both.
    server.route("/vijand.xml", Route(body=(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>v</title>'
        f"{items.replace(chr(0), '').replace(chr(0x1b), '&#27;').replace(chr(7), '')}"
        "</channel></rss>").encode()))
    server.route("/vijand.json", Route(body=json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "v",
        "items": [{"id": f"j{i}", "url": f"https://bron.test/j{i}", "title": t,
                   "content_html": f"<p>{t}</p><p>{TEXT}</p>", "summary": t}
                  for i, t in enumerate(HOSTILE)]}).encode(),
        headers={"Content-Type": "application/feed+json"}))
    with open_radar(tmp_path, server, "/vijand.xml", "/vijand.json") as radar:
        result = radar.update(all_sources=True)
        assert result.sources_failed == 0, result.failures
    with sqlite3.connect(tmp_path / "radar.db") as conn:
        rows = conn.execute("SELECT title, summary, content_text, content_html, guid "
                            "FROM items WHERE url GLOB 'https://bron.test/[xj][0-9]'").fetchall()
    assert len(rows) == 2 * len(HOSTILE)
    for row in rows:
        for value in row:
            assert not FORBIDDEN & set(value), repr(value)
    titles = {r[0] for r in rows}
    assert {"Scherm leeg", "Titel venster", "Bel en nul en del", "OSC met ST klaar",
            "C1 rood", "Omgekeerd gnitset en isolaat"} <= titles


def test_safe_text_keeps_newlines_and_tabs_and_is_idempotent() -> None:
    text = "regel 1\n\tregel 2\r\nregel\x1b[31m 3\x1b]8;;http://x\x1b\\link\u202e\x00\ud800"
    cleaned = safe_text(text)
    assert cleaned == "regel 1\n\tregel 2\nregel 3link\ufffd"
    assert safe_text(cleaned) == cleaned
    assert safe_line(text) == "regel 1 regel 2 regel 3link\ufffd"
    # an unterminated string sequence loses only its introducer, not the rest of the text
    assert safe_text("begin\x1b]0;de rest van de tekst") == "begin0;de rest van de tekst"


# --- defect 6: a feed that hands out new guids on every fetch -----------------------------

def test_unstable_guids_do_not_store_items_again(
        tmp_path: Path, server: LocalHTTPServer) -> None:
    fetches = itertools.count()

    def fresh_guids(request: RecordedRequest) -> Route:
        n = next(fetches)
        items = [(f"{n}-{j}-{n * 7919}", f"Vaste titel {j}", f"stabiel/{j}") for j in range(3)]
        if n == 3:  # a really new article joins in the last run
            items.append((f"{n}-nieuw", "Echt nieuw bericht", "stabiel/nieuw"))
        return Route(body=rss(items))

    server.route("/wisselend.xml", Route(handler=fresh_guids))
    with open_radar(tmp_path, server, "/wisselend.xml") as radar:
        runs = [radar.update(all_sources=True) for _ in range(4)]
        assert [r.failures for r in runs] == [()] * 4
        assert stored(radar)["wisselend.xml"] == 4
        assert [r.items_new for r in runs] == [15, 0, 0, 1]
    assert next(fetches) == 4
    with sqlite3.connect(tmp_path / "radar.db") as conn:
        urls = conn.execute("SELECT url, count(*) FROM items WHERE url LIKE "
                            "'https://bron.test/stabiel/%' GROUP BY url").fetchall()
    assert sorted(urls) == [(f"https://bron.test/stabiel/{j}", 1) for j in (0, 1, 2, "nieuw")]


def test_unstable_guids_with_changed_text_update_the_item(
        tmp_path: Path, server: LocalHTTPServer) -> None:
    bodies = iter([rss([("g1", "Titel", "stabiel/a")]),
                   rss([("g2", "Titel", "stabiel/a")]).replace(b"wijken", b"straten")])
    server.route("/w.xml", Route(handler=lambda _: Route(body=next(bodies))))
    with open_radar(tmp_path, server, "/w.xml") as radar:
        radar.update(all_sources=True)
        second = radar.update(all_sources=True)
        assert (second.items_new, second.items_updated) == (0, 1)
        assert radar.find(SearchRequest("straten")).total == 1
        assert radar.find(SearchRequest("wijken")).total == 12


# --- logging: for whoever configures it, not printed over a command's own output ---------

def test_update_command_prints_its_summary_not_log_records(
        tmp_path: Path, server: LocalHTTPServer) -> None:
    server.route("/rommel.xml", Route(body=b"<html><body>geen feed</body></html>",
                                      headers={"Content-Type": "text/html"}))
    open_radar(tmp_path, server, "/rommel.xml").close()
    env = {**os.environ, "NIEUWSRADAR_MODEL": str(tmp_path / "no-model.skops")}
    done = subprocess.run(
        [str(Path(sys.executable).with_name("nieuwsradar")), "--db", str(tmp_path / "radar.db"),
         "update", "--all"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "mislukt: rommel.xml" in done.stdout
    assert "Traceback" not in done.stderr and "source http" not in done.stderr, done.stderr
