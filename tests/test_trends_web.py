"""Trends pages and the agenda board over a real uvicorn server (httpx)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pypdf
import pytest

from nieuwsradar.config import Settings
from nieuwsradar.core import SearchRequest, make_radar
from support import web
from support.trend_history import COORDINATOR, PASSWORD, seed_site
from support.web import LiveServer, csrf_of


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("trendsweb") / "radar.db"
    seed_site(path)
    with LiveServer(Settings(db=path)) as srv:
        yield srv



def sign_in(client: httpx.Client) -> None:
    response = web.sign_in(client, COORDINATOR, PASSWORD)
    assert response.status_code in (200, 303), response.text


def test_trends_page_explains_charts_and_drills_down(client: httpx.Client,
                                                     server: LiveServer) -> None:
    db_path = server.settings.db
    page = client.get("/trends")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Trends 2026-W44</h1>" in html
    assert "Aanpak illegale vakantieverhuur" in html
    assert "5 bronnen deze week, nieuw: niet genoemd in de 12 weken ervoor." in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="sparkline" role="img"') >= 2
    assert "<figcaption>Bronnen per week, 2026-W19 t/m 2026-W44: hoogste 5 in 2026-W44" in html
    link = re.search(r'href="(/zoeken\?q=[^"]+)"', html)
    assert link, "no drill-down link"
    query = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)["q"][0]
    assert query == '"Aanpak illegale vakantieverhuur" sinds:2026-10-26 tot:2026-11-01'
    with make_radar(Settings(db=db_path)) as radar:  # what the search page will show
        hits = radar.find(SearchRequest(text=query, limit=50)).hits
    assert len(hits) == 5 and all("vakantieverhuur" in h.item.title for h in hits)
    assert "<script" not in html and "Zet op agenda" not in html  # not signed in


def test_trends_per_domain_and_bad_parameters(client: httpx.Client) -> None:
    html = client.get("/trends", params={"domein": "handhaving", "week": "2026-W44"}).text
    assert "<h1>Trends 2026-W44: Handhaving</h1>" in html and "Alle domeinen</h2>" not in html
    html = client.get("/trends", params={"domein": "onzin", "week": "week 44"}).text
    assert "Onbekend domein “onzin”" in html and "geen ISO-week" in html
    html = client.get("/trends", params={"netwerk": "G40"}).text
    assert "Netwerk “G40” heeft geen leden" in html
    html = client.get("/trends", params={"week": "2026-W30"}).text
    assert "Geen stijgende onderwerpen deze week." in html


def test_home_shows_the_trends_teaser(client: httpx.Client) -> None:
    html = client.get("/").text
    assert 'id="trends-teaser"' in html and "Aanpak illegale vakantieverhuur" in html


def test_agenda_changes_need_a_coordinator_and_a_csrf_token(client: httpx.Client) -> None:
    response = client.post("/agenda", data={"titel": "Stiekem"})
    assert response.status_code in (303, 401, 403)
    assert "Stiekem" not in client.get("/agenda").text
    sign_in(client)
    response = client.post("/agenda", data={"titel": "Zonder token"})
    assert response.status_code == 403
    assert "Zonder token" not in client.get("/agenda").text


def test_board_create_pin_reorder_note_remove_and_export(client: httpx.Client) -> None:
    sign_in(client)
    token = csrf_of(client.get("/agenda").text)
    bad = client.post("/agenda", data={"titel": "  ", "csrf": token})
    assert bad.status_code == 400 and "Vul een titel in." in bad.text
    made = client.post("/agenda", data={"titel": "Najaarsbijeenkomst", "netwerk": "M150",
                                        "datum": "2026-11-20", "csrf": token})
    assert made.status_code == 303
    board_url = made.headers["location"].split("?")[0]
    meeting = board_url.rsplit("/", 1)[1]
    trends = client.get("/trends").text
    assert "Zet op agenda" in trends and "Najaarsbijeenkomst" in trends
    pinned = client.post("/agenda/onderwerp", data={
        "vergadering": meeting, "sleutel": "aanpak illegal vakantieverhur",
        "onderwerp": "Aanpak illegale vakantieverhuur", "domein": "handhaving",
        "notitie": "Spreker van de VNG?", "csrf": token})
    assert pinned.status_code == 303
    client.post(f"/agenda/{meeting}/item", data={"item": "1", "notitie": "", "csrf": token})
    board = client.get(board_url).text
    lines = re.findall(r'action="/agenda/\d+/regel/(\d+)"', board)
    first, second = list(dict.fromkeys(lines))
    assert board.index("Aanpak illegale vakantieverhuur") < board.index("Parkeren")
    client.post(f"/agenda/{meeting}/regel/{second}", data={"actie": "omhoog", "csrf": token})
    client.post(f"/agenda/{meeting}/regel/{first}", data={"actie": "notitie",
                                                         "notitie": "Met de RIEC",
                                                         "csrf": token})
    board = client.get(board_url).text
    assert board.index("Parkeren") < board.index("Aanpak illegale vakantieverhuur")

    markdown = client.get(f"/agenda/{meeting}/agenda.md")
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "attachment" in markdown.headers["content-disposition"]
    text = markdown.text
    assert text.startswith("# Agenda: Najaarsbijeenkomst (M150), 2026-11-20")
    assert "2. **Aanpak illegale vakantieverhuur** (onderwerp, handhaving)\n   Met de RIEC" in text
    rows = list(csv.reader(io.StringIO(client.get(f"/agenda/{meeting}/agenda.csv").text)))
    assert rows[0][0] == "\ufeffvolgorde" and rows[2][2] == "Aanpak illegale vakantieverhuur"
    printed = client.get(f"/agenda/{meeting}/afdrukken").text
    assert "Agenda: Najaarsbijeenkomst" in printed and "Met de RIEC" in printed

    client.post("/agenda", data={"titel": "Vorige keer", "netwerk": "M150",
                                 "datum": "2026-10-20", "csrf": token})
    pdf = client.get(f"/agenda/{meeting}/rapport.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(
        io.BytesIO(pdf.content)).pages).split())
    assert "Periode maandag 19 oktober 2026 t/m" in text  # the week of the previous meeting
    assert "Aanpak illegale vakantieverhuur" in text

    client.post(f"/agenda/{meeting}/regel/{first}", data={"actie": "verwijder", "csrf": token})
    assert "Aanpak illegale vakantieverhuur" not in client.get(board_url).text
    assert client.post(f"/agenda/{meeting}/regel/{first}",
                       data={"actie": "verwijder", "csrf": token}).status_code == 404
    assert client.get("/agenda/99999").status_code == 404
    client.post(f"/agenda/{meeting}/verwijderen", data={"csrf": token})
    assert client.get(board_url).status_code == 404
