"""Opening a database: no index rebuild per process, read-only files, foreign files.

Every test here goes through real SQLite files and, where it matters, the real
``nieuwsradar`` command in its own process.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nieuwsradar.errors import StorageError
from nieuwsradar.storage import SCHEMA_VERSION, open_storage
from nieuwsradar.storage.fts import BUILT_AT_KEY
from nieuwsradar.storage.migrations import migrate
from nieuwsradar.types import NewItem, SourceSpec
from support.cli import nieuwsradar

T0 = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
TEXTS = (
    ("Handhavers krijgen bodycams", "De gemeente geeft alle boa's een bodycam."),
    ("Raad stelt begroting vast", "De gemeenteraad heeft de begroting vastgesteld."),
    ("Drugslab opgerold in loods", "Politie en gemeente sluiten een pand na ondermijning."),
)


def _item(n: int, title: str, body: str) -> NewItem:
    return NewItem(guid=f"g{n}", url=f"https://bron.test/{n}", title=title, summary="",
                   content_text=body, content_html="", published_at=T0, fetched_at=T0,
                   lang="nl", content_hash=f"h{n}")


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """A small nieuwsradar database with three items, closed."""
    path = tmp_path / "radar.db"
    with open_storage(path) as store:
        sid = store.upsert_source(SourceSpec(url="https://bron.test/rss", name="Bron"))
        store.upsert_items(sid, [_item(n, t, b) for n, (t, b) in enumerate(TEXTS)])
    return path


def _meta(path: Path, key: str) -> str | None:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    finally:
        conn.close()
    return None if row is None else str(row[0])


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- defect 1: the index is rebuilt only when the stemmer changed -------------------------

def test_the_stem_version_is_the_same_in_every_process() -> None:
    code = "from nieuwsradar.storage.fts import INDEX_VERSION; print(INDEX_VERSION)"
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.strip() for _ in range(2)}
    assert len(seen) == 1
    (version,) = seen
    assert "0x" not in version and "function" not in version, version


def test_other_processes_open_the_database_without_rebuilding_the_index(archive: Path) -> None:
    built = _meta(archive, BUILT_AT_KEY)
    assert built is not None
    for _ in range(2):
        done = nieuwsradar("search", "bodycam", "--json", db=archive)
        assert done.returncode == 0, done.stderr
        assert '"total": 1' in done.stdout
    assert _meta(archive, BUILT_AT_KEY) == built


def test_a_changed_stemmer_rebuilds_the_index_once(archive: Path) -> None:
    conn = sqlite3.connect(archive)
    conn.execute("UPDATE meta SET value = 'old-rules' WHERE key = 'fts_stemmer'")
    conn.commit()
    conn.close()
    done = nieuwsradar("search", "handhaving", "--json", db=archive)
    assert done.returncode == 0 and '"total": 1' in done.stdout, done.stderr
    rebuilt = _meta(archive, BUILT_AT_KEY)
    assert _meta(archive, "fts_stemmer") != "old-rules"
    assert nieuwsradar("search", "handhaving", db=archive).returncode == 0
    assert _meta(archive, BUILT_AT_KEY) == rebuilt


# --- read-only databases ------------------------------------------------------------------

@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A directory made read-only (chmod 555) by the test; writable again afterwards."""
    folder = tmp_path / "alleen-lezen"
    folder.mkdir()
    yield folder
    folder.chmod(0o755)


def test_a_read_only_file_can_be_searched(archive: Path, tmp_path: Path) -> None:
    copy = tmp_path / "kopie" / "radar.db"
    copy.parent.mkdir()
    shutil.copy(archive, copy)
    copy.chmod(0o444)
    before = _digest(copy)
    done = nieuwsradar("search", "bodycam", "--json", db=copy, read_only_user=True)
    assert done.returncode == 0, done.stderr
    assert '"title": "Handhavers krijgen bodycams"' in done.stdout
    assert done.stderr == ""
    assert _digest(copy) == before
    denied = nieuwsradar("label", "1", "handhaving", db=copy, read_only_user=True)
    assert denied.returncode == 1
    assert "Traceback" not in denied.stderr and "read-only" in denied.stderr
    assert len(denied.stderr.strip().splitlines()) == 1
    assert _digest(copy) == before


