"""Light commands start fast: they do not import the web, ingest or model stacks.

Each command runs in a fresh interpreter (as from the shell); afterwards the test looks
at ``sys.modules``. Importing FastAPI, uvicorn, WeasyPrint, feedparser, httpx, APScheduler
or numpy costs most of a second on a small machine, which a member searching from the
shell or a cron job would pay on every call.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from nieuwsradar.classify import paths
from nieuwsradar.cli import classify as cli_classify
from nieuwsradar.cli import main
from nieuwsradar.core import COUNT_CAP
from nieuwsradar.storage import open_storage
from nieuwsradar.types import NewItem, SourceSpec

#: Top-level packages (and our own modules) no light command may import.
HEAVY = ("fastapi", "starlette", "uvicorn", "jinja2", "weasyprint", "apscheduler",
         "feedparser", "httpx", "trafilatura", "selectolax", "argon2", "sklearn", "scipy",
         "rich", "nieuwsradar.web", "nieuwsradar.service", "nieuwsradar.scheduler",
         "nieuwsradar.update", "nieuwsradar.fetch", "nieuwsradar.parse",
         "nieuwsradar.classify", "nieuwsradar.digest.render", "nieuwsradar.trends.report",
         "numpy", "sqlite_utils")

_RUN = """\
import json, sys
from nieuwsradar.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def _run(tmp_path: Path, *args: str) -> tuple[str, set[str]]:
    """Run ``nieuwsradar ARGS`` in a new interpreter; its stdout and imported modules."""
    env = {**os.environ, "NIEUWSRADAR_MODEL": str(tmp_path / "geen-model.npz")}
    env.pop("NIEUWSRADAR_DB", None)
    done = subprocess.run([sys.executable, "-c", _RUN, *args], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=60, check=False)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, done.stderr
    return done.stdout, set(report["modules"])


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    path = tmp_path / "archief.db"
    when = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
    with open_storage(path) as store:
        source = store.upsert_source(SourceSpec(url="https://zwolle.example.nl/rss",
                                                name="Gemeente Zwolle"))
        store.upsert_items(source, [NewItem(
            guid="1", url="https://zwolle.example.nl/nieuws/1",
            title="Handhavers in Zwolle dragen voortaan een bodycam",
            summary="De boa's krijgen bodycams.", content_text="De boa's krijgen bodycams.",
            content_html="", published_at=when, fetched_at=when, lang="nl",
            content_hash="1")])
    return path


def test_help_imports_only_the_command_line(tmp_path: Path) -> None:
    out, modules = _run(tmp_path, "--help")
    assert "search" in out and "serve" in out  # every command is listed
    assert _heavy(modules) == []
    # not even the facade, storage or numpy: the help only needs click
    assert not {"nieuwsradar.core", "nieuwsradar.storage", "numpy"} & modules


def test_search_imports_neither_web_nor_ingest_nor_model(tmp_path: Path,
                                                         archive: Path) -> None:
    out, modules = _run(tmp_path, "--db", str(archive), "search", "bodycam")
    assert "Handhavers in Zwolle dragen voortaan een bodycam" in out
    assert _heavy(modules) == []
    assert "nieuwsradar.core" in modules  # the search did go through the facade


def test_search_json_and_a_read_command_stay_light(tmp_path: Path, archive: Path) -> None:
    out, modules = _run(tmp_path, "--db", str(archive), "search", "bodycam", "--json")
    assert json.loads(out)["total"] == 1
    assert _heavy(modules) == []
    out, modules = _run(tmp_path, "--db", str(archive), "users", "list")
    assert "Nog geen coördinatoren" in out
    assert _heavy(modules) == []


def test_the_help_names_the_classifier_variables() -> None:
    """The classifier commands name the variables without importing the classifier."""
    assert (cli_classify.MODEL_ENV, cli_classify.TOPICS_ENV) == (paths.MODEL_ENV,
                                                                 paths.TOPICS_ENV)


def test_search_refuses_an_offset_past_the_counted_results(archive: Path) -> None:
    result = CliRunner().invoke(main, ["--db", str(archive), "search", "bodycam",
                                       "--offset", str(COUNT_CAP + 1)])
    assert result.exit_code == 2
    assert "--offset" in result.output and str(COUNT_CAP) in result.output
    result = CliRunner().invoke(main, ["--db", str(archive), "search", "bodycam",
                                       "--offset", str(COUNT_CAP)])
    assert result.exit_code == 0, result.output
