"""The JSON API over a real server: search with facets, items, sources, labels, stories,
label correction by session + CSRF or by API token, and schemathesis against the app's
own OpenAPI schema (no 5xx, answers match the schema)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from nieuwsradar.config import Settings
from nieuwsradar.core import make_radar
from support.web import (
    Archive,
    LiveServer,
    build_archive,
    csrf_of,
    sign_in,
)

PASSWORD = "api-wachtwoord-123"


pytestmark = pytest.mark.usefixtures("cheap_hashing")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Archive, str]:
    path = tmp_path_factory.mktemp("api") / "radar.db"
    ids = build_archive(path, extra=3)
    with make_radar(Settings(db=path)) as radar:
        radar.add_user("api@example.nl", PASSWORD)
        token = radar.new_api_token("api@example.nl")
    return path, ids, token


@pytest.fixture(scope="module")
def server(archive: tuple[Path, Archive, str]) -> Iterator[LiveServer]:
    with LiveServer(Settings(db=archive[0])) as srv:
        yield srv



def test_search_returns_hits_total_facets_and_warnings(client: httpx.Client) -> None:
    data = client.get("/api/items", params={"q": "drugslab sinds:gisteren-ooit"}).json()
    assert data["total"] == 3 and data["more"] is False
    assert {h["title"] for h in data["hits"]} >= {"Drugslab opgerold in loods"}
    assert all("\x02" not in h["snippet"] and "\x03" not in h["snippet"] for h in data["hits"])
    assert {f["name"] for f in data["facets"]["bron"]} >= {"Gemeente Voorbeeld", "RIEC Nieuws"}
    assert {f["value"]: f["count"] for f in data["facets"]["domein"]}["ondermijning"] == 2
    assert data["warnings"], "the unreadable date is explained"
    riec = next(f["value"] for f in data["facets"]["bron"] if f["name"] == "RIEC Nieuws")
    narrowed = client.get("/api/items", params={"q": "drugslab", "bron": riec}).json()
    assert narrowed["total"] == 1
    newest = client.get("/api/items", params={"domein": "ondermijning", "sort": "date"}).json()
    dates = [h["published_at"] for h in newest["hits"]]
    assert dates == sorted(dates, reverse=True) and len(dates) == 2


def test_item_source_label_and_story_reads(client: httpx.Client,
                                           archive: tuple[Path, Archive, str]) -> None:
    ids = archive[1]
    hostile = client.get(f"/api/items/{ids.hostile}").json()
    assert "<script" not in hostile["content_html"] and "onerror" not in hostile["content_html"]
    assert "javascript:" not in hostile["content_html"]
    missing = client.get("/api/items/999999")
    assert missing.status_code == 404 and missing.json()["detail"] == "er is geen item 999999"
    sources = client.get("/api/sources").json()
    riec = next(s for s in sources if s["name"] == "RIEC Nieuws")
    assert riec["error_count"] == 1 and "503" in riec["last_error"]
    labels = {t["id"]: t for t in client.get("/api/labels").json()}
    assert labels["ondermijning"]["items"] == 2 and labels["ondermijning"]["name"]
    story = client.get(f"/api/items/{ids.drugslab}").json()["story_id"]
    told = client.get(f"/api/stories/{story}").json()
    assert [i["id"] for i in told["items"]] == [ids.drugslab, ids.drugslab_other]
    assert client.get("/api/stories/999999").status_code == 404


def test_label_correction_needs_a_coordinator(client: httpx.Client,
                                              archive: tuple[Path, Archive, str]) -> None:
    db, ids, token = archive
    url = f"/api/items/{ids.plain}/labels"
    assert client.put(url, json={"labels": ["handhaving"]}).status_code == 401
    assert client.put(url, json={"labels": ["handhaving"]},
                      headers={"Authorization": "Bearer verkeerd"}).status_code == 401
    with make_radar(Settings(db=db)) as radar:
        assert not [lab for lab in radar.item(ids.plain).labels if lab.origin == "human"]
    ok = client.put(url, json={"labels": ["handhaving"]},
                    headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200, ok.text
    assert [(lab["label"], lab["origin"]) for lab in ok.json()["labels"]] == [
        ("handhaving", "human")]
    assert ok.json()["corrections"][0]["by"] == "api@example.nl"
    bad = client.put(url, json={"labels": ["verzonnen"]},
                     headers={"Authorization": f"Bearer {token}"})
    assert bad.status_code == 422
    # a session works too, but only with the session's CSRF token in the header
    sign_in(client, "api@example.nl", PASSWORD)
    assert client.put(url, json={"labels": []}).status_code == 403
    session_csrf = csrf_of(client.get("/").text)
    cleared = client.put(url, json={"labels": []}, headers={"X-CSRF-Token": session_csrf})
    assert cleared.status_code == 200 and cleared.json()["labels"] == []
    with make_radar(Settings(db=db)) as radar:
        assert [c.labels for c in radar.corrections(ids.plain)] == [(), ("handhaving",)]
        assert radar.human_examples()[0]["labels"] == []  # train sees the correction


def test_docs_page_works_offline_and_the_cdn_pages_are_gone(client: httpx.Client) -> None:
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert "<script" not in docs.text and "cdn" not in docs.text.lower()
    assert "/api/items/{item_id}/labels" in docs.text and "Zoeken in het archief" in docs.text
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").json()["paths"]["/api/items"]["get"]


def test_api_conforms_to_its_schema(server: LiveServer) -> None:
    """Every operation, 30 generated cases each (bounded): no 5xx, answers as documented."""
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [op for op in (result.ok() for result in schema.get_all_operations())
                  if op.path.startswith("/api/")]
    assert len(operations) == 6
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck),
                  derandomize=True, database=None)
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate()

        check()
