"""Suite-wide test settings."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _feeds_file_in_the_working_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test (and every process it starts) reads ``feeds.toml`` from its own working
    directory, never the list of real sources that ships with the package: tests must
    not reach for sources on the internet. Tests of the shipped default pass their own
    environment."""
    monkeypatch.setenv("NIEUWSRADAR_FEEDS", "feeds.toml")
