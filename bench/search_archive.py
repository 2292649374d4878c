"""Build a synthetic Dutch news archive for the search benchmark (not part of the package).

    .venv/bin/python bench/search_archive.py /tmp/radar-1m.db --items 1000000

Items are written through the storage layer (FTS index, stems, labels included), so the
database is what the application would hold after ingesting that many items:

* 300 sources of very different sizes (a few write most of the news);
* words drawn from a Zipf distribution over a ~40,000-word vocabulary: a core of real
  Dutch words (frequent ones appear in most items, rare ones in a handful), Dutch
  compounds built from them ("kamerverhuur", "vakantieverhuur") and a long tail of
  invented words;
* published over three years, mostly in id order with some back-dated items;
* model labels on ~45 % of the items (1-2 of the four domains), human corrections on 0.1 %.

A rerun on an existing file adds items until it holds ``--items``.
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nieuwsradar.storage import open_storage
from nieuwsradar.types import Label, NewItem, SourceSpec

CORE = (  # noqa: SIM905 - a word list reads better as text
    "de het een en van in op met voor naar door over bij uit aan als om dat die niet "
    "ook nog wel maar meer veel extra nieuwe grote eerste week jaar dag avond nacht "
    "wijk straat centrum buurt bewoners inwoners ondernemers politie boa's handhavers "
    "burgemeester wethouder raad college toezicht controle controles boetes boete "
    "overlast jongeren parkeren afval vuurwerk fietsen e-bikes scooters horeca terras "
    "woning woningen pand panden sluiting drugs drugslab hennepkwekerij witwassen "
    "ondermijning criminaliteit fraude bijstand jeugdhulp zorg schulden wmo armoede "
    "vergunning omgevingswet omgevingsplan bouwen bestemmingsplan participatie "
    "melding meldingen onderzoek rapport besluit maatregel aanpak samenwerking "
    "gemeente gemeenten provincie rijk minister kamer verhuur huur huurders verhuurder "
    "toerisme markt haven school scholen sport zwembad bibliotheek subsidie begroting "
    "inspectie camera cameratoezicht bodycam bodycams handhaving veiligheid agent agenten "
    "woonfraude ondermijnende mensenhandel uitbuiting arbeidsuitbuiting prostitutie "
    "ondernemer bedrijven bedrijf winkel winkels supermarkt kapper nagelstudio shishalounge"
).split()
PARTS = (  # noqa: SIM905
    "kamer vakantie woning bedrijfs zorg jeugd afval drugs fiets auto boot school "
    "buurt wijk stads dorps haven markt winkel horeca huur bouw sport lucht water "
    "geluid straat nacht"
).split()
HEADS = (  # noqa: SIM905
    "verhuur overlast controle toezicht fraude handel melding beleid plan vergunning "
    "boete aanpak dienst team project regels zaken hulp kosten"
).split()
SYLLABLES = [a + b for a in "bdfghjklmnprstvwz" for b in ("a", "e", "i", "o", "u", "ee",
                                                           "oo", "ij", "ui", "au")]
PLACES = ["Utrecht", "Amsterdam", "Rotterdam", "Den Haag", "Zwolle", "Tilburg", "Almere",
          "Breda", "Nijmegen", "Groningen", "Enschede", "Arnhem", "Haarlem", "Leiden",
          "Apeldoorn", "Amersfoort", "Maastricht", "Dordrecht", "Zoetermeer", "Emmen"]
DOMAINS = ("handhaving", "ondermijning", "sociaal domein", "omgevingswet")
RARE = "zeldzaamheidsonderzoek"
"""Added to one item in 20,000: a rare term with a known number of matches."""
N_SOURCES = 300
T0 = datetime(2023, 1, 1, tzinfo=UTC)
SPAN_MINUTES = 3 * 365 * 24 * 60


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """The words and their cumulative Zipf weights (the most frequent first)."""
    compounds = [p + h for p in PARTS for h in HEADS]
    rng.shuffle(compounds)
    invented = {
        "".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) + rng.choice(["", "en", "er", "ing"])
        for _ in range(40_000)
    }
    words = list(dict.fromkeys([*CORE, *compounds, *sorted(invented)]))
    # Core words are frequent, compounds middling, invented words the long tail.
    weights = [1.0 / (rank + 8) ** 1.05 for rank in range(len(words))]
    return words, list(itertools.accumulate(weights))


def make_items(rng: random.Random, words: list[str], cum: list[float], start: int, n: int,
               total: int) -> list[NewItem]:
    """Items ``start .. start + n`` of an archive of ``total``."""
    items = []
    for k in range(start, start + n):
        place = rng.choice(PLACES)
        title = " ".join(rng.choices(words, cum_weights=cum, k=7)) + f" in {place}"
        summary = " ".join(rng.choices(words, cum_weights=cum, k=25)) + "."
        body = f"De gemeente {place} meldt: " + " ".join(
            rng.choices(words, cum_weights=cum, k=rng.randint(60, 160)))
        if k % 20_000 == 7:
            body += f" {RARE}"
        if k % 10 == 0:
            body += " illegale kamerverhuur aangepakt"
        minute = k * SPAN_MINUTES // total
        if k % 50 == 0:  # some items are back-dated (late feeds, imports)
            minute = max(0, minute - rng.randint(0, 60 * 24 * 90))
        published = T0 + timedelta(minutes=minute)
        items.append(NewItem(
            guid=f"item-{k}", url=f"https://{place.lower().replace(' ', '')}.nl/nieuws/{k}",
            title=title, summary=summary, content_text=body, content_html="",
            published_at=published, fetched_at=published, lang="nl", content_hash=str(k),
        ))
    return items


def labels_for(rng: random.Random) -> list[Label]:
    """The model labels of one item: none (overig) for ~55 %, else one or two domains."""
    roll = rng.random()
    if roll < 0.55:
        return []
    chosen = rng.sample(DOMAINS, 2 if roll > 0.92 else 1)
    return [Label(d, round(rng.uniform(0.5, 0.99), 2)) for d in chosen]


def build(path: Path, total: int, *, seed: int = 7, batch: int = 5_000) -> None:
    """Fill ``path`` up to ``total`` items, printing the write rate."""
    rng = random.Random(seed)
    words, cum = vocabulary(rng)
    with open_storage(path) as store:
        sources = [
            store.upsert_source(SourceSpec(url=f"https://bron{n}.example.nl/rss",
                                           name=f"Gemeente {PLACES[n % len(PLACES)]} {n}"))
            for n in range(N_SOURCES)
        ]
        # A few sources write most of the items: weight source n by 1 / (n + 1).
        source_cum = list(itertools.accumulate(1.0 / (n + 1) for n in range(N_SOURCES)))
        have = store.count_items()
        rng.seed(seed + have)
        began = time.perf_counter()
        for start in range(have, total, batch):
            items = make_items(rng, words, cum, start, min(batch, total - start), total)
            for first in range(0, len(items), 250):  # one source per 250 items
                source = rng.choices(sources, cum_weights=source_cum)[0]
                group = items[first:first + 250]
                ids = store.upsert_items(source, group).new_ids
                store.set_model_labels([(i, labels_for(rng)) for i in ids])
                for i in ids[::1000]:
                    store.set_human_labels(i, [rng.choice(DOMAINS)])
            done = start + len(items) - have
            if (start // batch) % 20 == 0:
                rate = done / (time.perf_counter() - began)
                print(f"{start + len(items):,} items, {rate:,.0f} items/s", flush=True)
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"{store.count_items():,} items; {path.stat().st_size / 2**20:,.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    build(args.db, args.items, seed=args.seed)


if __name__ == "__main__":
    main()
