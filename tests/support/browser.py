"""Real Chromium for the browser tests: Debian's package driven by playwright.

In CI a missing browser is a failure (``.ci/run`` installs it); elsewhere the browser
tests skip with that reason.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def require_chromium() -> None:
    """Call at module level: fail in CI, skip the module elsewhere, when Chromium is
    missing."""
    if shutil.which(CHROMIUM) is not None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing in CI; .ci/run should have installed it",
                    pytrace=False)
    pytest.skip(f"{CHROMIUM} is not installed (.ci/run installs it with apt-get)",
                allow_module_level=True)


def launch(playwright: Any) -> Any:
    """A headless Chromium from a ``sync_playwright()`` context."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
