"""nieuwsradar as an installed package: a wheel in a fresh virtualenv, run from elsewhere.

The wheel is built and installed offline (``uv build`` and ``uv pip install --offline``
with the versions pinned by ``uv.lock``, from uv's cache that ``make install`` filled), so
the test needs no network and checks what a coordinator gets from ``pip install``: the
model, the topics, the demo data and the list of sources ship inside the package, and no
default path points into a source checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nieuwsradar.config import SHIPPED_FEEDS, Settings

REPO = Path(__file__).resolve().parents[1]


def test_shipped_feeds_are_the_default_only_without_a_local_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert Settings.from_env({}).feeds == SHIPPED_FEEDS
    assert SHIPPED_FEEDS.is_file() and "nieuwsradar" in SHIPPED_FEEDS.parts
    (tmp_path / "feeds.toml").write_text("", encoding="utf-8")
    assert Settings.from_env({}).feeds == Path("feeds.toml")
    env = {"NIEUWSRADAR_FEEDS": str(tmp_path / "eigen.toml")}
    assert Settings.from_env(env).feeds == tmp_path / "eigen.toml"


def _uv() -> str:
    found = os.environ.get("UV") or shutil.which("uv")
    if not found:
        pytest.skip("uv is not installed (make install installs it)")
    return found


def _clean_env(home: Path | None = None) -> dict[str, str]:
    """The environment of a user who never set anything for nieuwsradar (and, with
    ``home``, has an empty home directory)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("NIEUWSRADAR_", "VIRTUAL_ENV", "PYTHONPATH", "UV_PROJECT"))}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    if home is not None:
        env["HOME"] = str(home)
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh virtualenv with the project's wheel installed; yields its bin directory.

    The dependencies are the ones already installed for the test run (a ``.pth`` line
    puts their site-packages after the new venv's own), so no index is needed; the
    checkout's editable install is not on that path, only the wheel is.
    """
    uv = _uv()
    work = tmp_path_factory.mktemp("pkg")
    env = _clean_env()  # uv's cache lives in the real home directory
    dist, venv = work / "dist", work / "venv"

    def run(*args: str | Path) -> None:
        done = subprocess.run([str(a) for a in args], cwd=REPO, env=env, capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"

    run(uv, "build", "--wheel", "--offline", "--out-dir", dist, REPO)
    run(uv, "venv", "--quiet", "--python", sys.executable, venv)
    (wheel,) = dist.glob("nieuwsradar-*.whl")
    run(uv, "pip", "install", "--offline", "--no-deps", "--quiet",
        "--python", venv / "bin" / "python", wheel)
    (site,) = venv.glob("lib/python3*/site-packages")
    deps = next(p for p in map(Path, sys.path) if p.name == "site-packages" and p.is_dir())
    (site / "zz_test_dependencies.pth").write_text(f"{deps}\n", encoding="utf-8")
    yield venv / "bin"


def test_the_wheel_is_imported_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [str(installed / "python"), "-c",
         "import sys, nieuwsradar; print(nieuwsradar.__file__); print(sys.path)"],
        cwd=tmp_path, env=_clean_env(tmp_path), capture_output=True, text=True, check=True)
    where, path = done.stdout.splitlines()
    assert where.startswith(str(installed.parent)), where
    assert str(REPO / "src") not in path


@pytest.mark.slow
def test_installed_demo_runs_from_another_directory(installed: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "ergens"
    elsewhere.mkdir()
    done = subprocess.run([str(installed / "nieuwsradar"), "demo", "--no-serve"], cwd=elsewhere,
                          env=_clean_env(tmp_path), capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (elsewhere / "nieuwsradar-demo.db").is_file()
    assert "mislukt (zoals bedoeld): Kapotte bron (demo)" in done.stdout
    assert "Domeinen: " in done.stdout and "niet geclassificeerd" not in done.stdout, (
        "the model must ship inside the package")
    assert str(REPO) not in done.stdout + done.stderr


@pytest.mark.slow
def test_installed_package_finds_its_shipped_sources(installed: Path, tmp_path: Path) -> None:
    done = subprocess.run([str(installed / "nieuwsradar"), "sources", "list", "--json"],
                          cwd=tmp_path, env=_clean_env(tmp_path), capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    sources = json.loads(done.stdout)
    assert len(sources) >= 15
    assert {s["kind"] for s in sources} == {"feed", "scrape", "rijksoverheid", "politie"}


def test_removing_a_shipped_source_says_how_to_drop_it_for_good(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from nieuwsradar.cli import main

    monkeypatch.chdir(tmp_path)
    for name in ("NIEUWSRADAR_DB", "NIEUWSRADAR_FEEDS"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    listed = runner.invoke(main, ["sources", "list", "--json"], catch_exceptions=False)
    first = json.loads(listed.output)[0]
    done = runner.invoke(main, ["sources", "remove", str(first["id"])], catch_exceptions=False)
    assert done.exit_code == 0
    assert "meegeleverde bronnenlijst" in done.output and str(SHIPPED_FEEDS) in done.output
