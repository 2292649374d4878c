"""The digest's web pages over a real server: RFC 8058 one-click unsubscribe, the member's
own page behind a signed link, and the coordinators' overview and preview."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from nieuwsradar.config import Settings
from nieuwsradar.core import make_radar
from nieuwsradar.digest.tokens import make_token
from support.digest_data import WEEK, seed_members, seed_week
from support.web import LiveServer, csrf_of, sign_in

KEY = "w" * 32
PASSWORD = "correct-paard-batterij"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[LiveServer, Path]]:
    db = tmp_path / "r.db"
    seed_week(db)
    seed_members(db)
    settings = Settings.from_env({}, db=db, secret_key=KEY, base_url="http://127.0.0.1")
    with make_radar(settings) as radar:
        radar.add_user("coord@m150.example", PASSWORD, name="Coördinator")
    with LiveServer(settings) as server:
        yield server, db


def token(db: Path, email: str, purpose: str = "unsubscribe") -> str:
    with make_radar(Settings(db=db)) as radar:
        member = radar.member(email)
    return make_token(KEY, purpose, member.id, member.email)  # type: ignore[arg-type]


def active(db: Path, email: str) -> bool:
    with make_radar(Settings(db=db)) as radar:
        return radar.member(email).active


def test_get_shows_a_button_and_never_unsubscribes(site: tuple[LiveServer, Path]) -> None:
    server, db = site
    url = f"{server.url}/digest/afmelden/{token(db, 'anne@utrecht.nl')}"
    page = httpx.get(url)
    assert page.status_code == 200
    assert 'name="List-Unsubscribe" value="One-Click"' in page.text
    assert active(db, "anne@utrecht.nl")


@pytest.mark.parametrize("multipart", [False, True])
def test_one_click_post_unsubscribes_without_cookie_redirect_or_csrf(
        site: tuple[LiveServer, Path], multipart: bool) -> None:
    server, db = site
    url = f"{server.url}/digest/afmelden/{token(db, 'anne@utrecht.nl')}"
    start = time.perf_counter()
    if multipart:
        response = httpx.post(url, files={"List-Unsubscribe": (None, "One-Click")})
    else:
        response = httpx.post(url, data={"List-Unsubscribe": "One-Click"})
    elapsed = time.perf_counter() - start
    assert response.status_code == 200 and not response.is_redirect
    assert "set-cookie" not in response.headers
    assert "U bent afgemeld" in response.text
    assert elapsed < 1.0  # milliseconds in practice; generous for a loaded CI machine
    assert not active(db, "anne@utrecht.nl")
    again = httpx.post(url, data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200
    with make_radar(Settings(db=db)) as radar:
        assert [(u.email, u.via) for u in radar.unsubscribes()] == [
            ("anne@utrecht.nl", "one-click")]


def test_post_without_the_one_click_body_changes_nothing(site: tuple[LiveServer, Path]) -> None:
    server, db = site
    url = f"{server.url}/digest/afmelden/{token(db, 'anne@utrecht.nl')}"
    assert httpx.post(url, data={"iets": "anders"}).status_code == 400
    assert active(db, "anne@utrecht.nl")


@pytest.mark.parametrize("how", ["forged", "altered", "other-purpose", "expired"])
def test_forged_altered_or_expired_tokens_are_refused(
        site: tuple[LiveServer, Path], how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    server, db = site
    good = token(db, "anne@utrecht.nl")
    bad = {"forged": make_token("x" * 32, "unsubscribe", 1, "anne@utrecht.nl"),
           "altered": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
           "other-purpose": token(db, "anne@utrecht.nl", "manage"),
           "expired": good}[how]
    if how == "expired":
        import nieuwsradar.digest.tokens as tokens
        monkeypatch.setattr(tokens, "MAX_AGE_S", -1)  # the server runs in this process
        with make_radar(Settings(db=db)) as radar:
            member = radar.member("anne@utrecht.nl")
        bad = make_token(KEY, "unsubscribe", member.id, member.email)
        time.sleep(1.1)
    for response in (httpx.get(f"{server.url}/digest/afmelden/{bad}"),
                     httpx.post(f"{server.url}/digest/afmelden/{bad}",
                                data={"List-Unsubscribe": "One-Click"})):
        assert response.status_code == 400
        assert "Deze link werkt niet" in response.text
        assert ("verlopen" if how == "expired" else "ongeldig of beschadigd") in response.text
    assert active(db, "anne@utrecht.nl")


def test_member_page_changes_the_subscription_and_lists_earlier_weeks(
        site: tuple[LiveServer, Path]) -> None:
    server, db = site
    with make_radar(Settings(db=db)) as radar:
        bert = radar.member("bert@tilburg.nl")
        radar._db.claim_send(bert.id, WEEK.label, "<m@x>", "Nieuwsradar week 49: 5 berichten",
                             [1, 2])
        radar._db.finish_send(bert.id, WEEK.label, "sent")
    url = f"{server.url}/digest/abonnement/{token(db, 'bert@tilburg.nl', 'manage')}"
    with httpx.Client() as client:
        page = client.get(url)
        assert page.status_code == 200 and "Nieuwsradar week 49: 5 berichten" in page.text
        csrf = csrf_of(page.text)
        saved = client.post(url, data={"csrf": csrf, "domein": ["handhaving", "omgevingswet"],
                                       "zoekopdrachten": "bodycam\n\n\"Wet kwaliteitsborging\"",
                                       "lege_week": "ja"})
        assert saved.status_code == 303
        assert "Uw keuze is opgeslagen" in client.get(server.url + saved.headers["location"]).text
        week = client.get(f"{url}/week/{WEEK.label}")
        assert week.status_code == 200 and "/item/1" in week.text
        assert client.post(url, data={"domein": ["handhaving"]}).status_code == 403  # no CSRF
    with make_radar(Settings(db=db)) as radar:
        bert = radar.member("bert@tilburg.nl")
    assert bert.domains == ("handhaving", "omgevingswet")
    assert bert.searches == ("bodycam", '"Wet kwaliteitsborging"')
    assert bert.note_when_empty


def test_coordinator_sees_status_unsubscribes_and_previews(site: tuple[LiveServer, Path]) -> None:
    server, db = site
    with make_radar(Settings(db=db)) as radar:
        radar.unsubscribe(radar.member("dirk@ede.nl").id, "one-click")
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/digest").status_code == 303  # sign in first
        sign_in(client, "coord@m150.example", PASSWORD, "/digest")
        overview = client.get("/digest")
        assert overview.status_code == 200
        assert "dirk@ede.nl" in overview.text and "via de afmeldlink" in overview.text
        status = client.get(f"/digest/week/{WEEK.label}")
        assert "nog niet verzonden" in status.text
        preview = client.get("/digest/voorbeeld", params={"lid": "anne@utrecht.nl",
                                                          "week": WEEK.label})
        assert preview.status_code == 200 and "Beste Anne de Vries" in preview.text
        assert "script-src" not in preview.headers["content-security-policy"]
        assert client.get("/digest/week/week-49").status_code == 400
