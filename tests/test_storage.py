"""Storage on real SQLite files: migrations, failures, sources, items, labels, clusters."""

from __future__ import annotations

import sqlite3
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest.mock import ANY

import pytest

from nieuwsradar.errors import StorageError
from nieuwsradar.search import parse_query
from nieuwsradar.storage import SCHEMA_VERSION, Storage, open_storage
from nieuwsradar.storage.migrations import migrate
from nieuwsradar.types import Label, NewItem, ScrapeRules, SourceSpec

T0 = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)


def item(n: int, title: str = "", body: str = "", *, version: str = "1") -> NewItem:
    return NewItem(
        guid=f"guid-{n}", url=f"https://example.nl/nieuws/{n}",
        title=title or f"Bericht {n}", summary=f"Samenvatting {n}",
        content_text=body or f"Tekst van bericht {n}.", content_html=f"<p>{n}</p>",
        published_at=T0 + timedelta(hours=n), fetched_at=T0 + timedelta(days=1),
        lang="nl", content_hash=f"hash-{n}-{version}",
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Storage]:
    with open_storage(tmp_path / "radar.db") as s:
        yield s


@pytest.fixture
def source(store: Storage) -> int:
    return store.upsert_source(SourceSpec(url="https://example.nl/rss", name="Gemeente Voorbeeld"))


def search_ids(store: Storage, text: str) -> list[int]:
    return [hit.item.id for hit in store.search(parse_query(text), limit=50)]


# --- opening, migrations, failures ---------------------------------------------------


