"""The review queue page ("Twijfelgevallen") in a real browser against a real uvicorn
server, a real SQLite archive and a real (small) trained model: coordinators confirm or
correct the model's labels in one click, the decisions are stored as human labels, and
visitors who are not signed in, or forged return paths, get nowhere."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from nieuwsradar.classify import train_model
from nieuwsradar.config import Settings
from nieuwsradar.core import make_radar
from nieuwsradar.storage import open_storage
from nieuwsradar.types import SourceSpec
from support.web import LiveServer, csrf_of, make_item, sign_in
from test_classify import TAXONOMY, make_examples
from test_web_browser import PASSWORD, SHOTS, browser  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("cheap_hashing")
EMAIL = "coordinator@example.nl"


@dataclass(frozen=True)
class Queue:
    """The archive behind the page: its settings and the ids of the notable items."""

    settings: Settings
    drugslab: int  # the source says omgevingswet, the model ondermijning
    wmo: int  # the source says omgevingswet, the model sociaal domein
    sure: int  # the model agrees with the source: not in the queue


@pytest.fixture(scope="module")
def queue(tmp_path_factory: pytest.TempPathFactory) -> Queue:
    root = tmp_path_factory.mktemp("review")
    model, _ = train_model(make_examples(), TAXONOMY, cv_folds=3, seed=0)
    settings = Settings(db=root / "radar.db", model=model.save(root / "model.npz"))
    with open_storage(settings.db) as db:
        source = db.upsert_source(SourceSpec(url="https://omgevingsdienst.test/rss",
                                             name="Omgevingsdienst Regio",
                                             default_domains=("omgevingswet",)))
        ids = db.upsert_items(source, [
            make_item(1, "Drugslab opgerold", "Witwassen, Bibob, RIEC en een hennepkwekerij.",
                      days_ago=1),
            make_item(2, "Wmo en jeugdhulp", "Jeugdhulp, Wmo, bijstand en mantelzorg.",
                      days_ago=2),
            make_item(3, "Omgevingsplan en omgevingsvergunning",
                      "De Omgevingswet, het DSO, het bestemmingsplan en de omgevingsdienst.",
                      days_ago=3),
        ]).new_ids
    with make_radar(settings) as radar:
        radar.add_user(EMAIL, PASSWORD, name="Cora")
    return Queue(settings, *ids)


@pytest.fixture(scope="module")
def server(queue: Queue) -> Iterator[LiveServer]:
    with LiveServer(queue.settings) as srv:
        yield srv


def human_labels(queue: Queue, item_id: int) -> list[str]:
    with make_radar(queue.settings) as radar:
        return sorted(lab.label for lab in radar.item(item_id).labels if lab.origin == "human")


def test_confirm_one_and_correct_another(browser: object, server: LiveServer,  # noqa: F811
                                         queue: Queue) -> None:
    context = browser.new_context(base_url=server.url)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto("/twijfelgevallen")  # not signed in: to the sign-in form, then back here
    page.wait_for_url("**/login?volgende=/twijfelgevallen")
    page.get_by_label("E-mailadres").fill(EMAIL)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/twijfelgevallen")
    nav = page.get_by_role("navigation", name="Hoofdmenu")
    assert nav.get_by_role("link", name="Twijfelgevallen").get_attribute("aria-current") == "page"
    assert page.get_by_role("heading", level=1, name="Twijfelgevallen").is_visible()
    assert "Menselijke labels in het archief: 0." in page.locator("main").inner_text()
    titles = page.locator(".result-title").all_inner_texts()
    assert "Drugslab opgerold" in titles and "Wmo en jeugdhulp" in titles
    assert "Omgevingsplan en omgevingsvergunning" not in titles  # a sure, agreeing call
    for width in (360, 1280):  # fits a phone and a desktop
        page.set_viewport_size({"width": width, "height": 800})
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the queue scrolls sideways by {overflow}px at {width}px"
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"twijfelgevallen-{width}.png"), full_page=True)

    # confirm: the model's labels are pre-ticked, one click stores them as human labels
    case = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="Drugslab opgerold"))
    why = case.locator(".review-why").inner_text()
    assert "bron noemt omgevingswet, model niet" in why
    assert re.search(r"score \d,\d\d bij drempel \d,\d\d voor \w", why), why
    assert case.get_by_label("Ondermijnende criminaliteit").is_checked()
    assert not case.get_by_label("Omgevingswet en fysieke leefomgeving").is_checked()
    case.get_by_role("button", name="Bevestigen").click()
    page.wait_for_url("**/twijfelgevallen?opgeslagen=1")
    assert page.get_by_role("status").inner_text() == "De labels zijn opgeslagen."
    assert "Drugslab opgerold" not in page.locator(".result-title").all_inner_texts()
    assert "Menselijke labels in het archief: 1." in page.locator("main").inner_text()

    # correct: change the ticks first, then the same button
    case = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="Wmo en jeugdhulp"))
    assert case.get_by_label("Sociaal domein").is_checked()
    case.get_by_label("Omgevingswet en fysieke leefomgeving").check()
    case.get_by_role("button", name="Bevestigen").click()
    page.wait_for_url("**/twijfelgevallen?opgeslagen=1")
    assert "Wmo en jeugdhulp" not in page.locator(".result-title").all_inner_texts()
    assert "Menselijke labels in het archief: 2." in page.locator("main").inner_text()
    context.close()

    assert human_labels(queue, queue.drugslab) == ["ondermijning"]
    assert human_labels(queue, queue.wmo) == ["omgevingswet", "sociaal domein"]
    with make_radar(queue.settings) as radar:
        assert [c.by for c in radar.corrections(queue.wmo)] == [EMAIL]
        assert radar.human_label_count() == 2
        examples = {example["id"] for example in radar.human_examples()}  # what train uses
        assert examples == {f"db-{queue.drugslab}", f"db-{queue.wmo}"}


def test_signed_out_visitors_cannot_see_or_post(server: LiveServer, queue: Queue) -> None:
    with httpx.Client(base_url=server.url) as client:
        page = client.get("/twijfelgevallen")
        assert page.status_code == 303
        assert page.headers["location"] == "/login?volgende=/twijfelgevallen"
        assert "Twijfelgevallen" not in client.get("/").text  # no navigation link
        post = client.post(f"/item/{queue.sure}/labels",
                           data={"label": "handhaving", "terug": "/twijfelgevallen"})
        assert post.status_code == 303 and post.headers["location"].startswith("/login")
    assert human_labels(queue, queue.sure) == []


def signed_in(client: httpx.Client) -> str:
    """Sign ``client`` in as the coordinator; the session's CSRF token."""
    answer = sign_in(client, EMAIL, PASSWORD)
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/twijfelgevallen").text)


@pytest.mark.parametrize("terug", ["//evil.example", "https://evil.example/",
                                   "/\t/evil.example", "/\\evil.example", "evil.example"])
def test_a_forged_return_path_stays_on_the_site(server: LiveServer, queue: Queue,
                                                terug: str) -> None:
    with httpx.Client(base_url=server.url) as client:
        csrf = signed_in(client)
        answer = client.post(f"/item/{queue.sure}/labels",
                             data={"label": "omgevingswet", "terug": terug, "csrf": csrf})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/item/{queue.sure}?opgeslagen=1#labels"
    assert human_labels(queue, queue.sure) == ["omgevingswet"]


def test_a_local_return_path_is_followed(server: LiveServer, queue: Queue) -> None:
    with httpx.Client(base_url=server.url) as client:
        csrf = signed_in(client)
        answer = client.post(f"/item/{queue.sure}/labels",
                             data={"label": "omgevingswet", "csrf": csrf,
                                   "terug": "/twijfelgevallen?opgeslagen=1"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/twijfelgevallen?opgeslagen=1"
