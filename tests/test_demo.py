"""`nieuwsradar demo`: the newcomer's first command works offline, end to end."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from nieuwsradar.cli import main
from nieuwsradar.demo.sources import DEMO_SOURCES, load_items


def test_demo_items_are_well_formed() -> None:
    items = load_items()
    keys = {s.key for s in DEMO_SOURCES}
    assert len(items) >= 200
    assert len({it["id"] for it in items}) == len(items)
    assert all(set(it["sources"]) <= keys - {"kapot"} for it in items)
    assert sum(len(it["sources"]) > 1 for it in items) >= 10


def test_demo_ingests_every_format_into_a_fresh_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NIEUWSRADAR_DB", raising=False)
    (tmp_path / "nieuwsradar-demo.db").write_text("oude rommel die weg moet")
    result = CliRunner().invoke(main, ["demo", "--no-serve"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "mislukt (zoals bedoeld): Kapotte bron (demo)" in out
    assert "Hetzelfde verhaal in meerdere bronnen" in out
    assert "Tweede update: 9 bronnen ongewijzigd (HTTP 304), 0 nieuwe items" in out
    with sqlite3.connect(tmp_path / "nieuwsradar-demo.db") as conn:
        per_kind = dict(conn.execute(
            "SELECT s.kind, count(i.id) FROM sources s JOIN items i ON i.source_id = s.id "
            "GROUP BY s.kind"))
        expected = sum(len(it["sources"]) for it in load_items())
        assert sum(per_kind.values()) == expected
        assert set(per_kind) == {"feed", "scrape", "politie", "rijksoverheid"}
        multi = conn.execute(
            "SELECT count(*) FROM (SELECT cluster_id FROM items GROUP BY cluster_id "
            "HAVING count(DISTINCT source_id) > 1)").fetchone()[0]
        assert multi >= 15
        full_text = conn.execute(
            "SELECT min(length(i.content_text)) FROM items i JOIN sources s "
            "ON s.id = i.source_id WHERE s.name = 'Gemeente.nu (demo)'").fetchone()[0]
        assert full_text > 200, "summary-only source should get its article text"