def test_new_database_is_current_wal_with_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "radar.db"
    with open_storage(path) as store:
        assert store.path == path
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert {"items", "items_fts", "digest_sends", "agenda_items"} <= set(
            store.db.table_names())
    other = sqlite3.connect(path)
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert other.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_version_1_database_is_migrated_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, path, target=1)
    conn.execute("INSERT INTO sources (url, kind, name, interval_s, created_at) "
                 "VALUES ('https://old.nl/rss', 'feed', 'Oud', 600, '2024-01-01')")
    conn.close()
    with open_storage(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert "members" in store.db.table_names()
        assert store.source_id_by_url("https://old.nl/rss") is not None
        store.db.execute("SELECT member_id, period, status FROM digest_sends").fetchall()


def test_database_from_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(StorageError, match=f"{path}.*schema version {SCHEMA_VERSION + 5}.*upgrade"):
        open_storage(path)


def test_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not sqlite at all\n" * 100)
    with pytest.raises(StorageError, match=f"{path}.*not a nieuwsradar database"):
        open_storage(path)
    assert path.read_bytes().startswith(b"this is not sqlite")


def test_missing_directory(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "radar.db"
    with pytest.raises(StorageError, match=r"directory .*missing does not exist"):
        open_storage(path)
    assert not path.parent.exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")
def test_read_only_location() -> None:
    with pytest.raises(StorageError, match=r"/proc/self/radar\.db"):
        open_storage("/proc/self/radar.db")


def test_full_disk_rolls_back_the_whole_batch(store: Storage, source: int) -> None:
    store.upsert_items(source, [item(n) for n in range(10)])
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages + 2}")
    big = [item(n, body="handhaving " * 400) for n in range(10, 300)]
    with pytest.raises(StorageError, match=r"disk is full.*free disk space"):
        store.upsert_items(source, big)
    assert store.count_items() == 10
    assert store.check_integrity() == []


# --- sources -------------------------------------------------------------------------


def test_upsert_source_updates_config_and_keeps_fetch_state(store: Storage) -> None:
    rules = ScrapeRules(item="li.news", title="h3", link="a", date="time", date_attr="datetime")
    spec = SourceSpec(url="https://stad.nl/nieuws", name="Stad", kind="scrape",
                      default_domains=("handhaving",), interval_s=900, scrape=rules)
    sid = store.upsert_source(spec)
    store.record_fetch_ok(sid, at=T0, etag='"e1"', last_modified="Tue, 04 Mar 2025",
                          next_check_at=T0 + timedelta(hours=1), interval_s=1800)
    renamed = SourceSpec(url=spec.url, name="Stad (nieuw)", kind="scrape", scrape=rules,
                         full_text=True, content_selector="article")
    assert store.upsert_source(renamed) == sid
    state = store.get_source(sid)
    assert state.spec == renamed
    assert (state.etag, state.interval_s, state.last_ok_at) == ('"e1"', 1800, T0)
    assert state.next_check_at == T0 + timedelta(hours=1)
    assert [s.id for s in store.list_sources()] == [sid]
    assert store.source_id_by_url("https://elders.nl") is None


def test_due_sources_and_error_bookkeeping(store: Storage) -> None:
    a = store.upsert_source(SourceSpec(url="https://a.nl/rss", name="A"))
    b = store.upsert_source(SourceSpec(url="https://b.nl/rss", name="B"))
    store.record_fetch_ok(a, at=T0, etag=None, last_modified=None,
                          next_check_at=T0 + timedelta(hours=2), interval_s=7200)
    for n in range(2):
        store.record_fetch_error(b, at=T0, error="HTTP 503",
                                 next_check_at=T0 + timedelta(minutes=n))
    assert [s.id for s in store.due_sources(T0 + timedelta(hours=1))] == [b]
    assert {s.id for s in store.due_sources(T0 + timedelta(hours=2))} == {a, b}
    state = store.get_source(b)
    assert (state.error_count, state.last_error, state.last_checked_at) == (2, "HTTP 503", T0)
    store.record_fetch_ok(b, at=T0, etag=None, last_modified=None,
                          next_check_at=T0, interval_s=60)
    assert (store.get_source(b).error_count, store.get_source(b).last_error) == (0, None)
    with pytest.raises(StorageError, match="no source with id 999"):
        store.record_fetch_error(999, at=T0, error="x", next_check_at=T0)


def test_remove_source_refuses_with_items_unless_purged(store: Storage, source: int) -> None:
    store.upsert_items(source, [item(1), item(2)])
    with pytest.raises(StorageError, match=r"still has 2 items.*purge"):
        store.remove_source(source)
    store.remove_source(source, purge=True)
    assert store.list_sources() == [] and store.count_items() == 0
    assert store.count_matches(parse_query("bericht")) == 0
    assert store.check_integrity() == []


# --- items ---------------------------------------------------------------------------


def test_upsert_new_updated_unchanged_tombstoned(store: Storage, source: int) -> None:
    first = store.upsert_items(source, [item(1), item(2), item(3)], [b"s1", None, b"s3"])
    assert len(first.new_ids) == 3 and first.updated_ids == [] and first.unchanged == 0
    _, two, three = first.new_ids
    store.delete_item(three)
    second = store.upsert_items(source, [
        item(1), item(2, title="Nieuwe titel", version="2"), item(3), item(4), item(4)])
    assert second.updated_ids == [two]
    assert second.unchanged == 2  # item 1, and the repeat of item 4
    assert second.tombstoned == 1 and len(second.new_ids) == 1
    assert store.get_item(two).title == "Nieuwe titel"
    assert store.get_item(two).id == two and store.count_items() == 3
    moved = item(30)
    moved = NewItem(**{**{f: getattr(moved, f) for f in moved.__slots__},
                       "url": "https://example.nl/nieuws/3"})
    assert store.upsert_items(source, [moved]).tombstoned == 1  # same url, new guid


def test_get_items_keeps_order_and_reads_back_fields(store: Storage, source: int) -> None:
    ids = store.upsert_items(source, [item(n) for n in range(5)]).new_ids
    got = store.get_items([ids[3], 10_000, ids[0]])
    assert [i.id for i in got] == [ids[3], ids[0]]
    first = got[1]
    assert first.published_at == T0 and first.published_at.tzinfo is not None
    assert (first.source_name, first.content_html, first.lang) == (
        "Gemeente Voorbeeld", "<p>0</p>", "nl")
    batches = list(store.iter_items(batch_size=2))
    assert [len(b) for b in batches] == [2, 2, 1]
    assert [i.id for b in batches for i in b] == sorted(ids)
    assert store.ids_by_guid(source, ["guid-1", "nope"]) == {"guid-1": ids[1]}
    assert store.existing_guids(source, ["guid-2", "nope"]) == {"guid-2"}
    with pytest.raises(StorageError, match="no item with id 10000"):
        store.get_item(10_000)


def test_bad_input_is_refused_without_writing(store: Storage, source: int) -> None:
    naive = NewItem(**{**{f: getattr(item(1), f) for f in item(1).__slots__},
                       "published_at": datetime(2025, 1, 1)})
    with pytest.raises(StorageError, match="published_at of item 'guid-1' is a naive datetime"):
        store.upsert_items(source, [item(0), naive])
    with pytest.raises(StorageError, match="no source with id 42"):
        store.upsert_items(42, [item(0)])
    with pytest.raises(ValueError, match="2 signatures for 1 items"):
        store.upsert_items(source, [item(0)], [None, None])
    assert store.count_items() == 0


def test_fts_follows_update_and_delete(store: Storage, source: int) -> None:
    (item_id,) = store.upsert_items(source, [item(1, body="Een drugslab in de schuur")]).new_ids
    assert search_ids(store, "drugslab") == [item_id]
    store.upsert_items(source, [item(1, body="Een hennepkwekerij op zolder", version="2")])
    assert search_ids(store, "drugslab") == []
    assert search_ids(store, "hennepkwekerij") == [item_id]
    store.delete_item(item_id)
    assert search_ids(store, "hennepkwekerij") == []
    assert store.check_integrity() == []


def test_transaction_is_atomic_and_nestable(store: Storage, source: int) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.upsert_items(source, [item(1)])
        with store.transaction():
            store.upsert_items(source, [item(2)])
        raise RuntimeError("boom")
    assert store.count_items() == 0
    with store.transaction():
        store.upsert_items(source, [item(1)])
        store.upsert_items(source, [item(2)])
    assert store.count_items() == 2


def test_stemmer_change_rebuilds_the_index(tmp_path: Path) -> None:
    path = tmp_path / "radar.db"
    with open_storage(path) as store:
        sid = store.upsert_source(SourceSpec(url="https://x.nl", name="X"))
        store.upsert_items(sid, [item(1, body="De handhavers waren er")])
        store.db.execute("UPDATE meta SET value = 'old-rules' WHERE key = 'fts_stemmer'")
        store.db.execute("INSERT INTO items_fts(items_fts) VALUES ('delete-all')")
    with open_storage(path) as store:
        assert len(search_ids(store, "handhaving")) == 1
        assert store.check_integrity() == []


def test_upsert_10k_items_is_fast(store: Storage, source: int) -> None:
    body = ("De gemeente zet extra handhavers en boa's in tegen overlast van e-bikes "
            "en drugslabs in de wijk, meldt de burgemeester. ")
    items = [item(n, title=f"Handhaving in wijk {n}", body=body * 2) for n in range(10_000)]
    # CPU time of this process (SQLite runs in it): a loaded shared machine does not fail it
    start = time.process_time()
    result = store.upsert_items(source, items)
    elapsed = time.process_time() - start
    print(f"upsert 10k items (~{len((body * 2).split()) + 8} words each): {elapsed:.3f} s")
    assert len(result.new_ids) == 10_000
    assert elapsed < 2.0
    start = time.process_time()
    assert store.upsert_items(source, items).unchanged == 10_000
    assert time.process_time() - start < 0.5


# --- labels --------------------------------------------------------------------------


def test_human_labels_win_over_model_labels(store: Storage, source: int) -> None:
    a, b, c = store.upsert_items(source, [item(1), item(2), item(3)]).new_ids
    store.set_model_labels([
        (a, [Label("handhaving", 0.9, model_version="m1"), Label("ondermijning", 0.6)]),
        (b, [Label("handhaving", 0.7)]),
        (c, [Label("omgevingswet", 0.8)]),
    ])
    store.set_human_labels(a, ["sociaal domein"])
    store.set_human_labels(b, [])
    assert [lab.label for lab in store.get_item(a).labels] == ["sociaal domein"]
    assert store.get_item(a).labels[0].origin == "human"
    assert store.get_item(b).labels == ()
    assert store.get_item(c).labels == (Label("omgevingswet", 0.8, "model", None),)
    store.set_model_labels([(a, [Label("omgevingswet", 0.99)])])  # model rerun
    assert [lab.label for lab in store.get_item(a).labels] == ["sociaal domein"]
    assert [(i.id, labels) for i, labels in store.human_labelled()] == [
        (a, ("sociaal domein",)), (b, ())]
    assert dict(store.label_counts()) == {"sociaal domein": 1, "omgevingswet": 1}
    with pytest.raises(StorageError, match=r"cannot label items \[777\]"):
        store.set_model_labels([(777, [Label("handhaving", 1.0)])])


# --- clusters ------------------------------------------------------------------------


def test_clusters_keep_size_first_seen_and_representative(store: Storage, source: int) -> None:
    other = store.upsert_source(SourceSpec(url="https://andere.nl/rss", name="Ander"))
    a, b = store.upsert_items(source, [item(1), item(2)], [b"sig-a", b"sig-b"]).new_ids
    (c,) = store.upsert_items(other, [item(0)], [b"sig-c"]).new_ids
    made = store.assign_clusters([(a, None), (b, None)])
    store.assign_clusters([(c, made[a])])

    def cluster(cid: int) -> tuple[int, str, int] | None:
        return store.db.execute("SELECT size, first_seen_at, representative_item_id "
                                "FROM clusters WHERE id = ?", (cid,)).fetchone()

    assert cluster(made[a]) == (2, store.db.execute(
        "SELECT published_at FROM items WHERE id = ?", (c,)).fetchone()[0], a)
    assert [i.id for i in store.cluster_items(made[a])] == [c, a]
    assert [[i.id for i in group] for group in store.multi_source_clusters()] == [[c, a]]
    store.assign_clusters([(b, made[a])])  # b's own cluster empties and goes away
    assert cluster(made[b]) is None and cluster(made[a]) == (3, ANY, a)
    store.delete_item(a)  # the representative goes: the earliest member takes over
    assert cluster(made[a]) == (2, ANY, c)
    (d,) = store.upsert_items(other, [item(3)], [b"sig-d"]).new_ids  # not in a story yet
    sigs = store.recent_signatures(T0)
    assert sorted(sigs) == [(b, made[a], b"sig-b"), (c, made[a], b"sig-c"), (d, None, b"sig-d")]
    assert store.recent_signatures(T0 + timedelta(hours=2, minutes=1)) == [(d, None, b"sig-d")]
    with pytest.raises(StorageError, match=r"clusters \[9999\]"):
        store.assign_clusters([(b, 9999)])
