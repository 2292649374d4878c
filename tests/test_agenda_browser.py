"""Browser test (real Chromium, real uvicorn): open trends, pin a topic to a new meeting,
export the agenda as Markdown and check its content."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from nieuwsradar.config import Settings
from support.browser import launch, require_chromium
from support.trend_history import COORDINATOR, PASSWORD, seed_site
from support.web import LiveServer

require_chromium()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("browser") / "radar.db"
    seed_site(path)
    with LiveServer(Settings(db=path)) as srv:
        yield srv


def test_pin_a_trending_topic_to_a_new_meeting_and_export_markdown(
        server: LiveServer, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_context(accept_downloads=True).new_page()
            page.set_default_timeout(20_000)
            page.goto(f"{server.url}/trends")
            expect(page.locator("h1")).to_have_text("Trends 2026-W44")
            topic = page.locator(".trend-topic").first
            expect(topic).to_contain_text("Aanpak illegale vakantieverhuur")
            expect(page.locator("svg.sparkline").first).to_be_visible()

            page.goto(f"{server.url}/login?volgende=/agenda")
            page.fill("input[name=email]", COORDINATOR)
            page.fill("input[name=wachtwoord]", PASSWORD)
            page.locator("form button[type=submit]").last.click()
            page.goto(f"{server.url}/agenda")
            page.fill("#titel", "Voorjaarsbijeenkomst M150")
            page.fill("#netwerk", "M150")
            page.fill("#datum", "2027-03-12")
            page.get_by_role("button", name="Bijeenkomst aanmaken").click()
            expect(page.locator("h1")).to_have_text("Voorjaarsbijeenkomst M150")

            page.goto(f"{server.url}/trends")
            form = page.locator("form.pin-form").first
            form.locator("select[name=vergadering]").select_option(
                label="Voorjaarsbijeenkomst M150 (2027-03-12)")
            form.locator("input[name=notitie]").fill("Spreker zoeken bij de VNG")
            form.get_by_role("button", name="Zet op agenda").click()
            expect(page.locator("h1")).to_have_text("Voorjaarsbijeenkomst M150")
            expect(page.locator(".agenda-entry").first).to_contain_text(
                "Aanpak illegale vakantieverhuur")

            with page.expect_download() as info:
                page.get_by_role("link", name="Markdown").click()
            saved = tmp_path / "agenda.md"
            info.value.save_as(saved)
        finally:
            browser.close()
    text = saved.read_text("utf-8")
    assert text.startswith("# Agenda: Voorjaarsbijeenkomst M150 (M150), 2027-03-12\n")
    assert "1. **Aanpak illegale vakantieverhuur** (onderwerp)" in text
    assert "   Spreker zoeken bij de VNG" in text
