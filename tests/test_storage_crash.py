"""A writer killed with SIGKILL mid-run leaves a consistent database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nieuwsradar.search import parse_query
from nieuwsradar.storage import open_storage

BATCH = 200

WRITER = f"""
import sys
from datetime import UTC, datetime, timedelta
from nieuwsradar.storage import open_storage
from nieuwsradar.types import NewItem, SourceSpec

store = open_storage(sys.argv[1])
sid = store.upsert_source(SourceSpec(url="https://example.nl/rss", name="Voorbeeld"))
t0 = datetime(2025, 1, 1, tzinfo=UTC)
n = 0
while True:
    batch = [
        NewItem(guid=f"g{{n + k}}", url=f"https://example.nl/{{n + k}}",
                title=f"Handhaving bericht {{n + k}}", summary="Boa's in de wijk",
                content_text="De handhavers controleren drugslabs. " * 20, content_html="",
                published_at=t0 + timedelta(minutes=n + k), fetched_at=t0, lang="nl",
                content_hash=str(n + k))
        for k in range({BATCH})
    ]
    store.upsert_items(sid, batch)
    n += {BATCH}
    print(n, flush=True)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_during_writes_leaves_consistent_database(tmp_path: Path) -> None:
    path = tmp_path / "radar.db"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    committed = 0
    deadline = time.monotonic() + 20
    while committed < 5 * BATCH and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        committed = int(line)
    time.sleep(0.05)  # let it get into the middle of a later batch
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert committed >= 5 * BATCH, "the writer did not get going"

    with open_storage(path) as store:
        assert store.check_integrity() == []
        count = store.count_items()
        assert count >= committed and count % BATCH == 0
        indexed = store.db.execute("SELECT count(*) FROM items_fts_docsize").fetchone()[0]
        assert indexed == count
        assert store.count_matches(parse_query("handhaving")) == count
