"""Build a synthetic Dutch news archive of N items (for benchmarks and big tests).

    uv run python bench/archive.py /tmp/archive.db                      # fast, 100,000 items
    uv run python bench/archive.py /tmp/big.db --items 1000000
    uv run python bench/archive.py /tmp/radar-1m.db --kind zipf         # 1,000,000 items

Two kinds, both seeded (every build of a kind and size is the same):

``fast`` (tests and whole-command benchmarks): items made of ten-word phrases from a
small fixed vocabulary, spread over 14 municipal sources in turn, five minutes apart from
2021 on; one in five has a model label. The sources are marked as checked and not due
before the year 2999, so ``nieuwsradar update`` on the archive only fetches the sources
you add. Items go in in large transactions with the stemmed shadow precomputed.

``zipf`` (the search and trends benchmarks, bench/search.py and bench/trends.py): words
drawn from a Zipf distribution over a ~40,000-word vocabulary (a core of real Dutch words,
Dutch compounds built from them such as "kamerverhuur", and a long tail of invented
words); 300 sources of very different sizes (a few write most of the news); published
over three years, mostly in id order with some back-dated items; model labels on ~45 %
of the items (one or two of the four domains), human corrections on 0.1 %.

In both, one item in 20,000 holds :data:`RARE` and one in ten "illegale kamerverhuur".
Everything goes in through :meth:`Storage.upsert_items`, so the database is what ingest
would write (full-text index included). A build that stops half-way can be run again: it
appends the missing items.

Importable: ``build(path, n, kind=...)`` returns the items written per second; the tests
use it for their 100,000-item archive.
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from nieuwsradar.storage import Storage, open_storage
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
"""The vocabulary of the fast kind; the core of the zipf kind's vocabulary begins with it."""
CORE = [*WORDS, *(  # noqa: SIM905
    "gemeente gemeenten provincie rijk minister kamer verhuur huur huurders verhuurder "
    "toerisme markt haven school scholen sport zwembad bibliotheek subsidie begroting "
    "inspectie camera cameratoezicht bodycam bodycams handhaving veiligheid agent agenten "
    "woonfraude ondermijnende mensenhandel uitbuiting arbeidsuitbuiting prostitutie "
    "ondernemer bedrijven bedrijf winkel winkels supermarkt kapper nagelstudio shishalounge"
).split()]
"""The real Dutch words of the zipf kind, the most frequent first."""
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
"""Municipalities: the fast kind has a source for each of the first 14."""
FAST_PLACES = PLACES[:14]
DOMAINS = ("handhaving", "ondermijning", "sociaal domein", "omgevingswet")
RARE = "zeldzaamheidsonderzoek"
"""Added to one item in 20,000: a rare term with a known number of matches."""
N_SOURCES = 300
"""Sources of the zipf kind."""
NEVER = datetime(2999, 1, 1, tzinfo=UTC)


def with_markers(k: int, body: str) -> str:
    """Item ``k``'s text with the terms whose counts the benchmarks know: :data:`RARE` in
    one item of 20,000, "illegale kamerverhuur" in one of ten."""
    if k % 20_000 == 7:
        body += f" {RARE}"
    if k % 10 == 0:
        body += " illegale kamerverhuur aangepakt"
    return body


# --- fast: a phrase pool, 14 sources in turn ------------------------------------------------

def source_url(place: str) -> str:
    """The feed URL of the fast kind's source of ``place``."""
    return f"https://{place.lower().replace(' ', '')}.example.nl/rss"


def phrases(rng: random.Random, count: int = 4096) -> list[str]:
    """A pool of ten-word phrases that item texts are made of (cheaper than drawing
    every word, with the same vocabulary statistics)."""
    return [" ".join(rng.choices(WORDS, k=10)) for _ in range(count)]


