"""Filters in the search index (source, period, labels that count) against a reference.

The filter tokens of an item's index row must follow its labels through every change:
model labels at ingest, an update of the text, reclassifying, a human correction, its
deletion. A random archive is searched with random filters after each round of changes,
and every answer is compared with the items' own source, date and effective labels.
"""

from __future__ import annotations

import random
import sqlite3
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from nieuwsradar.search import parse_query, refine
from nieuwsradar.storage import Storage, open_storage
from nieuwsradar.storage import search as storage_search
from nieuwsradar.storage.connection import unzeroed_frees
from nieuwsradar.storage.fts import period_filter
from nieuwsradar.storage.migrations import migrate
from nieuwsradar.types import Item, Label, NewItem, SourceSpec

LABELS = ("handhaving", "ondermijning", "sociaal domein", "omgevingswet")
WORDS = ("toezicht", "boete", "overlast", "jongeren", "kamerverhuur", "drugslab")
T0 = datetime(2024, 11, 20, tzinfo=UTC)


def _item(rng: random.Random, n: int, version: int = 0) -> NewItem:
    words = " ".join(rng.choice(WORDS) for _ in range(6))
    published = T0 + timedelta(days=rng.randrange(0, 500), hours=rng.randrange(24))
    return NewItem(guid=f"g{n}", url=f"https://x.test/{n}", title=f"Bericht {n} {words[:20]}",
                   summary="", content_text=f"{words} versie {version}", content_html="",
                   published_at=published, fetched_at=T0, lang="nl",
                   content_hash=f"{n}-{version}")


def _labels(rng: random.Random) -> list[Label]:
    return [Label(lab, 0.9) for lab in rng.sample(LABELS, rng.randrange(0, 3))]


def _expected(items: list[Item], word: str | None, sources: set[int], domains: set[str],
              since: datetime | None, until: datetime | None) -> list[int]:
    found = []
    for item in items:
        labels = {lab.label for lab in item.labels} or {"overig"}
        text = f"{item.title} {item.content_text}".lower()
        if ((word is None or word in text) and (not sources or item.source_id in sources)
                and (not domains or labels & domains)
                and (since is None or item.published_at >= since)
                and (until is None or item.published_at < until)):
            found.append(item.id)
    return sorted(found, reverse=True)


def _check(store: Storage, rng: random.Random, source_ids: list[int], rounds: int) -> None:
    items = [it for batch in store.iter_items() for it in batch]
    assert items
    for _ in range(rounds):
        word = rng.choice([None, *WORDS])
        sources = set(rng.sample(source_ids, rng.randrange(0, 3)))
        domains = set(rng.sample([*LABELS, "overig"], rng.randrange(0, 3)))
        since = until = None
        if rng.random() < 0.5:
            since = T0 + timedelta(days=rng.randrange(-40, 500), hours=rng.randrange(24))
        if rng.random() < 0.5:
            until = T0 + timedelta(days=rng.randrange(0, 540))
        query = replace(refine(parse_query(word or ""), domains=tuple(sorted(domains)),
                               source_ids=tuple(sorted(sources))), since=since, until=until)
        expected = _expected(items, word, sources, domains, since, until)
        what = f"{word=} {sources=} {domains=} {since=} {until=}"
        assert store.match_ids(query, limit=10_000) == expected, what
        assert store.count_matches(query) == len(expected), what
        by_date = [it.id for it in sorted((it for it in items if it.id in set(expected)),
                                          key=lambda it: (it.published_at, it.id),
                                          reverse=True)]
        assert [h.item.id for h in store.search(query, limit=500, newest=True)] == by_date
        page = store.search(query, limit=5, offset=3, newest=True, matches=expected,
                            complete=True)  # a window of the matches, then stragglers
        assert [h.item.id for h in page] == by_date[3:8], what
        by_label, by_source = store.facet_counts(expected)
        counted = [it for it in items if it.id in set(expected)]
        assert dict(by_label) == Counter(
            lab for it in counted for lab in ({x.label for x in it.labels} or {"overig"}))
        assert {s: n for s, _, n in by_source} == Counter(it.source_id for it in counted)


def test_filters_follow_labels_through_every_change(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage_search, "RANK_WINDOW", 9)  # the date window is small
    rng = random.Random(7)
    with open_storage(tmp_path / "tags.db") as store:
        source_ids = [store.upsert_source(SourceSpec(url=f"https://s{n}.test/rss",
                                                     name=f"Bron {n}")) for n in range(5)]
        guids: dict[str, int] = {}
        owner: dict[str, int] = {}
        for n in range(150):  # model labels given at ingest, as the update writer does
            sid = rng.choice(source_ids)
            result = store.upsert_items(sid, [_item(rng, n)], labels=[_labels(rng)])
            guids[f"g{n}"], owner[f"g{n}"] = result.ids[f"g{n}"], sid
        _check(store, rng, source_ids, 40)

        for n in rng.sample(range(150), 30):  # new text (and date), new model labels
            store.upsert_items(owner[f"g{n}"], [_item(rng, n, version=1)],
                               labels=[_labels(rng)])
        for n in rng.sample(range(150), 20):  # new text, labels kept
            store.upsert_items(owner[f"g{n}"], [_item(rng, n, version=2)])
        _check(store, rng, source_ids, 40)

        ids = list(guids.values())
        store.set_model_labels([(i, _labels(rng)) for i in rng.sample(ids, 60)])  # reclassify
        for i in rng.sample(ids, 25):  # corrections, "overig" among them
            store.set_human_labels(i, [lab.label for lab in _labels(rng)])
        for i in rng.sample(ids, 10):
            store.delete_item(i)
        _check(store, rng, source_ids, 60)
        assert store.check_integrity() == []


