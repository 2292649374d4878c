"""Search through storage on a real SQLite file: ranking, syntax, filters, stemming."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nieuwsradar.search import parse_query
from nieuwsradar.storage import MARK_END, MARK_START, Storage, open_storage, vocabulary
from nieuwsradar.storage import search as storage_search
from nieuwsradar.types import Label, NewItem, SourceSpec

T0 = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
DOCS = {
    # key: (source, days after T0, title, text)
    "title": ("utrecht", 0, "Handhaving op de markt", "Een drukke dag in het centrum."),
    "body": ("utrecht", 1, "Nieuws uit de raad",
             "De raad sprak lang over de handhaving van parkeerregels."),
    "plural": ("amsterdam", 2, "Extra handhavers in de binnenstad",
               "De gemeenten Amsterdam en Zaanstad zetten meer boa's in."),
    "phrase": ("amsterdam", 3, "Illegale kamerverhuur aangepakt",
               "Toezicht op illegale kamerverhuur en woonfraude."),
    "words": ("rotterdam", 400, "Verhuur aan toeristen",
              "Kamerverhuur is niet illegale activiteit zonder vergunning."),
    "drugs": ("rotterdam", 500, "Drugslab ontmanteld in schuur",
              "In de schuur stonden vaten met drugsafval; drugshandel vermoed."),
    "ebike": ("den haag", 600, "Boete voor e-bike op de stoep", "Boa's deelden boetes uit."),
}


def new_item(key: str, days: int, title: str, text: str) -> NewItem:
    return NewItem(
        guid=key, url=f"https://example.nl/{key}", title=title, summary="", content_text=text,
        content_html="", published_at=T0 + timedelta(days=days), fetched_at=T0, lang="nl",
        content_hash=key,
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Storage, dict[str, int]]]:
    store = open_storage(tmp_path_factory.mktemp("search") / "radar.db")
    ids: dict[str, int] = {}
    for name in ("utrecht", "amsterdam", "rotterdam", "den haag"):
        sid = store.upsert_source(SourceSpec(url=f"https://{name}.nl/rss",
                                             name=f"Gemeente {name.title()}"))
        batch = [new_item(k, *v[1:]) for k, v in DOCS.items() if v[0] == name]
        result = store.upsert_items(sid, batch)
        ids.update(zip([i.guid for i in batch], result.new_ids, strict=True))
    store.set_model_labels([(ids["title"], [Label("handhaving", 0.9)]),
                            (ids["body"], [Label("handhaving", 0.8)]),
                            (ids["drugs"], [Label("ondermijning", 0.95)])])
    store.set_human_labels(ids["body"], ["sociaal domein"])
    yield store, ids
    store.close()


def keys(corpus: tuple[Storage, dict[str, int]], text: str) -> list[str]:
    store, ids = corpus
    by_id = {v: k for k, v in ids.items()}
    hits = store.search(parse_query(text), limit=50)
    assert store.count_matches(parse_query(text)) == len(hits)
    return [by_id[h.item.id] for h in hits]


def test_title_match_ranks_above_body_match(corpus: tuple[Storage, dict[str, int]]) -> None:
    assert keys(corpus, "handhaving")[:2] == ["title", "body"]


def test_stemming_finds_variants(corpus: tuple[Storage, dict[str, int]]) -> None:
    assert set(keys(corpus, "handhavers")) == {"title", "body", "plural"}
    assert keys(corpus, "handhavers")[0] == "plural"  # the exact word ranks first
    assert keys(corpus, "gemeente") == ["plural"]
    assert keys(corpus, "drugslabs") == ["drugs"]
    assert set(keys(corpus, "boa")) == {"plural", "ebike"}


def test_phrase_prefix_not_or(corpus: tuple[Storage, dict[str, int]]) -> None:
    assert set(keys(corpus, "illegale kamerverhuur")) == {"phrase", "words"}
    assert keys(corpus, '"illegale kamerverhuur"') == ["phrase"]
    assert set(keys(corpus, "drugs*")) == {"drugs"}
    assert set(keys(corpus, "kamerverh*")) == {"phrase", "words"}
    assert keys(corpus, "kamerverhuur -toeristen") == ["phrase"]
    assert set(keys(corpus, "drugslab OR e-bike")) == {"drugs", "ebike"}
    assert keys(corpus, "e-bike") == ["ebike"]


def test_filters(corpus: tuple[Storage, dict[str, int]]) -> None:
    assert keys(corpus, "handhaving domein:handhaving") == ["title"]  # human relabelled body
    assert keys(corpus, "handhaving domein:sociaal-domein") == ["body"]
    assert set(keys(corpus, "handhaving domein:overig")) == {"plural"}
    assert set(keys(corpus, "domein:ondermijning OR domein:handhaving")) == {"drugs", "title"}
    assert set(keys(corpus, "kamerverhuur sinds:2025")) == {"words"}
    assert set(keys(corpus, "kamerverhuur tot:2024-06")) == {"phrase"}
    assert set(keys(corpus, "bron:amsterdam")) == {"plural", "phrase"}
    assert keys(corpus, "bron:nergens") == []
    assert keys(corpus, "bron:Den-Haag") == []
    assert keys(corpus, "bron:haag") == ["ebike"]


@pytest.mark.parametrize(("text", "expected"), [
    ("-boetes", ["drugs", "words", "phrase", "plural", "body", "title"]),
    ("domein:handhaving -markt", []),
    ("domein:overig -drugslab", ["ebike", "words", "phrase", "plural"]),
    ("-toeristen bron:haag", ["ebike"]),
])
def test_exclusions_without_words_walk_id_ranges_newest_first(
        corpus: tuple[Storage, dict[str, int]], monkeypatch: pytest.MonkeyPatch,
        text: str, expected: list[str]) -> None:
    store, ids = corpus
    whole = store.match_ids(parse_query(text), limit=50)
    monkeypatch.setattr(storage_search, "EXCLUDE_WINDOW", 1)  # ranges of 1, 2, 4... ids
    assert whole == [ids[k] for k in expected]
    assert store.match_ids(parse_query(text), limit=50) == whole
    assert store.match_ids(parse_query(text), limit=2) == whole[:2]


def test_browse_without_terms_lists_newest_first(corpus: tuple[Storage, dict[str, int]]) -> None:
    store, _ = corpus
    found = keys(corpus, "")
    assert found[:2] == ["ebike", "drugs"] and len(found) == len(DOCS)
    hit = store.search(parse_query(""), limit=1)[0]
    assert hit.rank == 0.0 and hit.snippet.startswith("Boa's")


def test_snippets_mark_matches(corpus: tuple[Storage, dict[str, int]]) -> None:
    store, _ = corpus
    (hit,) = store.search(parse_query('"woonfraude"'))
    assert f"{MARK_START}woonfraude{MARK_END}" in hit.snippet
    # "handhavers" matches "handhaving" only through the stemmed index: still marked
    hits = {h.item.guid: h for h in store.search(parse_query("handhavers"))}
    assert f"{MARK_START}handhaving{MARK_END}" in hits["body"].snippet


def test_paging_and_rank_window(corpus: tuple[Storage, dict[str, int]],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    store, _ = corpus
    full = [h.item.id for h in store.search(parse_query("de"), limit=50)]
    assert len(full) == 5
    page = [h.item.id for h in store.search(parse_query("de"), limit=2, offset=2)]
    assert page == full[2:4]
    monkeypatch.setattr(storage_search, "RANK_WINDOW", 2)
    monkeypatch.setattr(storage_search, "BM25_BUDGET", 0)  # rank like a very common term
    windowed = store.search(parse_query("de"), limit=2)
    newest_two = sorted(full, reverse=True)[:2]  # ranked within the newest matches
    assert sorted(h.item.id for h in windowed) == sorted(newest_two)
    # pages past the window go on with the older matches, newest first
    deeper = store.search(parse_query("de"), limit=3, offset=2)
    assert [h.item.id for h in deeper] == sorted(full, reverse=True)[2:5]
    assert store.count_matches(parse_query("de")) == 5
    assert store.count_matches(parse_query("de"), cap=3) == 3
    assert store.count_matches(parse_query("bron:amsterdam"), cap=3) == 2


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(st.sampled_from([*'aé "\'()*-:^{}+.&\x00\x02', "OR", "NOT", "AND",
                                      "NEAR", "domein:", "sinds:", "bron:", "tot:",
                                      "handhaving", "de"]) | st.text(max_size=3),
                     max_size=15).map("".join))
def test_search_never_raises(corpus: tuple[Storage, dict[str, int]], text: str) -> None:
    store, _ = corpus
    query = parse_query(text)
    hits = store.search(query, limit=5)
    assert store.count_matches(query) >= len(hits)


def test_vocabulary_counts_stems_and_finds_compounds(tmp_path: Path) -> None:
    with open_storage(tmp_path / "v.db") as store:
        sid = store.upsert_source(SourceSpec(url="https://v.test/rss", name="V"))
        store.upsert_items(sid, [
            new_item("a", 0, "Kamerverhuur", "Kamerverhuur en vakantieverhuur."),
            new_item("b", 1, "Verhuur", "Vakantieverhuur aan toeristen."),
            new_item("c", 2, "Markt", "Geen verhuur hier."),
        ])
        conn = store._conn
        expected = {"kamerverhur": 1, "vakantieverhur": 2, "verhur": 2}
        counts = vocabulary.doc_counts(conn, [vocabulary.key(s) for s in expected])
        assert counts == {vocabulary.key(s): n for s, n in expected.items()}
        assert store.compounds_of("verhur") == ["vakantieverhur", "kamerverhur"]
        assert store.compounds_of("hur") == []  # too short to be a compound's head
        # a migration fills the vocabulary of an existing archive from its index
        recorded = conn.execute("SELECT term, docs FROM search_vocabulary").fetchall()
        with store.transaction():
            vocabulary.reset(conn)
            vocabulary.fill_from_index(conn)
        filled = dict(conn.execute("SELECT term, docs FROM search_vocabulary").fetchall())
        assert set(filled) == {t for t, _ in recorded}
        assert all(filled[t] >= n for t, n in recorded)  # title + text may count twice
        # a rebuild of the index starts the counts afresh
        store.rebuild_index()
        assert conn.execute("SELECT term, docs FROM search_vocabulary").fetchall() == recorded


def test_newest_first_finds_items_stored_before_the_newest_matches(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Stored order A, B, C; published order B, C, A: a late feed stored A first.
    with open_storage(tmp_path / "n.db") as store:
        sid = store.upsert_source(SourceSpec(url="https://n.test/rss", name="N"))
        ids = store.upsert_items(sid, [new_item("a", 10, "Toezicht a", "toezicht"),
                                       new_item("b", 1, "Toezicht b", "toezicht"),
                                       new_item("c", 2, "Toezicht c", "toezicht")]).new_ids
        a, b, c = ids
        query = parse_query("toezicht")
        expected = [a, c, b]
        assert [h.item.id for h in store.search(query, newest=True)] == expected
        monkeypatch.setattr(storage_search, "RANK_WINDOW", 1)  # only C is a candidate
        for limit, offset in ((1, 0), (2, 0), (3, 0), (1, 1), (2, 1)):
            page = store.search(query, newest=True, limit=limit, offset=offset)
            assert [h.item.id for h in page] == expected[offset:offset + limit]
        page = store.search(query, newest=True, limit=2, matches=[c], complete=False)
        assert [h.item.id for h in page] == [a, c]
