"""The digest's HTML in real Chromium at phone (375 px) and desktop (1,024 px) width, in
light and dark mode: it fits, it loads nothing from anywhere, it has no scripts.
Screenshots go to /tmp/nieuwsradar-digest-*.png for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from nieuwsradar.config import Settings
from nieuwsradar.core import make_radar
from support.browser import launch, require_chromium
from support.digest_data import WEEK, seed_members, seed_week

require_chromium()


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = tmp_path_factory.mktemp("browser") / "r.db"
    seed_week(db)
    seed_members(db)
    settings = Settings.from_env({}, db=db, secret_key="b" * 32,
                                 mail_from="M150 Nieuwsradar <radar@m150.example>",
                                 base_url="https://radar.example.nl")
    with make_radar(settings) as radar:
        return radar.preview_digest("dirk@ede.nl", WEEK).html


@pytest.mark.parametrize(("width", "scheme"), [(375, "light"), (1024, "light"),
                                               (375, "dark")])
def test_digest_fits_loads_nothing_and_runs_nothing(html: str, width: int, scheme: str) -> None:
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900},
                                    color_scheme=scheme)  # type: ignore[arg-type]
            page.route("**/*", lambda route: (requests.append(route.request.url),
                                              route.abort()))
            page.set_content(html, wait_until="load")
            sheet = page.evaluate(
                "() => document.querySelector('table.sheet').getBoundingClientRect().width")
            scroll = page.evaluate("() => document.documentElement.scrollWidth")
            scripts = page.evaluate("() => document.scripts.length")
            background = page.evaluate(
                "() => getComputedStyle(document.querySelector('td.entry')).backgroundColor")
            title_size = page.evaluate(
                "() => parseFloat(getComputedStyle(document.querySelector('.title')).fontSize)")
            shot = Path(f"/tmp/nieuwsradar-digest-{width}-{scheme}.png")
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert requests == []  # no remote stylesheet, font, image or tracker
    assert scripts == 0
    assert scroll <= width  # no sideways scrolling on a phone
    assert sheet == (600 if width > 600 else pytest.approx(width - 0, abs=1))
    assert title_size >= 16
    assert background == ("rgb(27, 33, 39)" if scheme == "dark" else "rgb(255, 255, 255)")
    assert shot.stat().st_size > 10_000
