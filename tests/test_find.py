"""The search facade (Radar.find) on a real SQLite file: form and box filters, counts,
facets, paging, sorting, warnings, and any input without an exception."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nieuwsradar.cli import main
from nieuwsradar.config import Settings
from nieuwsradar.core import Radar, SearchRequest, make_radar
from nieuwsradar.core import search as core_search
from nieuwsradar.storage import open_storage
from nieuwsradar.types import Label, NewItem, SourceSpec

T0 = datetime(2024, 6, 1, 10, 0, tzinfo=UTC)
DOCS = {
    # key: (source, day, title, text, labels)
    "boa-markt": ("Utrecht", 0, "Boa's op de markt", "Handhaving met boa op de markt.",
                  ["handhaving"]),
    "camera": ("Utrecht", 1, "Cameratoezicht in het centrum",
               "De handhaving krijgt camera's.", ["handhaving"]),
    "drugslab": ("Rotterdam", 2, "Drugslab opgerold",
                 "Ondermijning in de haven: de boa en de handhaving tipten.",
                 ["ondermijning", "handhaving"]),
    "verhuur": ("Rotterdam", 3, "Kamerverhuur aangepakt",
                "Illegale vakantieverhuur en kamerverhuur in de wijk.", []),
    "bijstand": ("Den Haag", 40, "Bijstand en schulden", "Het sociaal domein in de wijk.",
                 ["sociaal domein"]),
}


@pytest.fixture(scope="module")
def radar(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Radar, dict[str, int]]]:
    path = tmp_path_factory.mktemp("find") / "radar.db"
    ids: dict[str, int] = {}
    with open_storage(path) as store:
        for place in ("Utrecht", "Rotterdam", "Den Haag"):
            sid = store.upsert_source(SourceSpec(url=f"https://{place.lower()}.test/rss",
                                                 name=f"Gemeente {place}"))
            keys = [k for k, v in DOCS.items() if v[0] == place]
            batch = [
                NewItem(guid=k, url=f"https://{place.lower()}.test/{k}", title=DOCS[k][2],
                        summary="", content_text=DOCS[k][3], content_html="",
                        published_at=T0 + timedelta(days=DOCS[k][1]), fetched_at=T0,
                        lang="nl", content_hash=k)
                for k in keys
            ]
            ids.update(zip(keys, store.upsert_items(sid, batch).new_ids, strict=True))
        store.set_model_labels([(ids[k], [Label(lab, 0.9) for lab in v[4]])
                                for k, v in DOCS.items()])
    with make_radar(Settings(db=path, model=path.parent / "geen-model.skops")) as opened:
        yield opened, ids


def keys(found: core_search.SearchResults, ids: dict[str, int]) -> list[str]:
    by_id = {v: k for k, v in ids.items()}
    return [by_id[h.item.id] for h in found.hits]


def find(radar: tuple[Radar, dict[str, int]], text: str = "", **form: object) -> list[str]:
    found = radar[0].find(SearchRequest(text=text, limit=50, **form))  # type: ignore[arg-type]
    assert found.total == len(found.hits) and not found.more
    return keys(found, radar[1])


def source_id(radar: tuple[Radar, dict[str, int]], key: str) -> int:
    return radar[0].find(SearchRequest(text=DOCS[key][2])).hits[0].item.source_id


def test_exclusion_next_to_only_filters_excludes(radar: tuple[Radar, dict[str, int]]) -> None:
    # Defect 5: "domein:handhaving -boa" returned what "domein:handhaving boa" returns.
    assert set(find(radar, "domein:handhaving boa")) == {"boa-markt", "drugslab"}
    assert find(radar, "domein:handhaving -boa") == ["camera"]
    assert find(radar, "-boa", domains=("handhaving",)) == ["camera"]
    assert set(find(radar, "-boa")) == {"camera", "verhuur", "bijstand"}


@pytest.mark.parametrize("text", ["sinds:notadate", "sinds:2022-13-45", "tot:2024-02-30"])
def test_bad_dates_are_warned_about(radar: tuple[Radar, dict[str, int]], text: str) -> None:
    found = radar[0].find(SearchRequest(text=f"boa {text}"))
    assert found.warnings and text in found.warnings[0] and "geen datum" in found.warnings[0]
    assert found.total == 2  # the rest of the query still applies


def test_cli_shows_warnings_on_stderr_and_in_json(radar: tuple[Radar, dict[str, int]],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NIEUWSRADAR_DB", str(radar[0].settings.db))
    monkeypatch.setenv("NIEUWSRADAR_MODEL", str(radar[0].settings.model))
    result = CliRunner().invoke(main, ["search", "boa", "tot:2024-02-30", "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["total"] == 2 and "tot:2024-02-30 is geen datum" in found["warnings"][0]
    assert {f["name"]: f["count"] for f in found["facets"]["domein"]} == {
        "handhaving": 2, "ondermijning": 1}
    assert "tot:2024-02-30 is geen datum" in result.stderr
    result = CliRunner().invoke(main, ["search", "domein:handhaving", "-boa", "--sort", "datum"])
    assert result.exit_code == 0 and "1 resultaat" in result.stdout
    assert "Cameratoezicht" in result.stdout and "Boa's op de markt" not in result.stdout


def test_form_and_box_filters_combine(radar: tuple[Radar, dict[str, int]]) -> None:
    utrecht = source_id(radar, "camera")
    assert set(find(radar, "handhaving")) == {"boa-markt", "camera", "drugslab"}
    assert set(find(radar, "handhaving", sources=(utrecht,))) == {"boa-markt", "camera"}
    assert find(radar, "handhaving bron:rotterdam", sources=(utrecht,)) == []
    assert find(radar, "domein:ondermijning", domains=("handhaving",)) == ["drugslab"]
    assert find(radar, "domein:ondermijning", domains=("sociaal domein",)) == []
    assert set(find(radar, "", domains=("overig", "sociaal-domein"))) == {"verhuur", "bijstand"}
    assert find(radar, "wijk", since=date(2024, 7, 1)) == ["bijstand"]
    # until is inclusive, as an Amsterdam calendar day (item "camera" is 2024-06-02 12:00)
    assert find(radar, "handhaving", until=date(2024, 6, 2)) == ["camera", "boa-markt"]
    assert find(radar, "handhaving sinds:2024-06-02", until=date(2024, 6, 2)) == ["camera"]


def test_counts_facets_paging_and_sort(radar: tuple[Radar, dict[str, int]],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    engine, ids = radar
    found = engine.find(SearchRequest(text="handhaving"))
    assert found.total == 3 and not found.more and not found.warnings
    domains = {f.value: f.count for f in found.facets["domein"]}
    assert domains == {"handhaving": 3, "ondermijning": 1}
    sources = {f.name: (f.value, f.count) for f in found.facets["bron"]}
    assert sources == {"Gemeente Utrecht": (str(source_id(radar, "camera")), 2),
                       "Gemeente Rotterdam": (str(source_id(radar, "drugslab")), 1)}
    assert [f.count for f in found.facets["bron"]] == [2, 1]  # most frequent first
    assert {f.value: f.count for f in engine.find(SearchRequest(text="wijk")).facets["domein"]
            } == {"overig": 1, "sociaal domein": 1}

    newest = keys(engine.find(SearchRequest(sort="date", limit=50)), ids)
    assert newest == ["bijstand", "verhuur", "drugslab", "camera", "boa-markt"]
    assert keys(engine.find(SearchRequest(text="handhaving", sort="date")), ids) == [
        "drugslab", "camera", "boa-markt"]
    page = engine.find(SearchRequest(sort="date", limit=2, offset=2))
    assert keys(page, ids) == ["drugslab", "camera"] and page.total == 5
    hit = engine.find(SearchRequest(text="vakantieverhuur")).hits[0]
    assert "\x02vakantieverhuur\x03" in hit.snippet and hit.item.source_name

    assert found.facets_over == 3
    monkeypatch.setattr(core_search, "FACET_CAP", 1)
    sampled = engine.find(SearchRequest(text="handhaving"))
    assert sampled.total == 3 and sampled.facets_over == 1
    newest = engine.find(SearchRequest(text=DOCS["drugslab"][2])).hits[0].item
    assert {(f.value, f.count) for f in sampled.facets["domein"]} == {
        (lab.label, 1) for lab in newest.labels}
    assert [(f.value, f.count) for f in sampled.facets["bron"]] == [(str(newest.source_id), 1)]
    monkeypatch.setattr(core_search, "COUNT_CAP", 2)
    capped = engine.find(SearchRequest(text="handhaving"))
    assert capped.total == 2 and capped.more


def test_a_word_finds_its_compounds(radar: tuple[Radar, dict[str, int]]) -> None:
    engine, ids = radar
    found = engine.find(SearchRequest(text="verhuur"))
    assert keys(found, ids) == ["verhuur"]
    assert "\x02vakantieverhuur\x03" in found.hits[0].snippet
    assert "\x02kamerverhuur\x03" in found.hits[0].snippet
    assert find(radar, '"verhuur"') == []  # a quoted word is taken as written
    assert find(radar, "markt") == ["boa-markt"]  # "supermarkt" would be a compound


def test_odd_requests_get_warnings(radar: tuple[Radar, dict[str, int]]) -> None:
    found = radar[0].find(SearchRequest(text="boa", sort="random", limit=-5, offset=-1))
    assert found.warnings and "sortering" in found.warnings[0] and found.hits == []
    assert radar[0].find(SearchRequest(text="boa", domains=("bestaat niet",))).total == 0
    assert radar[0].find(SearchRequest(text="boa", sources=(99_999_999_999,))).total == 0
    assert radar[0].find(SearchRequest(since=date.min, until=date.max)).total == 5


TEXTS = st.lists(
    st.sampled_from(['"', "'", "(", ")", "[", "]", "\x00", "<script>alert(1)</script>", "*",
                     "-", ":", "OR", "NOT", "AND", "NEAR", "domein:", "sinds:", "tot:",
                     "bron:", "'; DROP TABLE items; --", " UNION SELECT 1", "handhaving",
                     "boa", "é", "\u202e", " "]) | st.text(max_size=4),
    max_size=30,
).map("".join)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXTS | st.text(min_size=2900, max_size=3100),
       domains=st.lists(st.text(max_size=8), max_size=3).map(tuple),
       sources=st.lists(st.integers(-2**63, 2**63 - 1), max_size=3).map(tuple),
       since=st.none() | st.dates(), until=st.none() | st.dates(),
       sort=st.sampled_from(["relevance", "date", "x"]),
       offset=st.integers(-5, 20_000))
def test_any_request_gives_results_never_an_exception(
        radar: tuple[Radar, dict[str, int]], text: str, domains: tuple[str, ...],
        sources: tuple[int, ...], since: date | None, until: date | None, sort: str,
        offset: int) -> None:
    found = radar[0].find(SearchRequest(text=text, domains=domains, sources=sources,
                                        since=since, until=until, sort=sort, offset=offset))
    assert 0 <= len(found.hits) <= 20 and found.total <= len(DOCS)
    assert set(found.facets) == {"domein", "bron"}
