"""Benchmark the domain classifier: model load time and items/s, in process and via the CLI.

Generates 10,000 Dutch news-like items (title + body of 300-2,500 characters) from the
words of the training corpus, then classifies them through the public API
(``load_model`` + ``DomainModel.predict``) and through ``nieuwsradar classify`` in a
subprocess. Run: ``uv run python bench/classify.py [--items N] [--model PATH]``.
Targets: CLI >= 3,000 items/s on 10k items, load <= 1 s, in-process >= 6,000 items/s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nieuwsradar.classify import DEFAULT_CORPUS, default_model_path, item_text, load_model

WORD_RE = re.compile(r"\S+")


def vocabulary(corpus_dir: Path) -> list[str]:
    """Words of the training corpus (the benchmark texts look like real items)."""
    words: list[str] = []
    for path in sorted(corpus_dir.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                words.extend(WORD_RE.findall(record["title"] + " " + record["text"]))
    return words or ["gemeente", "handhaving", "boa", "overlast", "jeugdhulp", "drugslab"]


def generate(n: int, words: list[str], seed: int = 0) -> list[dict[str, str]]:
    """``n`` items: 6-12 word titles and bodies of 300-2,500 characters."""
    rng = random.Random(seed)
    items = []
    for i in range(n):
        title = " ".join(rng.choices(words, k=rng.randint(6, 12)))
        target = rng.randint(300, 2500)
        body: list[str] = []
        size = 0
        while size < target:
            word = rng.choice(words)
            body.append(word)
            size += len(word) + 1
        items.append({"id": f"bench-{i}", "title": title, "text": " ".join(body)})
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    model_path = args.model or default_model_path()

    items = generate(args.items, vocabulary(DEFAULT_CORPUS))
    chars = sum(len(it["title"]) + len(it["text"]) for it in items) / len(items)
    print(f"{len(items)} items, mean {chars:.0f} characters")

    started = time.perf_counter()
    load_model(model_path)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    model = load_model(model_path)
    load_s = time.perf_counter() - started
    print(f"model load: {load_s:.3f} s ({model_path.name}, version {model.version}); "
          f"first load in a process: {first_s:.3f} s")

    texts = [item_text(it["title"], it["text"]) for it in items]
    model.predict(texts[:100])
    best = best_cpu = float("inf")
    for _ in range(3):
        started, cpu = time.perf_counter(), time.process_time()
        model.predict([item_text(it["title"], it["text"]) for it in items])
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    print(f"in-process predict (item_text + predict, batch): {len(items) / best:,.0f} items/s "
          f"({len(items) / best_cpu:,.0f} per CPU-second)")

    started = time.perf_counter()
    for start in range(0, len(items), 20):
        chunk = items[start : start + 20]
        model.predict([item_text(it["title"], it["text"]) for it in chunk])
    elapsed = time.perf_counter() - started
    print(f"in-process predict, batches of 20 (a feed): {len(items) / elapsed:,.0f} items/s")

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "items.jsonl"
        source.write_text("".join(json.dumps(it, ensure_ascii=False) + "\n" for it in items),
                          encoding="utf-8")
        warmup = Path(tmp) / "warmup.jsonl"
        warmup.write_text(source.read_text(encoding="utf-8")[:20_000].rsplit("\n", 1)[0] + "\n",
                          encoding="utf-8")
        # Installed Python code normally runs from cached bytecode; this machine sets
        # PYTHONDONTWRITEBYTECODE, which makes every import compile sklearn/scipy from
        # source. Use a private bytecode cache, warmed by one small run.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        run_cli(warmup, model_path, env)
        started, cpu = time.perf_counter(), _children_cpu()
        lines = run_cli(source, model_path, env)
        elapsed, cpu = time.perf_counter() - started, _children_cpu() - cpu
    print(f"classify command (whole process incl. imports, {lines} lines out): "
          f"{len(items) / elapsed:,.0f} items/s ({elapsed:.2f} s; {cpu:.2f} CPU-seconds, "
          f"{len(items) / cpu:,.0f} per CPU-second)")


def _children_cpu() -> float:
    """User + system CPU seconds of finished child processes: on a shared machine this
    is steadier than the wall clock."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_cli(source: Path, model_path: Path, env: dict[str, str]) -> int:
    """Run ``nieuwsradar classify`` in a new process; return the number of output lines."""
    command = [sys.executable, "-c", "from nieuwsradar.cli import main; main()",
               "classify", "--input", str(source), "--model", str(model_path)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        sys.exit(f"classify command failed: {done.stderr.strip()}")
    return done.stdout.count("\n")


if __name__ == "__main__":
    main()
