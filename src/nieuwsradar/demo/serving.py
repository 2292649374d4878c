"""The end of ``nieuwsradar demo``: serve the demo archive like a real installation.

The web app and the scheduler run in this process (:func:`nieuwsradar.service.serve`),
the scheduler polling only the demo sources (the local demo server keeps running; no
feeds file is read). A demo coordinator is made with a fresh random password, so a
newcomer can sign in and correct labels at once. Ctrl-C stops everything cleanly.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

from nieuwsradar.core import Radar
from nieuwsradar.service import serve

#: The demo coordinator's address (``.invalid`` is reserved: it can never receive mail).
DEMO_EMAIL = "coordinator@demo.invalid"


def serve_demo(radar: Radar, db: Path, *, sources_url: str, host: str = "127.0.0.1",
               port: int = 8000, echo: Callable[[str], None] = print) -> int:
    """Make the demo coordinator, then serve ``radar`` until Ctrl-C; the exit status."""
    password = secrets.token_urlsafe(12)
    if any(user.email == DEMO_EMAIL for user in radar.users()):
        radar.remove_user(DEMO_EMAIL)
    radar.add_user(DEMO_EMAIL, password, name="Demo-coördinator")

    def ready(url: str) -> None:
        echo(f"\nDe webapp draait op {url}\n"
             f"  Inloggen als coördinator: e-mailadres {DEMO_EMAIL}, wachtwoord {password}\n"
             f"  De demobronnen ({sources_url}) worden volgens schema opnieuw opgehaald.\n"
             f"  Ook op de opdrachtregel: nieuwsradar --db {db} search bodycam\n"
             "Stop met Ctrl-C.")

    status = serve(radar.settings, host=host, port=port, sync_feeds=False, radar=radar,
                   on_ready=ready)
    echo("Gestopt.")
    return status
