"""The web app in a real browser (Debian chromium through playwright) against a real
uvicorn server on a real SQLite archive: search, facets, item page, sign-in and label
correction, hostile content staying inert, odd queries, phone and desktop widths."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest

from nieuwsradar.config import Settings
from nieuwsradar.core import make_radar
from nieuwsradar.present import local
from support.browser import launch, require_chromium
from support.web import NOW, Archive, LiveServer, build_archive

playwright_api = pytest.importorskip("playwright.sync_api")

PASSWORD = "browser-wachtwoord-1"
# Screenshots for a person to look at (the layout test writes them on every run).
SHOTS = Path(os.environ.get("NIEUWSRADAR_SHOTS", tempfile.gettempdir())) / "nieuwsradar-shots"

require_chromium()


pytestmark = pytest.mark.usefixtures("cheap_hashing")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Archive]:
    path = tmp_path_factory.mktemp("browser") / "radar.db"
    ids = build_archive(path)
    with make_radar(Settings(db=path)) as radar:
        radar.add_user("coordinator@example.nl", PASSWORD, name="Cora")
    return path, ids


@pytest.fixture(scope="module")
def server(archive: tuple[Path, Archive]) -> Iterator[LiveServer]:
    with LiveServer(Settings(db=archive[0])) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object, server: LiveServer) -> Iterator[object]:
    context = browser.new_context(base_url=server.url, viewport={"width": 1024, "height": 900})  # type: ignore[attr-defined]
    pg = context.new_page()
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.dialogs = dialogs
    yield pg
    assert not dialogs, f"a dialog opened: {dialogs}"
    context.close()


def no_script_ran(pg: object) -> None:
    """No payload ran, and none is even present as live markup."""
    assert pg.evaluate("() => window.pwned") is None  # type: ignore[attr-defined]
    found = pg.evaluate("""() => ({  // type: ignore
        scripts: document.querySelectorAll('script').length,
        handlers: [...document.querySelectorAll('*')].flatMap(
            el => [...el.attributes].filter(a => a.name.startsWith('on')).map(a => a.name)),
        badLinks: [...document.querySelectorAll('[href],[src]')].map(
            el => el.getAttribute('href') || el.getAttribute('src')).filter(
            v => /^\\s*(javascript|data|vbscript):/i.test(v)),
        frames: document.querySelectorAll('iframe,object,embed').length,
    })""")
    assert found == {"scripts": 0, "handlers": [], "badLinks": [], "frames": 0}, found


# --- search, facets, item -----------------------------------------------------------------

def test_search_shows_marked_results(page: object) -> None:
    page.goto("/zoeken")
    page.get_by_label("Zoekwoorden").fill("drugslab")
    page.get_by_role("button", name="Zoeken").click()
    page.wait_for_url("**/zoeken?q=drugslab*")
    marks = page.locator(".results mark").all_inner_texts()
    assert marks and all(m.lower() == "drugslab" for m in marks)
    assert page.get_by_role("heading", level=2, name="3 resultaten").is_visible()
    alternate = page.locator('link[rel="alternate"][type="application/atom+xml"]')
    assert "/zoeken/atom?q=drugslab" in alternate.get_attribute("href")
    no_script_ran(page)


def test_a_facet_filters_the_results(page: object) -> None:
    page.goto("/zoeken?q=drugslab")
    page.locator(".facets").get_by_role("link", name="RIEC Nieuws (1)").click()
    page.wait_for_url("**bron=*")
    assert page.get_by_role("heading", level=2, name="1 resultaat").is_visible()
    titles = page.locator(".result-title").all_inner_texts()
    assert titles == ["Drugslab in loods: burgemeester sluit pand"]
    # the active filter is shown, and clicking it again removes it
    page.locator(".facets").get_by_role("link", name="✓ RIEC Nieuws (1)").click()
    page.wait_for_function("() => !location.search.includes('bron=')")
    assert page.get_by_role("heading", level=2, name="3 resultaten").is_visible()


def test_open_an_item_from_the_results(page: object, archive: tuple[Path, Archive]) -> None:
    page.goto("/zoeken?q=loods&sorteer=datum")
    page.get_by_role("link", name="Drugslab opgerold in loods").click()
    page.wait_for_url(f"**/item/{archive[1].drugslab}")
    assert page.get_by_role("heading", level=1).inner_text() == "Drugslab opgerold in loods"
    original = page.get_by_role("link", name="Lees het origineel bij Gemeente Voorbeeld")
    assert original.get_attribute("rel") == "noopener noreferrer"
    assert original.get_attribute("href") == "https://example.nl/nieuws/2"
    story = page.get_by_role("region", name="Hetzelfde nieuws bij andere bronnen")
    assert "Drugslab in loods: burgemeester sluit pand" in story.inner_text()
    labels = page.locator("#labels").inner_text()
    assert "Ondermijnende criminaliteit" in labels and "score 0,88" in labels
    assert "Doorslaggevende woorden: drugslab (+" in labels  # the model's explanation


def test_domain_page_has_the_controls_and_a_feed(page: object) -> None:
    page.goto("/domein/ondermijning")
    assert page.get_by_role("heading", level=1).inner_text() == "Ondermijnende criminaliteit"
    assert page.get_by_label("Zoekwoorden").is_visible()
    assert not page.get_by_label("Van", exact=True).is_visible()  # folded away on arrival
    page.get_by_text("Filters en sorteren").click()
    assert page.get_by_label("Van", exact=True).is_visible()
    assert page.get_by_label("Tot en met").is_visible()
    assert page.get_by_label("Bronnen").is_visible()
    assert page.locator('link[rel="alternate"]').get_attribute("href").startswith(
        "/domein/ondermijning/atom")
    assert page.get_by_role("heading", level=2, name="2 resultaten").is_visible()
    # a period through the form's date fields narrows the list (and keeps them open)
    page.get_by_label("Van", exact=True).fill(local(NOW - timedelta(days=3)).date().isoformat())
    page.get_by_role("button", name="Filters toepassen").click()
    page.wait_for_url("**van=*")
    assert page.get_by_role("heading", level=2, name="1 resultaat").is_visible()
    assert page.get_by_label("Van", exact=True).is_visible()


# --- coordinators -------------------------------------------------------------------------

def test_sign_in_and_correct_a_label(page: object, archive: tuple[Path, Archive]) -> None:
    db, ids = archive
    page.goto(f"/item/{ids.bodycam}")
    assert page.get_by_role("button", name="Opslaan").count() == 0
    page.get_by_role("link", name="Log in als coördinator").click()
    page.get_by_label("E-mailadres").fill("coordinator@example.nl")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"**/item/{ids.bodycam}")
    assert "Ingelogd als Cora" in page.locator("header").inner_text()
    assert page.get_by_label("Toezicht en handhaving").is_checked()
    page.get_by_label("Toezicht en handhaving").uncheck()
    page.get_by_label("Sociaal domein").check()
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url("**opgeslagen=1*")
    assert page.get_by_role("status").inner_text() == "De labels zijn opgeslagen."
    assert "coordinator@example.nl koos sociaal domein" in page.locator("#labels").inner_text()
    assert page.get_by_label("Sociaal domein").is_checked()
    with make_radar(Settings(db=db)) as radar:
        labels = radar.item(ids.bodycam).labels
        assert [(lab.label, lab.origin) for lab in labels] == [("sociaal domein", "human")]
        assert [c.by for c in radar.corrections(ids.bodycam)] == ["coordinator@example.nl"]


def test_forged_label_posts_change_nothing(browser: object, server: LiveServer,
                                          archive: tuple[Path, Archive]) -> None:
    db, ids = archive
    context = browser.new_context(base_url=server.url)  # type: ignore[attr-defined]
    pg = context.new_page()
    target = f"/item/{ids.drugslab_other}/labels"
    anonymous = pg.request.post(target, form={"label": "handhaving", "csrf": "geraden"},
                                max_redirects=0)
    assert anonymous.status == 303 and "/login" in anonymous.headers["location"]
    pg.goto("/login")
    pg.get_by_label("E-mailadres").fill("coordinator@example.nl")
    pg.get_by_label("Wachtwoord").fill(PASSWORD)
    pg.get_by_role("button", name="Inloggen").click()
    pg.wait_for_url("**/")
    without_token = pg.request.post(target, form={"label": "handhaving"}, max_redirects=0)
    assert without_token.status == 403
    wrong_token = pg.request.post(target, form={"label": "handhaving", "csrf": "geraden"},
                                  max_redirects=0)
    assert wrong_token.status == 403
    context.close()
    with make_radar(Settings(db=db)) as radar:
        assert [lab.origin for lab in radar.item(ids.drugslab_other).labels] == ["model"]
        assert radar.corrections(ids.drugslab_other) == []


# --- hostile content and odd input --------------------------------------------------------

def test_hostile_items_render_inert_everywhere(page: object, archive: tuple[Path, Archive]
                                               ) -> None:
    hostile = archive[1].hostile
    for path in ("/", f"/item/{hostile}", "/zoeken?q=drugslab", "/zoeken?q=kwaadaardige",
                 "/domein/handhaving", "/bronnen", "/zoeken?q=%3Cscript%3Ewindow.pwned%3D1"
                 "%3C%2Fscript%3E", f"/api/items/{hostile}"):
        response = page.goto(path)
        assert response.status == 200, path
        no_script_ran(page)
    page.goto(f"/item/{hostile}")
    # the payloads are shown as text, not dropped silently from the title
    assert "<script>" in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_role("link", name="Lees het origineel").count() == 0  # javascript: URL
    assert "window.pwned" not in page.locator(".content").inner_html()


ODD_QUERIES = [
    '"', '"""', "((", ")", "NOT", "-", "OR OR", "*", "a*b*", "boa's", "e-bike", "C&A",
    "12:30", "domein:", "sinds:gisteren", "tot:31-02-2025", "bron:", "\x00\x00drugs\x00",
    "x" * 3000, "drugs " * 600, "<b>vet</b>", "'; DROP TABLE items; --", "1 OR 1=1",
    "\u202etekst", "😀 emoji", "NEAR(a b)", "title:x", "{a b}", "^begin",
]


