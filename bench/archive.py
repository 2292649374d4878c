"""Build a synthetic nieuwsradar archive of N items, fast (for benchmarks and big tests).

    uv run python bench/archive.py /tmp/archive.db                 # 100,000 items
    uv run python bench/archive.py /tmp/big.db --items 1000000

Items are Dutch-looking news texts from a fixed vocabulary (seeded, so every build is the
same), spread over 14 municipal sources, five minutes apart from 2021 on; one in five has a
model label and one in ten mentions "illegale kamerverhuur". The synthetic sources are
marked as checked and not due before the year 2999, so ``nieuwsradar update`` on the
archive only fetches the sources you add. They go in through
:meth:`Storage.upsert_items` in large batches, with the stemmed shadow precomputed, so the
database is exactly what ingest would write (index included). A builder that stops
half-way can be run again: it appends the missing items.

Importable: ``build(path, n)`` returns the items per second; the tests use it for their
100,000-item archive.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nieuwsradar.storage import open_storage
from nieuwsradar.storage.fts import stems_of
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
PLACES = ("Utrecht", "Amsterdam", "Rotterdam", "Den Haag", "Zwolle", "Tilburg", "Almere",
          "Breda", "Nijmegen", "Groningen", "Enschede", "Arnhem", "Haarlem", "Leiden")
#: A word in one item of every 20,000 (a rare search term).
RARE = "zeldzaamheidsonderzoek"
DOMAINS = ("handhaving", "ondermijning", "sociaal domein", "omgevingswet")
T0 = datetime(2021, 1, 1, tzinfo=UTC)
NEVER = datetime(2999, 1, 1, tzinfo=UTC)
BATCH = 20_000


def source_url(place: str) -> str:
    """The feed URL of the synthetic source of ``place``."""
    return f"https://{place.lower().replace(' ', '')}.example.nl/rss"


def phrases(rng: random.Random, count: int = 4096) -> list[str]:
    """A pool of ten-word phrases that item texts are made of (cheaper than drawing
    every word, with the same vocabulary statistics)."""
    return [" ".join(rng.choices(WORDS, k=10)) for _ in range(count)]


def make_items(rng: random.Random, pool: list[str], start: int, n: int,
               body_words: int) -> Iterator[NewItem]:
    """Items ``start`` … ``start + n - 1``; the text has ``body_words`` (rounded up to
    ten) words after the opening sentence."""
    body_phrases = -(-max(body_words, 0) // 10)
    step = timedelta(minutes=5)
    for k in range(start, start + n):
        place = PLACES[k % len(PLACES)]
        drawn = rng.choices(pool, k=3 + body_phrases)
        title = f"{drawn[0]} in {place}"
        summary = f"{drawn[1]} {drawn[2]}."
        body = f"De gemeente {place} meldt: " + " ".join(drawn[3:])
        if k % 20_000 == 7:
            body += f" {RARE}"
        if k % 10 == 0:
            body += " illegale kamerverhuur aangepakt"
        when = T0 + step * k
        yield NewItem(
            guid=f"item-{k}", url=f"{source_url(place)[:-4]}/nieuws/{k}", title=title,
            summary=summary, content_text=body, content_html="", published_at=when,
            fetched_at=when, lang="nl", content_hash=f"h{k}")


def build(path: Path, n: int, *, body_words: int = 60, seed: int = 42) -> float:
    """Make ``path`` an archive of ``n`` items (appending what is missing); items/s."""
    started = time.perf_counter()
    with open_storage(path) as store:
        sources = [store.upsert_source(SourceSpec(url=source_url(p), name=f"Gemeente {p}"))
                   for p in PLACES]
        now = datetime.now(UTC)
        for sid in sources:  # their URLs are not real: never due, an update skips them
            store.record_fetch_ok(sid, at=now, etag=None, last_modified=None,
                                  next_check_at=NEVER, interval_s=24 * 3600)
        have = store.count_items()
        rng = random.Random(seed)
        pool = phrases(rng)
        rng.seed(seed + have)
        for start in range(have, n, BATCH):
            count = min(BATCH, n - start)
            items = list(make_items(rng, pool, start, count, body_words))
            stems = [stems_of(i.title, i.summary, i.content_text) for i in items]
            by_source: dict[int, list[int]] = {}
            for pos, k in enumerate(range(start, start + count)):
                by_source.setdefault(sources[k % len(sources)], []).append(pos)
            with store.transaction():
                for sid, positions in by_source.items():
                    new_ids = store.upsert_items(
                        sid, [items[p] for p in positions],
                        stems=[stems[p] for p in positions]).new_ids
                    store.set_model_labels([
                        (item_id, [Label(DOMAINS[item_id % 4], 0.8, model_version="bench")])
                        for item_id in new_ids[::5]])
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    elapsed = time.perf_counter() - started
    return max(n - have, 0) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path, help="database file (created, or completed)")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--body-words", type=int, default=60,
                        help="words in each item's text besides title and summary")
    args = parser.parse_args()
    rate = build(args.db, args.items, body_words=args.body_words)
    size = args.db.stat().st_size / 2**20
    print(f"{args.items:,} items in {args.db} ({size:,.0f} MiB); {rate:,.0f} items/s")


if __name__ == "__main__":
    main()
