"""The demo's weekly digest: a few demo members, and one member's e-mail in ./outbox/."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from nieuwsradar.config import Settings
from nieuwsradar.core import Radar

OUTBOX = Path("outbox")
DEMO_MEMBERS = (
    ("anne.devries@utrecht.example", "Anne de Vries", "Gemeente Utrecht", "G40",
     ("handhaving", "ondermijning"), ("bodycam",)),
    ("bert.jansen@tilburg.example", "Bert Jansen", "Gemeente Tilburg", "G40",
     ("sociaal domein",), ()),
    ("carla.bos@zwolle.example", "Carla Bos", "Gemeente Zwolle", "M150",
     ("omgevingswet", "handhaving"), ('"Wet kwaliteitsborging"',)),
)


def demo_settings(settings: Settings, web_port: int) -> Settings:
    """The demo's settings: a secret key for its links and the local web address, unless
    the environment already gives them."""
    return replace(settings, secret_key=settings.secret_key or secrets.token_urlsafe(32),
                   base_url=settings.base_url or f"http://127.0.0.1:{web_port}")


def write_demo_digest(radar: Radar, echo: Callable[[str], None],
                      outbox: Path = OUTBOX) -> Path:
    """Add the demo members and write the first one's digest of the newest week as .eml
    and .html in ``outbox``; returns the .eml path."""
    for email, name, organisation, network, domains, searches in DEMO_MEMBERS:
        radar.add_member(email, name=name, organisation=organisation, network=network,
                         domains=domains, searches=searches)
    week = radar.latest_news_week()
    composed = radar.preview_digest(DEMO_MEMBERS[0][0], week)
    outbox.mkdir(parents=True, exist_ok=True)
    eml = outbox / f"digest-{week.label}.eml"
    eml.write_bytes(composed.data)
    eml.with_suffix(".html").write_text(composed.html, encoding="utf-8")
    echo(f"\nWekelijkse e-mail: {len(DEMO_MEMBERS)} demoleden aangemeld; de digest van "
         f"{DEMO_MEMBERS[0][1]} voor week {week.label} ({composed.subject!r}) staat in "
         f"{eml} en {eml.with_suffix('.html')}")
    return eml
