"""Coordinators: the users CLI, sign-in over a real server, sessions, CSRF, slow-down."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from nieuwsradar.cli import main
from nieuwsradar.config import Settings
from nieuwsradar.core import SignInRefused, make_radar
from support import web
from support.web import Archive, LiveServer, build_archive, csrf_of

PASSWORD = "correct-paard-batterij"


pytestmark = pytest.mark.usefixtures("cheap_hashing")


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Archive]:
    path = tmp_path_factory.mktemp("users") / "radar.db"
    archive = build_archive(path, extra=2)
    with make_radar(Settings(db=path)) as radar:
        radar.add_user("anna@example.nl", PASSWORD, name="Anna")
    return path, archive


@pytest.fixture(scope="module")
def server(archive_db: tuple[Path, Archive]) -> Iterator[LiveServer]:
    with LiveServer(Settings(db=archive_db[0])) as srv:
        yield srv



def sign_in(client: httpx.Client, email: str = "anna@example.nl",
            password: str = PASSWORD) -> httpx.Response:
    return web.sign_in(client, email, password, "/bronnen")


def human_labels(db: Path, item_id: int) -> list[str]:
    with make_radar(Settings(db=db)) as radar:
        return sorted(lab.label for lab in radar.item(item_id).labels if lab.origin == "human")


# --- CLI ----------------------------------------------------------------------------------

def test_users_cli_add_list_token_remove(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "cli.db")

    def run(*args: str, code: int = 0, stdin: str | None = None) -> str:
        result = runner.invoke(main, ["--db", db, *args], input=stdin)
        assert result.exit_code == code, result.output
        return result.output

    assert "kan inloggen" in run("users", "add", "Bert@Example.NL", "--name", "Bert",
                                 "--password-stdin", stdin="lang-genoeg-wachtwoord\n")
    assert "at least 10 characters" in run("users", "add", "c@example.nl", "--password-stdin",
                                           stdin="kort\n", code=1)
    assert "is not an e-mail address" in run("users", "add", "geen-adres", "--password-stdin",
                                             stdin="lang-genoeg-wachtwoord\n", code=1)
    # prompted password, typed twice
    run("users", "add", "dirk@example.nl", stdin="nog-een-wachtwoord\nnog-een-wachtwoord\n")
    listing = run("users", "list")
    assert "bert@example.nl\tBert" in listing and "dirk@example.nl" in listing
    token = run("users", "token", "bert@example.nl").splitlines()[0].strip()
    assert len(token) >= 40
    with make_radar(Settings(db=Path(db))) as radar:
        user = radar.user_for_token(token)
        assert user is not None and user.email == "bert@example.nl"
        assert radar.user_for_token(token + "x") is None
    assert "API-token" in run("users", "list")
    run("users", "remove", "bert@example.nl")
    assert "there is no user" in run("users", "remove", "bert@example.nl", code=1)
    assert "bert@example.nl" not in run("users", "list")


# --- sign-in ------------------------------------------------------------------------------

def test_sign_in_sets_a_safe_session_cookie_and_sign_out_ends_it(client: httpx.Client) -> None:
    page = client.get("/login").text
    assert '<label for="email">E-mailadres</label>' in page
    assert '<label for="wachtwoord">Wachtwoord</label>' in page
    assert ">Inloggen</button>" in page
    response = sign_in(client)
    assert response.status_code == 303 and response.headers["location"] == "/bronnen"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    home = client.get("/").text
    assert "Ingelogd als Anna" in home
    client.post("/logout", data={"csrf": csrf_of(home)})
    assert "Ingelogd als" not in client.get("/").text


def test_wrong_password_is_refused_in_dutch(client: httpx.Client) -> None:
    response = sign_in(client, password="fout-wachtwoord")
    assert response.status_code == 400
    assert "Het e-mailadres of het wachtwoord klopt niet." in response.text
    unknown = sign_in(client, email="niemand@example.nl")
    assert unknown.status_code == 400 and "klopt niet" in unknown.text


def test_sign_in_without_csrf_token_is_refused(client: httpx.Client) -> None:
    client.get("/login")
    response = client.post("/login", data={"email": "anna@example.nl", "wachtwoord": PASSWORD})
    assert response.status_code == 403
    assert "Ingelogd als" not in client.get("/").text


@pytest.mark.parametrize("target", ["//evil.test/x", "/\t/evil.test", "/\\evil.test",
                                    "https://evil.test/", "/\n/evil.test", "javascript:x"])
def test_next_page_after_sign_in_stays_on_this_site(client: httpx.Client, target: str) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"email": "anna@example.nl", "wachtwoord": PASSWORD,
                                           "csrf": token, "volgende": target})
    assert response.headers["location"] == "/"


def test_repeated_failures_slow_down_per_account_across_app_instances(
        tmp_path: Path) -> None:
    db = tmp_path / "slow.db"
    with make_radar(Settings(db=db)) as radar:
        radar.add_user("eva@example.nl", PASSWORD)
    with LiveServer(Settings(db=db)) as srv, httpx.Client(base_url=srv.url) as c:
        for _ in range(5):
            assert sign_in(c, "eva@example.nl", "fout-wachtwoord").status_code == 400
        # five free failures; now even the right password has to wait
        refused = sign_in(c, "eva@example.nl", PASSWORD)
        assert refused.status_code == 429
        assert "Te veel mislukte pogingen" in refused.text
    # A fresh app on the same database (another process, a restart) still refuses.
    with LiveServer(Settings(db=db)) as srv, httpx.Client(base_url=srv.url) as c:
        assert sign_in(c, "eva@example.nl", PASSWORD).status_code == 429
    # another account from the same client is not affected
    with make_radar(Settings(db=db)) as radar:
        radar.add_user("frank@example.nl", PASSWORD)
    with LiveServer(Settings(db=db)) as srv, httpx.Client(base_url=srv.url) as c:
        assert sign_in(c, "frank@example.nl", PASSWORD).status_code == 303


def test_sessions_survive_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "restart.db"
    with make_radar(Settings(db=db)) as radar:
        radar.add_user("gert@example.nl", PASSWORD, name="Gert")
    with LiveServer(Settings(db=db)) as srv, httpx.Client(base_url=srv.url) as c:
        assert sign_in(c, "gert@example.nl").status_code == 303
        cookies = dict(c.cookies)
    with LiveServer(Settings(db=db)) as srv, httpx.Client(base_url=srv.url,
                                                           cookies=cookies) as c:
        assert "Ingelogd als Gert" in c.get("/").text
    # With a configured secret the stored one is not used: the old cookie is void.
    with LiveServer(Settings(db=db, secret_key="x" * 40)) as srv, httpx.Client(
            base_url=srv.url, cookies=cookies) as c:
        assert "Ingelogd als" not in c.get("/").text


def test_a_new_password_or_removal_ends_sessions(tmp_path: Path) -> None:
    db = tmp_path / "revoke.db"
    with make_radar(Settings(db=db)) as radar:
        radar.add_user("joke@example.nl", PASSWORD, name="Joke")
    with LiveServer(Settings(db=db)) as srv, httpx.Client(base_url=srv.url) as c:
        assert sign_in(c, "joke@example.nl").status_code == 303
        assert "Ingelogd als Joke" in c.get("/").text
        with make_radar(Settings(db=db)) as radar:
            radar.add_user("joke@example.nl", "een-heel-nieuw-wachtwoord", name="Joke")
        assert "Ingelogd als" not in c.get("/").text
        assert sign_in(c, "joke@example.nl", "een-heel-nieuw-wachtwoord").status_code == 303
        with make_radar(Settings(db=db)) as radar:
            radar.remove_user("joke@example.nl")
        assert "Ingelogd als" not in c.get("/").text


def test_https_base_url_makes_the_cookie_secure(tmp_path: Path) -> None:
    db = tmp_path / "secure.db"
    with make_radar(Settings(db=db)) as radar:
        radar.add_user("hans@example.nl", PASSWORD)
    settings = Settings(db=db, base_url="https://radar.example.nl")
    with LiveServer(settings) as srv, httpx.Client(base_url=srv.url) as c:
        response = c.get("/login")
        assert "secure" in response.headers["set-cookie"].lower()


# --- label correction needs a session and a CSRF token ------------------------------------

def test_label_post_without_session_or_csrf_changes_nothing(
        client: httpx.Client, archive_db: tuple[Path, Archive]) -> None:
    db, archive = archive_db
    item = archive.plain
    before = human_labels(db, item)
    anonymous = client.post(f"/item/{item}/labels", data={"label": "handhaving",
                                                          "csrf": "verzonnen"})
    assert anonymous.status_code in (303, 403)
    assert human_labels(db, item) == before
    assert sign_in(client).status_code == 303
    no_token = client.post(f"/item/{item}/labels", data={"label": "handhaving"})
    assert no_token.status_code == 403 and "formulier is verlopen" in no_token.text
    wrong = client.post(f"/item/{item}/labels", data={"label": "handhaving", "csrf": "x"})
    assert wrong.status_code == 403
    assert human_labels(db, item) == before
    page = client.get(f"/item/{item}").text
    ok = client.post(f"/item/{item}/labels",
                     data={"label": ["handhaving", "ondermijning"], "csrf": csrf_of(page)})
    assert ok.status_code == 303
    assert human_labels(db, item) == ["handhaving", "ondermijning"]
    after = client.get(f"/item/{item}").text
    assert "anna@example.nl koos handhaving, ondermijning" in after
    assert "De labels zijn opgeslagen." in client.get(ok.headers["location"]).text


def test_many_failures_from_one_client_slow_down_every_account(tmp_path: Path) -> None:
    with make_radar(Settings(db=tmp_path / "client.db")) as radar:
        radar.add_user("ida@example.nl", PASSWORD)
        for n in range(20):
            with pytest.raises(SignInRefused) as wrong:
                radar.sign_in(f"gok{n}@example.nl", "fout", client="10.9.9.9")
            assert wrong.value.wait_s == 0
        with pytest.raises(SignInRefused) as refused:
            radar.sign_in("ida@example.nl", PASSWORD, client="10.9.9.9")
        assert 0 < refused.value.wait_s <= 30
        # the same account from another client is fine, and a success clears its record
        assert radar.sign_in("ida@example.nl", PASSWORD, client="10.1.1.1").email == (
            "ida@example.nl")
