"""The CLI never prints raw control characters or terminal escape sequences from stored
data (issue 6, defect 4, the printing side): even an old database whose rows hold them
prints safely, and JSON output stays valid and exact."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from nieuwsradar.cli import main
from nieuwsradar.cli.output import clean, safe_json
from nieuwsradar.storage import open_storage
from nieuwsradar.types import NewItem, SourceSpec
from support.cli import NIEUWSRADAR, nieuwsradar
from support.httpd import LocalHTTPServer, Route

T0 = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
HOSTILE_TITLE = ("Bodycam\x1b[2J\x1b[H voor boa's\x1b]0;gehackt\x07 in de wijk\x00\x07"
                 "\u202eraad\u202c\x9b31m rood\x1bc\u2066x\u2069")
HOSTILE_NAME = "Gemeente\x1b]2;venster\x1b\\ Zwolle\u202e"
HOSTILE_URL = "https://bron.test/1\x1b[31m"
# Anything a terminal acts on: C0 (newline only as line end), DEL, C1, bidi controls.
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    """A database written before ingest removed control characters."""
    path = tmp_path / "oud.db"
    with open_storage(path) as store:
        sid = store.upsert_source(SourceSpec(url="https://bron.test/rss", name=HOSTILE_NAME))
        store.upsert_items(sid, [NewItem(
            guid="1", url=HOSTILE_URL, title=HOSTILE_TITLE, summary="",
            content_text="De gemeente geeft alle boa's een bodycam\x1b[5m tegen agressie.",
            content_html="", published_at=T0, fetched_at=T0, lang="nl", content_hash="h")])
        store.db.execute("UPDATE sources SET last_error = ? WHERE id = ?",
                         ("HTTP 500 \x1b]0;x\x07kapot\x00", sid))
    return path


def test_search_prints_stored_escape_sequences_harmlessly(old_db: Path) -> None:
    done = nieuwsradar("search", "bodycam", db=old_db)
    assert done.returncode == 0, done.stderr
    assert not UNSAFE.search(done.stdout), repr(done.stdout)
    assert "Bodycam voor boa's in de wijk" in done.stdout
    assert "Gemeente Zwolle" in done.stdout and "https://bron.test/1" in done.stdout
    assert "gehackt" not in done.stdout  # the window title sequence is gone as a whole


def test_search_json_is_valid_exact_and_safe(old_db: Path) -> None:
    done = nieuwsradar("search", "bodycam", "--json", db=old_db)
    assert done.returncode == 0, done.stderr
    assert not UNSAFE.search(done.stdout), repr(done.stdout)
    hit = json.loads(done.stdout)["hits"][0]
    assert hit["title"] == HOSTILE_TITLE and hit["source"] == HOSTILE_NAME
    assert hit["url"] == HOSTILE_URL


def test_other_commands_print_stored_text_safely(
        old_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no feeds.toml to sync
    runner = CliRunner()
    base = ["--db", str(old_db)]
    env = {"NIEUWSRADAR_MODEL": str(tmp_path / "geen.skops"), "NIEUWSRADAR_DB": None}
    table = runner.invoke(main, [*base, "sources", "list"], env=env, catch_exceptions=False)
    listed = runner.invoke(main, [*base, "sources", "list", "--json"], env=env,
                           catch_exceptions=False)
    deleted = runner.invoke(main, [*base, "delete", "1"], env=env, catch_exceptions=False)
    for result in (table, listed, deleted):
        assert result.exit_code == 0, result.output
        assert not UNSAFE.search(result.stdout), repr(result.stdout)
    assert "kapot" in table.stdout and "Zwolle" in table.stdout
    assert json.loads(listed.stdout)[0]["name"] == HOSTILE_NAME
    assert "Bodycam voor boa's" in deleted.stdout


def test_error_messages_are_cleaned_too(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.toml"
    feeds.write_text('[[source]]\nname = "A"\nurl = "https://a.nl/\u202e"\nkind = "x\u202e"\n',
                     encoding="utf-8")
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "r.db"), "sources", "list",
                                       "--feeds", str(feeds)], catch_exceptions=False)
    assert result.exit_code == 1
    assert not UNSAFE.search(result.stderr.rstrip("\n")), repr(result.stderr)


@pytest.mark.parametrize(("raw", "shown"), [
    ("a\x1b[2Jb", "ab"), ("x\x1b]0;titel\x07y", "xy"), ("x\x1b]0;titel\x1b\\y", "xy"),
    ("bel\x07nul\x00", "belnul"), ("r\u202eev", "rev"), ("\x9b31mrood", "rood"),
    ("tab\tregel\nnieuw", "tab regel nieuw"), ("café ü", "café ü"), ("los\udfff", "los"),
])
def test_clean(raw: str, shown: str) -> None:
    assert clean(raw) == shown


def test_safe_json_escapes_what_json_leaves_raw() -> None:
    data = {"t": "a\u202e\x85\x9b\udfff b\x1b"}
    text = safe_json(data)
    assert not UNSAFE.search(text) and json.loads(text) == data


def test_the_update_progress_bar_shows_source_names_harmlessly(tmp_path: Path) -> None:
    """On a terminal, update shows each source's name in a progress bar (rich)."""
    db = tmp_path / "radar.db"
    with LocalHTTPServer() as srv:
        srv.route("/feed.xml", Route(body=b"<rss version='2.0'><channel><title>t</title>"
                                     b"</channel></rss>", delay_s=0.5))
        with open_storage(db) as store:
            store.upsert_source(SourceSpec(url=srv.url("/feed.xml"),
                                           name="Bron\x1b]0;gehackt\x07 [bold]vet[/bold]"))
        controller, terminal = pty.openpty()
        env = {**os.environ, "NIEUWSRADAR_MODEL": str(tmp_path / "geen.skops"),
               "COLUMNS": "200", "TERM": "xterm"}
        env.pop("NIEUWSRADAR_DB", None)
        proc = subprocess.Popen([str(NIEUWSRADAR), "--db", str(db), "update"], cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=terminal, env=env)
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal closed: the process is done
                break
            if not chunk:
                break
            shown += chunk
        proc.communicate(timeout=60)
        os.close(controller)
    assert proc.returncode == 0
    assert b"gehackt" not in shown
    assert b"[bold]vet[/bold]" in shown  # shown as written, not taken as markup
