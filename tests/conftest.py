"""Suite-wide test settings."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from support.web import LiveServer, cheap_password_hashing


@pytest.fixture(autouse=True)
def _feeds_file_in_the_working_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test (and every process it starts) reads ``feeds.toml`` from its own working
    directory, never the list of real sources that ships with the package: tests must
    not reach for sources on the internet. Tests of the shipped default pass their own
    environment."""
    monkeypatch.setenv("NIEUWSRADAR_FEEDS", "feeds.toml")


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    """An HTTP client for the module's own ``server`` fixture (a real uvicorn server)."""
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def cheap_hashing() -> Iterator[None]:
    """Argon2id at minimal cost for a module's sign-ins (see support.web)."""
    with cheap_password_hashing():
        yield
