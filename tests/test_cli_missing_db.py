"""A command that only reads, or changes records that must already exist (a label, a
member, a digest), never creates the database it is pointed at.

``nieuwsradar --db verkeerd.db search x`` used to leave an empty ``verkeerd.db`` behind
(and then report no results, as if the archive were empty). These commands now refuse a
database that does not exist with one Dutch line naming the path and what to do; commands
that add to an archive (update, add-source, import, users add, serve, demo) still create
a new database, as before.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from nieuwsradar.cli import main
from support.cli import nieuwsradar as nieuwsradar_process

READ_COMMANDS = [
    ["search", "bodycam"],
    ["search", "bodycam", "--json"],
    ["sources", "export-opml"],
    ["review"],
    ["trends"],
    ["trends", "--domain", "handhaving", "--json"],
    ["report", "--since", "2026-10-01", "--out", "rapport.html"],
    ["members", "list"],
    ["users", "list"],
    ["digest", "status"],
    ["digest", "preview", "--member", "a@example.nl", "--out", "voorbeeld"],
    # commands that change records that must already be there
    ["sources", "remove", "1"],
    ["label", "1", "handhaving"],
    ["delete", "1"],
    ["reclassify"],
    ["members", "remove", "a@example.nl"],
    ["users", "remove", "a@example.nl"],
    ["users", "token", "a@example.nl"],
    ["digest", "send", "--week", "2026-W49"],
    ["digest", "release", "--member", "a@example.nl", "--week", "2026-W49"],
]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NIEUWSRADAR_DB", raising=False)
    monkeypatch.setenv("NIEUWSRADAR_MODEL", str(tmp_path / "geen-model.skops"))
    return tmp_path


def _refusal(stderr: str, db: Path) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    line = lines[0]
    assert str(db) in line and "bestaat niet" in line, line
    assert "nieuwsradar update" in line and "--db" in line, line
    return line


@pytest.mark.parametrize("args", READ_COMMANDS, ids=" ".join)
@pytest.mark.parametrize("where", ["missing-file", "missing-directory"])
def test_a_read_command_refuses_a_missing_database_and_creates_nothing(
        workdir: Path, args: list[str], where: str) -> None:
    db = workdir / "verkeerd.db" if where == "missing-file" else workdir / "nergens" / "x.db"
    before = sorted(workdir.iterdir())
    result = CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    _refusal(result.stderr, db)
    assert sorted(workdir.iterdir()) == before  # no database, no -wal/-shm, no output file


def test_the_real_command_refuses_a_database_in_a_directory_that_does_not_exist(
        tmp_path: Path) -> None:
    db = tmp_path / "no" / "such" / "dir" / "x.db"
    done = nieuwsradar_process("search", "foo", db=db, cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert _refusal(done.stderr, db).startswith(f"Error: {db}: deze database bestaat niet")
    assert not (tmp_path / "no").exists()


def test_write_commands_still_create_a_new_database(workdir: Path) -> None:
    db = workdir / "nieuw.db"
    added = CliRunner().invoke(main, ["--db", str(db), "members", "add", "a@example.nl",
                                      "--domein", "handhaving"], catch_exceptions=False)
    assert added.exit_code == 0, added.output
    assert db.is_file()
    listed = CliRunner().invoke(main, ["--db", str(db), "members", "list", "--json"],
                                catch_exceptions=False)
    assert listed.exit_code == 0 and "a@example.nl" in listed.output
