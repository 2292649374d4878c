"""Concurrent commands on a 100,000-item archive (issue 6): searches, an update, a label
correction and a delete run at the same time as separate processes of the real CLI and
all finish without "database is locked"; a read-only copy can be searched meanwhile.
Measured: 49 s at load average 22 on 2 cores, 23 s of it building the archive.

The archive is built once per session through storage (bench/archive.py), in seconds.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from types import ModuleType

import pytest

from nieuwsradar.storage import open_storage
from support.cli import NIEUWSRADAR, read_only_preexec
from support.httpd import LocalHTTPServer, Route

ARCHIVE_ITEMS = 100_000
FEED = ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>t</title>"
        + "".join(f"<item><title>Nieuwe aanpak woonoverlast deel {n}</title>"
                  f"<link>https://lokaal.test/{n}</link><guid>lokaal-{n}</guid>"
                  f"<pubDate>Tue, 10 Nov 2026 10:0{n}:00 +0100</pubDate>"
                  "<description>De gemeente pakt woonoverlast aan met extra toezicht."
                  "</description></item>" for n in range(5))
        + "</channel></rss>").encode()


def _bench_archive() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "bench" / "archive.py"
    spec = importlib.util.spec_from_file_location("bench_archive", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def archive_100k(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 100,000-item archive of short items (title, summary, one sentence): what matters
    here is the row count, and short texts build in seconds."""
    path = tmp_path_factory.mktemp("archief") / "archief.db"
    started = time.perf_counter()
    _bench_archive().build(path, ARCHIVE_ITEMS, body_words=0)
    print(f"built {ARCHIVE_ITEMS:,} items in {time.perf_counter() - started:.1f} s")
    return path


def _start(db: Path, *args: str, read_only_user: bool = False) -> subprocess.Popen[str]:
    env = {**os.environ, "NIEUWSRADAR_MODEL": str(db.parent / "geen-model.skops")}
    env.pop("NIEUWSRADAR_DB", None)
    return subprocess.Popen(
        [str(NIEUWSRADAR), "--db", str(db), *args], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=env, cwd=db.parent,
        preexec_fn=read_only_preexec() if read_only_user else None)


def test_concurrent_commands_on_a_big_archive_never_hit_a_lock(
        archive_100k: Path, tmp_path: Path) -> None:
    copy = tmp_path / "kopie.db"
    shutil.copy(archive_100k, copy)
    copy.chmod(0o444)
    with open_storage(archive_100k) as store:
        assert store.count_items() == ARCHIVE_ITEMS
        first, last = store.db.execute("SELECT min(id), max(id) FROM items").fetchone()
    with LocalHTTPServer() as srv:
        srv.route("/feed.xml", Route(body=FEED, etag='"1"'))
        feeds = tmp_path / "feeds.toml"
        feeds.write_text(f'[[source]]\nname = "Lokaal"\nurl = "{srv.url("/feed.xml")}"\n',
                         encoding="utf-8")
        started = time.perf_counter()
        runs = {
            "search 1": _start(archive_100k, "search", "kamerverhuur", "--json"),
            "search 2": _start(archive_100k, "search", "drugslab", "domein:handhaving",
                               "--json"),
            "search 3": _start(archive_100k, "search", "zeldzaamheidsonderzoek", "--json"),
            "update": _start(archive_100k, "update", "--feeds", str(feeds)),
            "label": _start(archive_100k, "label", str(first), "omgevingswet"),
            "delete": _start(archive_100k, "delete", str(last)),
            "read-only search": _start(copy, "search", "kamerverhuur", "--json",
                                       read_only_user=True),
        }
        outputs = {name: proc.communicate(timeout=120) for name, proc in runs.items()}
        elapsed = time.perf_counter() - started
    print(f"7 concurrent commands finished in {elapsed:.1f} s")
    for name, proc in runs.items():
        out, err = outputs[name]
        assert "locked" not in out + err, (name, err)
        assert proc.returncode == 0, (name, out, err)
    assert json.loads(outputs["search 1"][0])["total"] > 0
    assert json.loads(outputs["search 3"][0])["total"] == ARCHIVE_ITEMS // 20_000
    assert json.loads(outputs["read-only search"][0])["total"] > 0
    assert "5 nieuwe items" in outputs["update"][0]
    with open_storage(archive_100k) as store:
        assert store.count_items() == ARCHIVE_ITEMS - 1 + 5
        assert [lab.label for lab in store.get_item(first).labels] == ["omgevingswet"]
        assert store.get_items([last]) == []
        # The index moved along with the writes (the full FTS check takes seconds here).
        indexed = store.db.execute("SELECT count(*) FROM items_fts_docsize").fetchone()[0]
        assert indexed == ARCHIVE_ITEMS - 1 + 5
