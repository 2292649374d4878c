"""Whole-process timings of `nieuwsradar update` (warm) and `nieuwsradar search` on a big
archive: what a user waits for, start-up and opening the database included.

    uv run python bench/commands.py                       # 100,000 items, this checkout
    uv run python bench/commands.py --nieuwsradar /other/checkout/.venv/bin/nieuwsradar

The archive is built with bench/archive.py (once; ``--template`` keeps it between runs)
and copied for the measured program, so every measured program starts from the same
file. A local feed farm (bench/farm.py) serves ``--feeds`` feeds of 20 items. One cold
``update`` stores their items; each warm run first makes those sources due again and
then runs ``update``: every feed answers 304, so the run measures start-up, opening the
database, the fetch round and the bookkeeping. Prints the median and the spread of
``--repeat`` runs of each command.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent


def _archive_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("archive", HERE / "archive.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(program: Path, db: Path, *args: str) -> float:
    """Run one command to completion; its wall time in seconds (fails loudly)."""
    env = {**os.environ, "NIEUWSRADAR_MODEL": str(db.parent / "geen-model.skops")}
    env.pop("NIEUWSRADAR_DB", None)
    started = time.perf_counter()
    done = subprocess.run([str(program), "--db", str(db), *args], capture_output=True,
                          text=True, env=env, cwd=db.parent, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0 or "mislukt: " in done.stdout:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n"
                         f"{done.stdout}\n{done.stderr}")
    return elapsed


def _make_due(db: Path) -> None:
    """Make the farm's sources due again (benchmark harness: plain SQL on purpose)."""
    conn = sqlite3.connect(db)
    conn.execute("UPDATE sources SET next_check_at = NULL WHERE url LIKE 'http://127.0.0.1:%'")
    conn.commit()
    conn.close()


def _summary(name: str, times: list[float]) -> str:
    return (f"{name:<34}median {statistics.median(times):6.2f} s   "
            f"min {min(times):6.2f}  max {max(times):6.2f}  (n={len(times)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nieuwsradar", type=Path,
                        default=Path(sys.executable).with_name("nieuwsradar"),
                        help="the program to measure (default: this environment's)")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--template", type=Path,
                        help="archive to copy (built there first when missing)")
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nieuwsradar-commands-"))
    template = args.template or work / "archive-template.db"
    if not template.exists():
        started = time.perf_counter()
        _archive_module().build(template, args.items)
        print(f"built {args.items:,} items in {time.perf_counter() - started:.1f} s")
    db = work / "archief.db"
    shutil.copy(template, db)
    port = _free_port()
    farm = subprocess.Popen(
        [sys.executable, str(HERE / "farm.py"), "--port", str(port), "--feeds",
         str(args.feeds), "--items", "20", "--latency", "0"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert farm.stdout is not None and farm.stdout.readline().strip() == "ready"
        feeds = work / "feeds.toml"
        feeds.write_text("".join(
            f'[[source]]\nname = "Farm {i}"\nurl = "http://127.0.0.1:{port}/feed/{i}.xml"\n\n'
            for i in range(args.feeds)), encoding="utf-8")
        print(f"program: {args.nieuwsradar}")
        cold = _run(args.nieuwsradar, db, "update", "--feeds", str(feeds))
        print(f"{'update, cold (first fetch)':<34}{cold:6.2f} s")
        warm = []
        for _ in range(args.repeat):
            _make_due(db)
            warm.append(_run(args.nieuwsradar, db, "update", "--feeds", str(feeds)))
        print(_summary(f"update, warm ({args.feeds} feeds, 304)", warm))
        for query in ("kamerverhuur", "zeldzaamheidsonderzoek"):
            times = [_run(args.nieuwsradar, db, "search", query) for _ in range(args.repeat)]
            print(_summary(f"search {query}", times))
        times = [_run(args.nieuwsradar, db, "--help") for _ in range(args.repeat)]
        print(_summary("--help (start-up only)", times))
    finally:
        farm.terminate()
        farm.wait()
        shutil.rmtree(work)  # the copy (and the template, unless --template named one)


if __name__ == "__main__":
    main()
