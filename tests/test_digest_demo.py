"""The demo's digest: demo members added, one member's e-mail written to the outbox."""

from __future__ import annotations

import email
from pathlib import Path

from nieuwsradar.config import Settings
from nieuwsradar.core import make_radar
from nieuwsradar.demo.digest import DEMO_MEMBERS, demo_settings, write_demo_digest
from support.digest_data import seed_week


def test_demo_writes_one_members_digest_to_the_outbox(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    seed_week(db)
    lines: list[str] = []
    settings = demo_settings(Settings(db=db), web_port=8123)
    assert settings.base_url == "http://127.0.0.1:8123" and len(settings.secret_key) >= 32
    with make_radar(settings) as radar:
        eml = write_demo_digest(radar, lines.append, outbox=tmp_path / "outbox")
        assert len(radar.members()) == len(DEMO_MEMBERS)
    assert eml.exists() and eml.with_suffix(".html").exists()
    assert str(eml) in lines[-1]
    msg = email.message_from_bytes(eml.read_bytes())
    assert msg["Subject"].startswith("Nieuwsradar week 49: ")
    assert msg["To"] == "Anne de Vries <anne.devries@utrecht.example>"
    assert "http://127.0.0.1:8123/item/" in eml.with_suffix(".html").read_text()
