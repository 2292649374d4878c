"""A database with one week of labelled items, a multi-source story and members, for the
digest's tests and benchmark."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from nieuwsradar.digest.week import Week
from nieuwsradar.storage import open_storage
from nieuwsradar.types import Label, Member, NewItem, SourceSpec

WEEK = Week.parse("2026-W49")
DOMAINS = ("handhaving", "ondermijning", "sociaal domein", "omgevingswet")
TOPICS = {
    "handhaving": ("Boa's krijgen bodycams", "Handhavers in de binnenstad", "Last onder dwangsom"),
    "ondermijning": ("Drugslab opgerold", "Witwassen via vastgoed", "RIEC-rapport verschenen"),
    "sociaal domein": ("Schuldhulp bij gemeenten", "Jeugdzorg onder druk", "Wmo-cijfers"),
    "omgevingswet": ("Omgevingsplan vastgesteld", "Vergunningverlening sneller",
                     "Wet kwaliteitsborging in de praktijk"),
}


def _text(title: str, n: int) -> str:
    return (f"{title}: dat meldt de gemeente op maandag. De maatregel geldt o.a. voor de "
            f"binnenstad en wordt na een jaar geëvalueerd. Nummer {n} in de reeks. "
            "Een woordvoerder licht toe dat de aanpak samen met de politie wordt uitgevoerd.")


def seed_week(db: Path, *, per_domain: int = 6, week: Week = WEEK) -> list[int]:
    """Store ``per_domain`` items per domain in ``week`` (labelled by 'the model'), one of
    them also carried by two other sources (a story). Returns the item ids."""
    ids: list[int] = []
    with open_storage(db) as store:
        sources = [store.upsert_source(SourceSpec(url=f"https://bron{i}.example/rss",
                                                  name=f"Bron {i}", default_domains=(d,)))
                   for i, d in enumerate(DOMAINS)]
        extra = [store.upsert_source(SourceSpec(url=f"https://extra{i}.example/rss",
                                                name=f"Extra bron {i}")) for i in range(2)]
        labels: list[tuple[int, list[Label]]] = []
        for d_index, domain in enumerate(DOMAINS):
            news = []
            for n in range(per_domain):
                title = f"{TOPICS[domain][n % 3]} ({n + 1})"
                news.append(NewItem(
                    guid=f"{domain}-{n}", url=f"https://bron{d_index}.example/{n}", title=title,
                    summary="", content_text=_text(title, n), content_html="",
                    published_at=week.start + timedelta(hours=5 + 20 * n + d_index),
                    fetched_at=week.start + timedelta(days=1), lang="nl",
                    content_hash=f"{domain}-{n}"))
            new = store.upsert_items(sources[d_index], news).new_ids
            ids += new
            for n, item_id in enumerate(new):
                labels.append((item_id, [Label(domain, round(0.95 - 0.05 * n, 2), "model",
                                               "test")]))
        # the first handhaving item is a story told by two more sources
        first = ids[0]
        copies = []
        for i, source_id in enumerate(extra):
            copy = NewItem(guid=f"copy-{i}", url=f"https://extra{i}.example/1",
                           title="Boa's krijgen bodycams (kopie)", summary="",
                           content_text=_text("Boa's krijgen bodycams", 0), content_html="",
                           published_at=week.start + timedelta(hours=8),
                           fetched_at=week.start + timedelta(days=1), lang="nl",
                           content_hash=f"copy-{i}")
            copies += store.upsert_items(source_id, [copy]).new_ids
        cluster = store.assign_clusters([(first, None)])[first]
        store.assign_clusters([(c, cluster) for c in copies])
        labels += [(c, [Label("handhaving", 0.5, "model", "test")]) for c in copies]
        ids += copies
        store.set_model_labels(labels)
    return ids


MEMBERS = [
    Member(email="anne@utrecht.nl", name="Anne de Vries", organisation="Gemeente Utrecht",
           network="G40", domains=("handhaving", "ondermijning"), searches=("bodycam",)),
    Member(email="bert@tilburg.nl", name="Bert Jansen", organisation="Gemeente Tilburg",
           network="G40", domains=("sociaal domein",)),
    Member(email="carla@zwolle.nl", name="Carla", organisation="Gemeente Zwolle",
           network="M150", domains=("omgevingswet",), searches=('"Wet kwaliteitsborging"',)),
    Member(email="dirk@ede.nl", name="Dirk", organisation="Gemeente Ede", network="M150",
           domains=("handhaving", "sociaal domein", "omgevingswet", "ondermijning")),
]


def seed_members(db: Path, members: list[Member] | None = None) -> None:
    """Store the members (default: four of two networks)."""
    with open_storage(db) as store:
        store.upsert_members(members if members is not None else MEMBERS)
