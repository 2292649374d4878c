"""Benchmark storage: build a database of N synthetic Dutch items, time queries.

    uv run python bench/search.py                 # 200,000 items
    uv run python bench/search.py --million       # 1,000,000 items
    uv run python bench/search.py --items 50000 --db /tmp/x.db --keep

Prints the upsert rate (batches of 10,000 items, FTS included), the database size, and
median/max latency of search() (top 20, bm25, snippets) and count_matches() for a rare
term, a common term (in every item), a phrase, a prefix, a stemmed variant and a filter.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from nieuwsradar.search import parse_query
from nieuwsradar.storage import open_storage
from nieuwsradar.types import Label, NewItem, SourceSpec

WORDS = (  # noqa: SIM905 - a word list reads better as text
    "de het een en van in op met voor naar door over bij uit aan als om dat die niet "
    "ook nog wel maar meer veel extra nieuwe grote eerste week jaar dag avond nacht "
    "wijk straat centrum buurt bewoners inwoners ondernemers politie boa's handhavers "
    "burgemeester wethouder raad college toezicht controle controles boetes boete "
    "overlast jongeren parkeren afval vuurwerk fietsen e-bikes scooters horeca terras "
    "woning woningen pand panden sluiting drugs drugslab hennepkwekerij witwassen "
    "ondermijning criminaliteit fraude bijstand jeugdhulp zorg schulden wmo armoede "
    "vergunning omgevingswet omgevingsplan bouwen bestemmingsplan participatie "
    "melding meldingen onderzoek rapport besluit maatregel aanpak samenwerking"
).split()
PLACES = ["Utrecht", "Amsterdam", "Rotterdam", "Den Haag", "Zwolle", "Tilburg", "Almere",
          "Breda", "Nijmegen", "Groningen", "Enschede", "Arnhem", "Haarlem", "Leiden"]
RARE = "zeldzaamheidsonderzoek"


def make_items(rng: random.Random, start: int, n: int, t0: datetime) -> list[NewItem]:
    items = []
    for k in range(start, start + n):
        place = rng.choice(PLACES)
        title = " ".join(rng.choices(WORDS, k=6)) + f" in {place}"
        summary = " ".join(rng.choices(WORDS, k=25)) + "."
        body = f"De gemeente {place} meldt: " + " ".join(rng.choices(WORDS, k=rng.randint(50, 110)))
        if k % 20_000 == 7:
            body += f" {RARE}"
        if k % 10 == 0:
            body += " illegale kamerverhuur aangepakt"
        items.append(NewItem(
            guid=f"item-{k}", url=f"https://{place.lower().replace(' ', '')}.nl/nieuws/{k}",
            title=title, summary=summary, content_text=body, content_html="",
            published_at=t0 + timedelta(minutes=k), fetched_at=t0 + timedelta(minutes=k),
            lang="nl", content_hash=str(k),
        ))
    return items


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """Median and max milliseconds of ``repeat`` calls, and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--million", action="store_true", help="1,000,000 items")
    parser.add_argument("--db", type=Path, help="database path (default: a temp file)")
    parser.add_argument("--keep", action="store_true", help="keep the temp database")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    total = 1_000_000 if args.million else args.items
    tmp = None if args.db else Path(tempfile.mkdtemp(prefix="nieuwsradar-bench-"))
    path: Path = args.db if tmp is None else tmp / "bench.db"
    rng = random.Random(42)
    t0 = datetime(2020, 1, 1, tzinfo=UTC)

    with open_storage(path) as store:
        sources = [store.upsert_source(SourceSpec(url=f"https://{p.lower()}.nl/rss",
                                                  name=f"Gemeente {p}")) for p in PLACES]
        have = store.count_items()
        batch_times = []
        for start in range(have, total, 10_000):
            items = make_items(rng, start, min(10_000, total - start), t0)
            begin = time.perf_counter()
            ids = store.upsert_items(sources[(start // 10_000) % len(sources)], items).new_ids
            batch_times.append(time.perf_counter() - begin)
            store.set_model_labels([(i, [Label("handhaving", 0.9)]) for i in ids[::5]])
        if batch_times:
            print(f"upsert: {len(batch_times)} batches of 10k, median "
                  f"{statistics.median(batch_times):.3f} s, max {max(batch_times):.3f} s "
                  f"({total / sum(batch_times):,.0f} items/s)")
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"items: {store.count_items():,}; database {path.stat().st_size / 2**20:,.0f} MiB")
        cases = [
            ("rare term", RARE),
            ("common term (every item)", "gemeente"),
            ("frequent term", "handhavers"),
            ("phrase", '"illegale kamerverhuur"'),
            ("prefix", "ondermij*"),
            ("stemmed variant", "drugslabs"),
            ("term + filters", "toezicht domein:handhaving sinds:2020-02"),
            ("NOT", "toezicht -handhavers"),
        ]
        print(f"{'query':<28}{'search top-20 ms':>18}{'max':>8}{'count ms':>10}{'matches':>10}")
        for label, text in cases:
            query = parse_query(text)
            med, worst, _ = timed(partial(store.search, query, limit=20), args.repeat)
            cmed, _, count = timed(partial(store.count_matches, query), 3)
            print(f"{label:<28}{med:>18.1f}{worst:>8.1f}{cmed:>10.1f}{count:>10,}")
    if tmp is not None and not args.keep:
        shutil.rmtree(tmp)
    elif tmp is not None:
        print(f"kept {path}")


if __name__ == "__main__":
    main()