def fast_items(rng: random.Random, pool: list[str], start: int, n: int,
               body_words: int) -> Iterator[NewItem]:
    """Fast items ``start`` … ``start + n - 1``, five minutes apart from 2021 on; the text
    has ``body_words`` (rounded up to ten) words after the opening sentence."""
    body_phrases = -(-max(body_words, 0) // 10)
    step = timedelta(minutes=5)
    t0 = datetime(2021, 1, 1, tzinfo=UTC)
    for k in range(start, start + n):
        place = FAST_PLACES[k % len(FAST_PLACES)]
        drawn = rng.choices(pool, k=3 + body_phrases)
        when = t0 + step * k
        yield NewItem(
            guid=f"item-{k}", url=f"{source_url(place)[:-4]}/nieuws/{k}",
            title=f"{drawn[0]} in {place}", summary=f"{drawn[1]} {drawn[2]}.",
            content_text=with_markers(k, f"De gemeente {place} meldt: " + " ".join(drawn[3:])),
            content_html="", published_at=when, fetched_at=when, lang="nl",
            content_hash=f"h{k}")


class Fast:
    """The fast kind (see the module docstring). A plain class, not a dataclass: the
    tests load this file by path, without a module entry a dataclass needs."""

    seed = 42
    batch = 20_000
    default_items = 100_000

    def __init__(self, body_words: int = 60) -> None:
        self.body_words = body_words

    def text(self, rng: random.Random) -> list[str]:
        return phrases(rng)

    def sources(self, store: Storage) -> list[int]:
        ids = [store.upsert_source(SourceSpec(url=source_url(p), name=f"Gemeente {p}"))
               for p in FAST_PLACES]
        now = datetime.now(UTC)
        for sid in ids:  # their URLs are not real: never due, an update skips them
            store.record_fetch_ok(sid, at=now, etag=None, last_modified=None,
                                  next_check_at=NEVER, interval_s=24 * 3600)
        return ids

    def write(self, store: Storage, rng: random.Random, text: list[str], sources: list[int],
              start: int, count: int, total: int) -> None:
        """Items ``start`` … in one transaction, source ``k % 14`` for item ``k``."""
        items = list(fast_items(rng, text, start, count, self.body_words))
        stems = [stems_of(i.title, i.summary, i.content_text) for i in items]
        by_source: dict[int, list[int]] = {}
        for pos, k in enumerate(range(start, start + count)):
            by_source.setdefault(sources[k % len(sources)], []).append(pos)
        with store.transaction():
            for sid, positions in by_source.items():
                new_ids = store.upsert_items(sid, [items[p] for p in positions],
                                             stems=[stems[p] for p in positions]).new_ids
                store.set_model_labels([
                    (item_id, [Label(DOMAINS[item_id % 4], 0.8, model_version="bench")])
                    for item_id in new_ids[::5]])


# --- zipf: a Zipf vocabulary, 300 sources of very different sizes ----------------------------

def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """The zipf kind's words and their cumulative Zipf weights (the most frequent first)."""
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


def zipf_source(n: int) -> SourceSpec:
    """Source ``n`` (0 … :data:`N_SOURCES` - 1) of the zipf kind."""
    return SourceSpec(url=f"https://bron{n}.example.nl/rss",
                      name=f"Gemeente {PLACES[n % len(PLACES)]} {n}")


def source_weights() -> list[float]:
    """Cumulative weights of the zipf sources: source n writes in proportion to 1/(n+1)."""
    return list(itertools.accumulate(1.0 / (n + 1) for n in range(N_SOURCES)))


def make_items(rng: random.Random, words: list[str], cum: list[float], start: int, n: int,
               total: int) -> list[NewItem]:
    """Zipf items ``start .. start + n`` of an archive of ``total``, over three years."""
    t0 = datetime(2023, 1, 1, tzinfo=UTC)
    span_minutes = 3 * 365 * 24 * 60
    items = []
    for k in range(start, start + n):
        place = rng.choice(PLACES)
        title = " ".join(rng.choices(words, cum_weights=cum, k=7)) + f" in {place}"
        summary = " ".join(rng.choices(words, cum_weights=cum, k=25)) + "."
        body = f"De gemeente {place} meldt: " + " ".join(
            rng.choices(words, cum_weights=cum, k=rng.randint(60, 160)))
        minute = k * span_minutes // total
        if k % 50 == 0:  # some items are back-dated (late feeds, imports)
            minute = max(0, minute - rng.randint(0, 60 * 24 * 90))
        published = t0 + timedelta(minutes=minute)
        items.append(NewItem(
            guid=f"item-{k}", url=f"https://{place.lower().replace(' ', '')}.nl/nieuws/{k}",
            title=title, summary=summary, content_text=with_markers(k, body), content_html="",
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


class Zipf:
    """The zipf kind (see the module docstring)."""

    seed = 7
    batch = 5_000
    default_items = 1_000_000

    def text(self, rng: random.Random) -> tuple[list[str], list[float]]:
        return vocabulary(rng)

    def sources(self, store: Storage) -> list[int]:
        return [store.upsert_source(zipf_source(n)) for n in range(N_SOURCES)]

    def write(self, store: Storage, rng: random.Random, text: tuple[list[str], list[float]],
              sources: list[int], start: int, count: int, total: int) -> None:
        """Items ``start`` …, 250 at a time from one source (a few sources write most)."""
        words, cum = text
        items = make_items(rng, words, cum, start, count, total)
        weights = source_weights()
        for first in range(0, len(items), 250):
            source = rng.choices(sources, cum_weights=weights)[0]
            ids = store.upsert_items(source, items[first:first + 250]).new_ids
            store.set_model_labels([(i, labels_for(rng)) for i in ids])
            for i in ids[::1000]:
                store.set_human_labels(i, [rng.choice(DOMAINS)])


class Kind(Protocol):
    """What differs between the kinds of archive; :func:`build` does the rest."""

    seed: int
    batch: int
    default_items: int

    def text(self, rng: random.Random) -> Any: ...
    def sources(self, store: Storage) -> list[int]: ...
    def write(self, store: Storage, rng: random.Random, text: Any, sources: list[int],
              start: int, count: int, total: int) -> None: ...


KINDS = ("fast", "zipf")


def kind_of(name: str, *, body_words: int = 60) -> Kind:
    """The kind called ``name`` (``body_words`` counts for the fast kind only)."""
    if name == "fast":
        return Fast(body_words=body_words)
    if name == "zipf":
        return Zipf()
    raise ValueError(f"unknown kind {name!r}; choose one of {', '.join(KINDS)}")


def build(path: Path, n: int, *, kind: str = "fast", body_words: int = 60,
          seed: int | None = None, report: bool = False) -> float:
    """Make ``path`` an archive of ``n`` items of ``kind`` (appending what is missing);
    the items written per second (``seed`` by default the kind's own, 42 fast, 7 zipf).
    ``report`` prints the progress now and then."""
    made = kind_of(kind, body_words=body_words)
    seed = made.seed if seed is None else seed
    started = time.perf_counter()
    rng = random.Random(seed)
    text = made.text(rng)
    with open_storage(path) as store:
        sources = made.sources(store)
        have = store.count_items()
        rng.seed(seed + have)
        for number, start in enumerate(range(have, n, made.batch)):
            made.write(store, rng, text, sources, start, min(made.batch, n - start), n)
            if report and number % 20 == 0:
                done = min(start + made.batch, n)
                rate = (done - have) / (time.perf_counter() - started)
                print(f"{done:,} items, {rate:,.0f} items/s", flush=True)
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return max(n - have, 0) / (time.perf_counter() - started)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path, help="database file (created, or completed)")
    parser.add_argument("--kind", choices=KINDS, default="fast")
    parser.add_argument("--items", type=int, default=None,
                        help="items in the archive (default 100,000 fast, 1,000,000 zipf)")
    parser.add_argument("--body-words", type=int, default=60,
                        help="fast kind: words in each item's text besides title and summary")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    items = args.items or kind_of(args.kind).default_items
    rate = build(args.db, items, kind=args.kind, body_words=args.body_words, seed=args.seed,
                 report=True)
    size = args.db.stat().st_size / 2**20
    print(f"{items:,} items in {args.db} ({size:,.0f} MiB); {rate:,.0f} items/s")


if __name__ == "__main__":
    main()