def test_a_database_in_a_read_only_directory_can_be_searched(
        archive: Path, read_only_dir: Path) -> None:
    copy = read_only_dir / "radar.db"
    shutil.copy(archive, copy)
    read_only_dir.chmod(0o555)
    done = nieuwsradar("search", "drugslab", "--json", db=copy, read_only_user=True)
    assert done.returncode == 0, done.stderr
    assert '"total": 1' in done.stdout
    assert sorted(p.name for p in read_only_dir.iterdir()) == ["radar.db"]


def test_a_stale_index_on_a_read_only_file_still_searches_with_a_note(
        archive: Path, tmp_path: Path) -> None:
    conn = sqlite3.connect(archive)
    conn.execute("UPDATE meta SET value = 'old-rules' WHERE key = 'fts_stemmer'")
    conn.commit()
    conn.close()
    copy = tmp_path / "kopie.db"
    shutil.copy(archive, copy)
    copy.chmod(0o444)
    done = nieuwsradar("search", "bodycam", "--json", db=copy, read_only_user=True)
    assert done.returncode == 0, done.stderr
    assert '"total": 1' in done.stdout
    assert "zoekindex" in done.stderr and "alleen-lezen" in done.stderr
    assert _meta(copy, "fts_stemmer") == "old-rules"


def test_a_read_only_database_of_an_older_schema_gets_a_clear_error(tmp_path: Path) -> None:
    old = tmp_path / "oud.db"
    conn = sqlite3.connect(old, isolation_level=None)
    migrate(conn, old, target=SCHEMA_VERSION - 1)
    conn.close()
    old.chmod(0o444)
    done = nieuwsradar("search", "x", db=old, read_only_user=True)
    assert done.returncode == 1
    assert str(old) in done.stderr and "read-only" in done.stderr
    assert "Traceback" not in done.stderr


# --- defect 7: another application's database is refused, not converted ------------------

def _foreign(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO contacts (name) VALUES ('Ans')")
    conn.commit()
    conn.close()


def test_another_applications_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "adresboek.sqlite"
    _foreign(path)
    before = _digest(path)
    with pytest.raises(StorageError, match="another application") as caught:
        open_storage(path)
    assert str(path) in str(caught.value) and "contacts" in str(caught.value)
    done = nieuwsradar("sources", "list", db=path)
    assert done.returncode == 1 and "another application" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert _digest(path) == before
    assert not path.with_name(path.name + "-wal").exists()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["contacts"]
    conn.close()


def test_a_database_with_a_foreign_application_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ander.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 1234")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="application id 0x4d2"):
        open_storage(path)


def test_new_and_empty_files_become_nieuwsradar_databases(tmp_path: Path) -> None:
    empty = tmp_path / "leeg.db"
    empty.touch()
    for path in (empty, tmp_path / "nieuw.db"):
        with open_storage(path) as store:
            assert store.count_items() == 0
        with open_storage(path) as store:  # and it is recognised afterwards
            assert store.list_sources() == []


def test_a_database_from_before_the_application_id_is_still_ours(tmp_path: Path) -> None:
    path = tmp_path / "ouder.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, path)
    conn.execute("PRAGMA application_id = 0")
    conn.close()
    with open_storage(path) as store:
        assert store.count_items() == 0


def test_an_id_beyond_sqlite_integers_is_a_storage_error(archive: Path) -> None:
    with open_storage(archive) as store:
        with pytest.raises(StorageError, match="larger than the database can hold"):
            store.get_source(10**30)
        with pytest.raises(StorageError, match="larger than the database can hold"):
            store.delete_item(10**30)
        assert store.count_items() == len(TEXTS)


def test_sources_can_be_listed_from_a_read_only_file(archive: Path, tmp_path: Path) -> None:
    folder = tmp_path / "kopie"
    folder.mkdir()
    copy = folder / "radar.db"
    shutil.copy(archive, copy)
    copy.chmod(0o444)
    (folder / "feeds.toml").write_text(
        '[[source]]\nname = "Nieuw"\nurl = "https://nieuw.example.nl/rss"\n', encoding="utf-8")
    done = nieuwsradar("sources", "list", "--json", db=copy, read_only_user=True, cwd=folder)
    assert done.returncode == 0, done.stderr
    assert '"name": "Bron"' in done.stdout and "Nieuw" not in done.stdout
