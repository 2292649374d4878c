"""A real uvicorn server for the web app on a free loopback port, a small archive with
ordinary and hostile items for the web tests, and signing in through the real form."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType

import httpx
import pytest
import uvicorn
from argon2 import PasswordHasher

from nieuwsradar.config import Settings
from nieuwsradar.core import users
from nieuwsradar.storage import open_storage
from nieuwsradar.types import Label, NewItem, SourceSpec
from nieuwsradar.web import create_app

#: Payloads that must stay inert on every page: each would set window.pwned or open a
#: dialog if it ever ran.
XSS_TITLE = '<script>window.pwned=1;alert("titel")</script><img src=x onerror="window.pwned=2">'
XSS_HTML = ('<p>Tekst</p><script>window.pwned=3</script><img src="x" onerror="window.pwned=4">'
            '<a href="javascript:window.pwned=5">klik</a><svg onload="window.pwned=6"></svg>'
            '<iframe src="javascript:alert(7)"></iframe>')
XSS_URL = "javascript:window.pwned=8;alert(8)"
XSS_SOURCE = '"><script>window.pwned=9</script><b onmouseover="window.pwned=10">Bron</b>'
NOW = datetime.now(UTC).replace(microsecond=0)


@contextmanager
def cheap_password_hashing() -> Iterator[None]:
    """Argon2id at minimal cost while the block runs: the same code path as in production,
    but a sign-in costs milliseconds instead of most of a second on a busy 2-core box."""
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users, "_HASHER", hasher)
        patch.setattr(users, "_DUMMY_HASH", hasher.hash("dummy"))
        yield


def csrf_of(page: str) -> str:
    """The CSRF token of the (first) form on ``page``."""
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(client: httpx.Client, email: str, password: str,
            next_page: str = "/") -> httpx.Response:
    """Sign ``client`` in through the login form (with its CSRF token); the answer."""
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"email": email, "wachtwoord": password,
                                       "csrf": token, "volgende": next_page})


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """uvicorn serving ``create_app(settings)`` in a background thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = free_port()
        self.app = create_app(settings)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@dataclass(frozen=True)
class Archive:
    """Ids of notable items in the test archive."""

    bodycam: int
    drugslab: int
    drugslab_other: int
    hostile: int
    plain: int


def make_item(n: int, title: str, body: str, *, url: str | None = None,
              html: str | None = None, days_ago: float = 1.0) -> NewItem:
    """A new item number ``n``, published ``days_ago`` before :data:`NOW`."""
    return NewItem(
        guid=f"guid-{n}", url=url or f"https://example.nl/nieuws/{n}", title=title,
        summary=body[:160], content_text=body, content_html=html or f"<p>{body}</p>",
        published_at=NOW - timedelta(days=days_ago), fetched_at=NOW, lang="nl",
        content_hash=f"hash-{n}")


def build_archive(path: Path, extra: int = 30) -> Archive:
    """A database with three sources, labelled items, one story told twice, one item
    carrying script payloads everywhere, and ``extra`` filler items for pagination."""
    with open_storage(path) as db:
        gemeente = db.upsert_source(SourceSpec(url="https://gemeente.test/rss",
                                               name="Gemeente Voorbeeld"))
        riec = db.upsert_source(SourceSpec(url="https://riec.test/rss", name="RIEC Nieuws"))
        hostile_source = db.upsert_source(SourceSpec(url="https://kwaad.test/rss",
                                                     name=XSS_SOURCE))
        first = db.upsert_items(gemeente, [
            make_item(1, "Handhavers krijgen bodycams",
                  "De gemeente geeft alle boa's een bodycam tegen agressie op straat.",
                  days_ago=0.1),
            make_item(2, "Drugslab opgerold in loods",
                  "Politie en gemeente vonden een drugslab; de burgemeester sluit de loods.",
                  days_ago=6),
            *[make_item(100 + i, f"Raadsvergadering nummer {i}",
                    f"De gemeenteraad vergaderde over de begroting, deel {i}.",
                    days_ago=7 + i) for i in range(extra)],
        ]).new_ids
        second = db.upsert_items(riec, [
            make_item(3, "Drugslab in loods: burgemeester sluit pand",
                  "Na de vondst van een drugslab sluit de burgemeester de loods.",
                  days_ago=1.5),
        ]).new_ids
        hostile = db.upsert_items(hostile_source, [
            make_item(4, XSS_TITLE, 'Kwaadaardige tekst <script>window.pwned=11</script> drugslab',
                  url=XSS_URL, html=XSS_HTML, days_ago=0.5),
        ]).new_ids
        bodycam, drugslab = first[0], first[1]
        db.set_model_labels([
            (bodycam, [Label("handhaving", 0.91, "model", "test-1")]),
            (drugslab, [Label("ondermijning", 0.88, "model", "test-1")]),
            (second[0], [Label("ondermijning", 0.8, "model", "test-1")]),
            (hostile[0], [Label("handhaving", 0.6, "model", "test-1")]),
        ])
        story = db.assign_clusters([(drugslab, None)])[drugslab]
        db.assign_clusters([(second[0], story)])
        db.record_fetch_error(riec, at=NOW, error="https://riec.test/rss: HTTP 503",
                              next_check_at=NOW + timedelta(hours=1))
    return Archive(bodycam, drugslab, second[0], hostile[0], first[2])
