"""nieuwsradar as an installed package: a wheel in a fresh virtualenv, run from elsewhere.

The wheel is built and installed offline (``uv build`` and ``uv pip install --offline``
with the versions pinned by ``uv.lock``, from uv's cache that ``make install`` filled), so
the test needs no network and checks what a coordinator gets from ``pip install``: the
model, the topics, the demo data and the list of sources ship inside the package, and no
default path points into a source checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nieuwsradar.config import SHIPPED_FEEDS, Settings, load_sources
from nieuwsradar.core import make_radar
from nieuwsradar.types import SourceSpec

REPO = Path(__file__).resolve().parents[1]


def test_a_new_database_without_feeds_file_starts_with_the_shipped_sources(
        tmp_path: Path) -> None:
    shipped = load_sources(SHIPPED_FEEDS)
    settings = Settings(db=tmp_path / "radar.db", feeds=tmp_path / "feeds.toml")
    with make_radar(settings) as radar:
        synced = radar.sync_configured_feeds()
        assert synced is not None and synced.added == len(shipped) >= 15
        assert {s.spec.url for s in radar.sources()} == {s.url for s in shipped}
        radar.remove_source(radar.sources()[0].id)
        assert radar.sync_configured_feeds() is None, "a removed shipped source stays gone"
        assert len(radar.sources()) == len(shipped) - 1


def test_stored_sources_or_a_feeds_file_win_over_the_shipped_list(tmp_path: Path) -> None:
    with make_radar(Settings(db=tmp_path / "a.db", feeds=tmp_path / "geen.toml")) as radar:
        radar.sync_sources([SourceSpec(url="https://uit.opml.test/rss", name="OPML")])
        assert radar.sync_configured_feeds() is None
        assert [s.spec.name for s in radar.sources()] == ["OPML"]
    feeds = tmp_path / "feeds.toml"
    feeds.write_text('[[source]]\nname = "Eigen"\nurl = "https://eigen.test/rss"\n',
                     encoding="utf-8")
    with make_radar(Settings(db=tmp_path / "b.db", feeds=feeds)) as radar:
        assert radar.sync_configured_feeds() is not None
        assert [s.spec.name for s in radar.sources()] == ["Eigen"]


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
def test_installed_package_ships_its_sources_model_and_topics(
        installed: Path, tmp_path: Path) -> None:
    code = ("from nieuwsradar.config import SHIPPED_FEEDS, DEFAULT_MODEL, DEFAULT_TOPICS, "
            "load_sources; print(len(load_sources(SHIPPED_FEEDS)), DEFAULT_MODEL.is_file(), "
            "DEFAULT_TOPICS.is_file(), SHIPPED_FEEDS)")
    done = subprocess.run([str(installed / "python"), "-c", code], cwd=tmp_path,
                          env=_clean_env(tmp_path), capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    count, model, topics, where = done.stdout.split()
    assert int(count) >= 15 and model == topics == "True"
    assert where.startswith(str(installed.parent))


@pytest.mark.slow
def test_installed_serve_answers_pages_and_health(installed: Path, tmp_path: Path) -> None:
    import signal
    import socket
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    (tmp_path / "feeds.toml").write_text("", encoding="utf-8")  # no sources: no network
    proc = subprocess.Popen([str(installed / "nieuwsradar"), "serve", "--port", str(port)],
                            cwd=tmp_path, env=_clean_env(tmp_path), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        pages: dict[str, int] = {}
        while time.monotonic() < deadline and len(pages) < 3:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                for path in ("/health", "/", "/static/site.css"):
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}",
                                                timeout=5) as answer:
                        pages[path] = answer.status
            except OSError:
                time.sleep(0.2)
        assert pages == {"/health": 200, "/": 200, "/static/site.css": 200}
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert (tmp_path / "nieuwsradar.db").is_file()
