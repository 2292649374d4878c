"""Start-up time of light CLI commands (``--help``, ``search`` on a small archive), whole
processes as from the shell, optionally paired with another checkout's code.

    uv run python bench/startup.py                                  # this checkout
    uv run python bench/startup.py --baseline /path/to/other/src    # paired, alternating

With ``--baseline`` every command runs alternately with the other source tree first on
``PYTHONPATH`` and with this checkout's, ``--runs`` times each, so a change in the
machine's load affects both alike; it prints the median of each and their ratio. Both use
this environment's interpreter and packages. The archive is the fast kind of
bench/archive.py (``--items``, 2,000 by default), built once in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from archive import build  # type: ignore[import-not-found]

SRC = Path(__file__).resolve().parents[1] / "src"
COMMANDS = (
    ("--help", ("--help",)),
    ("search bodycam", ("search", "bodycam")),
    ("search kamerverhuur --json", ("search", "kamerverhuur", "--json")),
    ("sources list", ("sources", "list")),
)


def run_once(src: Path, db: Path, args: tuple[str, ...]) -> float:
    """Wall time of one ``nieuwsradar --db DB ARGS`` with ``src`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(src),
           "NIEUWSRADAR_MODEL": str(db.parent / "geen-model.npz"),
           "NIEUWSRADAR_FEEDS": str(db.parent / "feeds.toml")}
    env.pop("NIEUWSRADAR_DB", None)
    code = "import sys; from nieuwsradar.cli import main; sys.exit(main())"
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, "--db", str(db), *args],
                          capture_output=True, text=True, env=env, cwd=db.parent, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed with {src}:\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another checkout's src folder")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--items", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nieuwsradar-startup-") as tmp:
        db = Path(tmp) / "archief.db"
        build(db, args.items)
        (Path(tmp) / "feeds.toml").write_text("", encoding="utf-8")
        trees = {"this": SRC} if args.baseline is None else {"baseline": args.baseline,
                                                             "this": SRC}
        for name, command in COMMANDS:
            times: dict[str, list[float]] = {tree: [] for tree in trees}
            for _ in range(args.runs):
                for tree, src in trees.items():
                    times[tree].append(run_once(src, db, command))
            medians = {tree: statistics.median(t) for tree, t in times.items()}
            shown = "   ".join(f"{tree} {m * 1000:5.0f} ms (min {min(times[tree]) * 1000:.0f})"
                               for tree, m in medians.items())
            ratio = (f"   this/baseline {medians['this'] / medians['baseline']:.2f}"
                     if "baseline" in medians else "")
            print(f"{name:<28}{shown}{ratio}", flush=True)
    print(f"({args.runs} runs each, {args.items:,}-item archive)")


if __name__ == "__main__":
    main()