def test_reopening_an_index_without_filter_tokens_rebuilds_it(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with open_storage(path) as store:
        sid = store.upsert_source(SourceSpec(url="https://a.test/rss", name="A"))
        (item_id,) = store.upsert_items(sid, [_item(random.Random(1), 1)],
                                        labels=[[Label("omgevingswet", 0.8)]]).new_ids
        store._conn.execute("DELETE FROM meta WHERE key = 'fts_stemmer'")
        store._conn.execute("INSERT INTO items_fts(items_fts) VALUES ('delete-all')")
        store._conn.execute("DELETE FROM search_tags")
    with open_storage(path) as store:
        assert store.match_ids(parse_query("domein:omgevingswet"), limit=10) == [item_id]
        assert store.check_integrity() == []


def test_a_word_like_a_filter_token_is_searched_in_the_text_only(tmp_path: Path) -> None:
    with open_storage(tmp_path / "t.db") as store:
        sid = store.upsert_source(SourceSpec(url="https://a.test/rss", name="A"))
        store.upsert_items(sid, [_item(random.Random(1), 1)])
        year = store.iter_items().__next__()[0].published_at.year
        for text in (f"y{year}", f"s{sid}", "d6f7665726967"):
            assert store.match_ids(parse_query(text), limit=10) == [], text


@pytest.mark.parametrize(("since", "until", "tokens"), [
    (datetime(2025, 2, 1, tzinfo=UTC), datetime(2025, 3, 1, tzinfo=UTC), "m202502"),
    (datetime(2024, 12, 31, 23, tzinfo=UTC), None,
     "m202412 OR y2025 OR m202601 OR m202602"),
    (None, datetime(2025, 1, 1, tzinfo=UTC), "m202411 OR m202412"),
    (datetime(2030, 1, 1, tzinfo=UTC), None, "m000000"),
])
def test_period_tokens_cover_the_period(since: datetime | None, until: datetime | None,
                                        tokens: str) -> None:
    first, last = "2024-11-03T00:00:00.000000+00:00", "2026-02-10T00:00:00.000000+00:00"
    assert period_filter(since, until, first, last) == f"tags : ({tokens})"
    assert period_filter(since, until, None, None) is None


def test_a_long_period_is_checked_on_dates_only(monkeypatch: pytest.MonkeyPatch) -> None:
    first, last = "1990-01-03T00:00:00.000000+00:00", "2026-02-10T00:00:00.000000+00:00"
    assert period_filter(datetime(1990, 5, 1, tzinfo=UTC), None, first, last) is not None
    monkeypatch.setattr("nieuwsradar.storage.fts._MAX_PERIOD_TOKENS", 3)
    assert period_filter(datetime(1990, 5, 1, tzinfo=UTC), None, first, last) is None


def test_a_version_8_archive_is_upgraded_and_reindexed_with_filter_tokens(
        tmp_path: Path) -> None:
    path = tmp_path / "v8.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, path, target=8)
    conn.execute("INSERT INTO sources (id, url, kind, name, interval_s, created_at) "
                 "VALUES (4, 'https://oud.test/rss', 'feed', 'Oud', 600, '2024-01-01')")
    for n, label in ((1, "handhaving"), (2, "omgevingswet"), (3, None)):
        conn.execute(
            "INSERT INTO items (id, source_id, published_at, fetched_at, content_hash, guid, "
            "url, title, content_text) VALUES (?, 4, ?, ?, ?, ?, ?, ?, ?)",
            (n, f"2025-0{n}-02T10:00:00.000000+00:00", "2025-04-01T00:00:00.000000+00:00",
             f"h{n}", f"g{n}", f"https://oud.test/{n}", f"Toezicht {n}", "Tekst over toezicht."))
        conn.execute("INSERT INTO items_fts(rowid, title, summary, content_text, stem_title, "
                     "stem_body) VALUES (?, ?, '', ?, ?, 'tekst over toezicht')",
                     (n, f"Toezicht {n}", "Tekst over toezicht.", f"toezicht {n}"))
        if label:
            conn.execute("INSERT INTO item_labels (item_id, label, score, origin, at) "
                         "VALUES (?, ?, 0.9, 'model', '2025-04-01')", (n, label))
    conn.execute("INSERT INTO meta (key, value) VALUES ('fts_stemmer', 'old/summary-1')")
    conn.close()
    with open_storage(path) as store:
        assert store.check_integrity() == []
        find = lambda text: store.match_ids(parse_query(text), limit=10)  # noqa: E731
        assert find("toezicht") == [3, 2, 1]
        assert find("toezicht domein:omgevingswet") == [2]
        assert find("domein:overig") == [3]
        assert find("toezicht bron:oud sinds:2025-02 tot:2025-02") == [2]


def test_freeing_the_old_index_does_not_zero_it_and_the_setting_comes_back(
        tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "z.db", isolation_level=None)
    conn.execute("PRAGMA secure_delete = ON")
    with unzeroed_frees(conn):
        assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 0
    assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    with pytest.raises(RuntimeError), unzeroed_frees(conn):
        raise RuntimeError("a failed migration")
    assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    conn.close()