def test_odd_queries_give_a_friendly_page(page: object) -> None:
    # through the form once (what a person does), then straight through the address
    page.goto("/zoeken")
    page.get_by_label("Zoekwoorden").fill('"((boa\'s -')
    page.get_by_role("button", name="Zoeken").click()
    page.wait_for_url("**/zoeken?q=*")
    for query in ODD_QUERIES:
        response = page.goto("/zoeken?" + urlencode({"q": query}))
        assert response.status == 200, query
        assert page.get_by_role("heading", level=1).inner_text() == "Zoeken", query
        assert "resulta" in page.locator("#resultaten").inner_text(), query
        no_script_ran(page)


def test_odd_addresses_give_a_page(page: object) -> None:
    for path, status in (("/zoeken?q=%00%00&pagina=-3&van=gisteren&bron=x&sorteer=%00", 200),
                         ("/zoeken?pagina=999999999999", 200), ("/item/0", 400),
                         ("/item/999999", 404), ("/item/abc", 400), ("/domein/bestaat-niet", 404),
                         ("/bestaat/niet", 404)):
        response = page.goto(path)
        assert response.status == status, path
        assert page.get_by_role("heading", level=1).is_visible()
        assert page.get_by_role("link", name="Naar de startpagina").count() <= 1


# --- accessibility and layout -------------------------------------------------------------

def test_keyboard_starts_at_the_skip_link(page: object) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent")
    assert focused == "Naar de inhoud"
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible
    assert page.locator(".skip-link").bounding_box()["y"] >= 0  # and on screen
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#inhoud"
    assert page.evaluate("() => document.documentElement.lang") == "nl"


@pytest.mark.parametrize("width", [375, 1024])
def test_pages_fit_phone_and_desktop(browser: object, server: LiveServer,
                                     archive: tuple[Path, Archive], width: int) -> None:
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(base_url=server.url,  # type: ignore[attr-defined]
                                  viewport={"width": width, "height": 800})
    pg = context.new_page()
    for name, path in (("start", "/"), ("zoeken", "/zoeken?q=drugslab"),
                       ("item", f"/item/{archive[1].drugslab}"), ("bronnen", "/bronnen"),
                       ("login", "/login")):
        pg.goto(path)
        overflow = pg.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px"
        pg.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    context.close()
