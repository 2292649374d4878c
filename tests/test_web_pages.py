"""Pages, feeds and headers over a real server: security headers on every answer, the
start and sources pages, pagination and capped counts, valid Atom with escaped content,
and templates that cannot carry inline script."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree

from nieuwsradar.config import Settings
from nieuwsradar.storage import open_storage
from nieuwsradar.types import SourceSpec
from nieuwsradar.web.templating import TEMPLATES_DIR
from support.web import XSS_TITLE, Archive, LiveServer, build_archive, make_item

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Archive]:
    path = tmp_path_factory.mktemp("pages") / "radar.db"
    return path, build_archive(path)


@pytest.fixture(scope="module")
def server(archive: tuple[Path, Archive]) -> Iterator[LiveServer]:
    with LiveServer(Settings(db=archive[0])) as srv:
        yield srv



@pytest.mark.parametrize("path", ["/", "/zoeken?q=drugslab", "/static/site.css",
                                  "/bestaat-niet", "/item/abc", "/api/items", "/api/docs",
                                  "/zoeken/atom", "/login"])
def test_every_answer_carries_the_security_headers(client: httpx.Client, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_templates_hold_no_inline_script_style_or_handlers() -> None:
    safe_uses = []
    for template in TEMPLATES_DIR.glob("*.*"):
        text = template.read_text(encoding="utf-8")
        assert "<script" not in text, template.name
        assert not re.search(r"\sstyle\s*=", text), template.name
        assert not re.search(r"\son[a-z]+\s*=", text), template.name
        safe_uses += [template.name for _ in re.finditer(r"\|\s*safe\b", text)]
    assert safe_uses == ["item.html"], "only the sanitized item HTML may be marked safe"


def test_start_page_shows_domains_counts_and_failing_sources(client: httpx.Client) -> None:
    page = client.get("/").text
    assert '<html lang="nl">' in page and 'href="#inhoud"' in page
    assert "Toezicht en handhaving" in page and "Ondermijnende criminaliteit" in page
    assert "Handhavers krijgen bodycams" in page
    failing = page[page.index("Bronnen met storingen"):]
    assert "RIEC Nieuws" in failing and "1 fout op rij" in failing


def test_sources_page_shows_health(client: httpx.Client) -> None:
    page = client.get("/bronnen").text
    assert "https://riec.test/rss: HTTP 503" in page
    assert "nog nooit" in page
    assert "&lt;script&gt;window.pwned=9&lt;/script&gt;" in page  # a hostile name, escaped


def test_search_form_offers_every_source_and_keeps_choices(client: httpx.Client) -> None:
    page = client.get("/zoeken").text
    options = re.findall(r'<option value="(\d+)"( selected)?>([^<]*)</option>', page)
    names = [name for _, _, name in options]
    assert names[1:] == ["Gemeente Voorbeeld", "RIEC Nieuws"]  # hostile name sorts first
    riec = next(value for value, _, name in options if name == "RIEC Nieuws")
    chosen = client.get("/zoeken", params={"q": "drugslab", "bron": riec, "van": "2020-01-01",
                                           "sorteer": "datum"}).text
    assert f'<option value="{riec}" selected>RIEC Nieuws</option>' in chosen
    assert 'value="2020-01-01"' in chosen and 'value="datum" checked' in chosen
    assert "<details class=\"more-filters\" open>" in chosen
    assert "1 resultaat" in chosen


def test_results_are_paged(client: httpx.Client) -> None:
    first = client.get("/zoeken", params={"q": "raadsvergadering"}).text
    assert "30 resultaten" in first and "Pagina 1 van 2" in first
    assert first.count('class="result"') == 20
    second = client.get("/zoeken", params={"q": "raadsvergadering", "pagina": "2"}).text
    assert second.count('class="result"') == 10 and "Vorige pagina" in second
    assert "Volgende pagina" not in second


def test_item_page_and_missing_item(client: httpx.Client, archive: tuple[Path, Archive]
                                    ) -> None:
    missing = client.get("/item/424242")
    assert missing.status_code == 404 and "Niet gevonden" in missing.text
    hostile = client.get(f"/item/{archive[1].hostile}").text
    assert "Lees het origineel" not in hostile  # its link is javascript:
    assert "&lt;script&gt;window.pwned=1" in hostile


def _feed(client: httpx.Client, path: str) -> etree._Element:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = etree.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None
    for entry in root.iter(f"{ATOM}entry"):
        for required in ("id", "title", "updated", "link"):
            assert entry.find(f"{ATOM}{required}") is not None, required
    return root


def test_search_and_domain_pages_are_atom_feeds(client: httpx.Client) -> None:
    page = client.get("/domein/ondermijning").text
    link = re.search(r'<link rel="alternate" type="application/atom\+xml" [^>]*href="([^"]+)"',
                     page)
    assert link and link.group(1) == "/domein/ondermijning/atom"
    domain = _feed(client, link.group(1))
    titles = [e.findtext(f"{ATOM}title") for e in domain.iter(f"{ATOM}entry")]
    assert titles == ["Drugslab in loods: burgemeester sluit pand", "Drugslab opgerold in loods"]
    search = _feed(client, "/zoeken/atom?q=drugslab")
    entries = {e.findtext(f"{ATOM}title"): e for e in search.iter(f"{ATOM}entry")}
    hostile = entries[XSS_TITLE]  # the title survives as text, escaped in the XML
    content = hostile.findtext(f"{ATOM}content") or ""
    assert "<p>Tekst</p>" in content
    assert "<script" not in content and "onerror" not in content and "javascript:" not in content
    assert all(link.get("href", "").startswith("http")
               for link in hostile.iter(f"{ATOM}link"))
    assert client.get("/domein/bestaat-niet/atom").status_code == 404


def test_broad_queries_show_a_capped_count(tmp_path: Path) -> None:
    db = tmp_path / "groot.db"
    with open_storage(db) as store:
        source = store.upsert_source(SourceSpec(url="https://veel.test/rss", name="Veel"))
        store.upsert_items(source, [
            make_item(n, f"Bericht over handhaving {n}", "Handhaving in de wijk.",
                  days_ago=n / 1000) for n in range(10_050)])
    with LiveServer(Settings(db=db)) as srv, httpx.Client(base_url=srv.url) as c:
        page = c.get("/zoeken", params={"q": "handhaving"}).text
        assert "meer dan 10.000 resultaten" in page
        assert "Pagina 1 van 500+" in page
        assert "Aantallen in de nieuwste 2.000 resultaten." in page
        assert c.get("/zoeken", params={"q": "handhaving", "pagina": "9999"}).status_code == 200
