"""Bad input gets one clear line and the right exit code, never a traceback (issue 6,
defect 8), and output files are replaced only when complete.

The cases run the CLI's own entry point in-process (click's runner, exceptions not
caught: anything but a clean click error fails the test); the update case runs the real
command in its own process.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from lxml import etree

from nieuwsradar.cli import main
from nieuwsradar.storage import open_storage
from nieuwsradar.types import SourceSpec
from support.cli import nieuwsradar as nieuwsradar_process
from support.httpd import LocalHTTPServer, Route


def nieuwsradar(*args: str | Path, db: Path) -> Result:
    """Run the CLI in-process on ``db`` (no model: nothing is classified)."""
    env = {"NIEUWSRADAR_MODEL": str(db.parent / "geen-model.skops"), "NIEUWSRADAR_DB": None}
    return CliRunner().invoke(main, ["--db", str(db), *map(str, args)], env=env,
                              catch_exceptions=False)


def one_line_error(done: Result, code: int = 1) -> str:
    """The single stderr line of a failed command (asserting there is only that; click's
    usage errors come after the usage lines)."""
    assert done.exit_code == code, (done.exit_code, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 or (code == 2 and lines[-1].startswith("Error:")), done.stderr
    return lines[-1]


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # never the repository's feeds.toml
    return tmp_path / "radar.db"


def sync(db: Path, feeds_text: str | bytes) -> Result:
    feeds = db.parent / "feeds.toml"
    if isinstance(feeds_text, str):
        feeds_text = feeds_text.encode()
    feeds.write_bytes(feeds_text)
    return nieuwsradar("sources", "list", "--feeds", feeds, db=db)


# --- feeds.toml ---------------------------------------------------------------------------

def test_a_source_that_is_not_a_table(db: Path) -> None:
    line = one_line_error(sync(db, "source = [1, 2]\n"))
    assert "feeds.toml" in line and "source 1 is int 1, not a table" in line
    assert "[[source]]" in line


def test_a_deeply_nested_array(db: Path) -> None:
    line = one_line_error(sync(db, "source = " + "[" * 5000 + "]" * 5000 + "\n"))
    assert "feeds.toml" in line and "nested too deeply" in line


def test_a_byte_order_mark_gets_a_hint(db: Path) -> None:
    text = '[[source]]\nname = "A"\nurl = "https://a.example.nl/rss"\n'
    line = one_line_error(sync(db, b"\xef\xbb\xbf" + text.encode()))
    assert "feeds.toml:1" in line and "BOM" in line and "without BOM" in line


def test_an_integer_with_thousands_of_digits(db: Path) -> None:
    line = one_line_error(sync(db, "x = " + "1" * 5000 + "\n"))
    assert "feeds.toml" in line and "not valid TOML" in line


@pytest.mark.parametrize(("url", "expected"), [
    ("https://example.org:99999/feed", "ports go from 1 to 65535"),
    ("https://example.org:0/feed", "port 0"),
    ("https://exa mple.org/feed", "spaces or control characters"),
])
def test_an_impossible_url_is_refused_when_the_file_is_read(
        db: Path, url: str, expected: str) -> None:
    line = one_line_error(sync(db, f'[[source]]\nname = "A"\nurl = "{url}"\n'))
    assert "feeds.toml:3" in line and "url" in line and expected in line


def test_control_characters_in_a_name_are_refused(db: Path) -> None:
    line = one_line_error(sync(
        db, '[[source]]\nname = "Bron\\u0007\\u202e"\nurl = "https://a.example.nl/rss"\n'))
    assert "feeds.toml:2" in line and "U+0007" in line and "U+202E" in line


def test_an_impossible_port_already_stored_fails_only_its_source(db: Path) -> None:
    with LocalHTTPServer() as srv:
        srv.route("/feed.xml", Route(body=b"<rss version='2.0'><channel><title>t</title>"
                                     b"</channel></rss>"))
        with open_storage(db) as store:  # stored before URLs were validated
            store.upsert_source(SourceSpec(url="https://example.org:99999/feed", name="Kapot"))
            store.upsert_source(SourceSpec(url=srv.url("/feed.xml"), name="Goed"))
        done = nieuwsradar_process("update", "--all", db=db)
    assert done.returncode == 0, done.stderr
    assert "1 ok, 1 mislukt" in done.stdout
    assert "port 99999 is impossible" in done.stdout
    assert "ExceptionGroup" not in done.stdout + done.stderr


# --- ids and output files -----------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("sources", "remove", "99999999999999999999999"),
    ("label", "99999999999999999999999", "handhaving"),
    ("delete", "99999999999999999999999"),
])
def test_an_id_beyond_sqlite_integers(db: Path, args: tuple[str, ...]) -> None:
    line = one_line_error(nieuwsradar(*args, db=db), code=2)
    assert "99999999999999999999999" in line and "range" in line


def test_export_of_a_name_with_control_characters(db: Path, tmp_path: Path) -> None:
    with open_storage(db) as store:  # an older database stored the name as it came
        store.upsert_source(SourceSpec(url="https://a.example.nl/rss", name="Bron\x07\x00 A",
                                       publisher="Gemeente\x1b[2J"))
    out = tmp_path / "bronnen.opml"
    done = nieuwsradar("sources", "export-opml", "-o", out, db=db)
    assert done.exit_code == 0, done.stderr
    outline = etree.fromstring(out.read_bytes()).find(".//outline[@xmlUrl]")
    assert outline is not None and outline.get("title") == "Bron A"
    assert "\x1b" not in out.read_text(encoding="utf-8")
    stdout = nieuwsradar("sources", "export-opml", db=db)
    assert stdout.exit_code == 0 and stdout.stdout_bytes == out.read_bytes()


def test_a_failed_export_leaves_the_existing_file_alone(db: Path, tmp_path: Path) -> None:
    foreign = tmp_path / "ander.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    out = tmp_path / "bronnen.opml"
    out.write_text("mijn vorige export\n", encoding="utf-8")
    one_line_error(nieuwsradar("sources", "export-opml", "-o", out, db=foreign))
    assert out.read_text(encoding="utf-8") == "mijn vorige export\n"
    missing = tmp_path / "bestaat-niet" / "bronnen.opml"
    open_storage(db).close()  # export reads an existing database; only the output is wrong
    line = one_line_error(nieuwsradar("sources", "export-opml", "-o", missing, db=db))
    assert str(missing) in line and "bestaat-niet" in line
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_feeds_file_that_is_not_utf8(db: Path) -> None:
    line = one_line_error(sync(db, '[[source]]\nname = "Gemeente K\xf6ln"\n'.encode("latin-1")))
    assert "feeds.toml:2" in line and "not UTF-8" in line and "0xf6" in line
