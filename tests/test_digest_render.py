"""The digest e-mail: both parts, RFC 8058 headers, links, DKIM, safe HTML, preview CLI."""

from __future__ import annotations

import base64
import email
import re
import subprocess
from email import policy
from pathlib import Path

import dkim
import pytest
from click.testing import CliRunner

from nieuwsradar.cli import main
from nieuwsradar.config import Settings
from nieuwsradar.core import make_radar
from nieuwsradar.errors import ConfigError
from nieuwsradar.storage import open_storage
from nieuwsradar.types import Label, NewItem, SourceSpec
from support.digest_data import WEEK, seed_members, seed_week

KEY = "k" * 32


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "r.db"
    seed_week(path)
    seed_members(path)
    return path


def settings(db: Path, **extra: object) -> Settings:
    values: dict[str, object] = {
        "db": db, "secret_key": KEY, "mail_from": "M150 Nieuwsradar <radar@m150.example>",
        "base_url": "https://radar.example.nl", "unsubscribe_mailto": "afmelden@m150.example"}
    values.update(extra)
    return Settings.from_env({}, **values)


def test_message_has_both_parts_headers_and_links(db: Path) -> None:
    with make_radar(settings(db)) as radar:
        composed = radar.preview_digest("anne@utrecht.nl", WEEK)
    msg = email.message_from_bytes(composed.data, policy=policy.default)
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    # five per domain; the bodycam hits are among them, so no section of their own
    assert msg["Subject"] == "Nieuwsradar week 49: 10 berichten over handhaving en ondermijning"
    assert msg["From"] == "M150 Nieuwsradar <radar@m150.example>"
    assert msg["To"] == "Anne de Vries <anne@utrecht.nl>"
    assert msg["Message-ID"] == composed.message_id and msg["Date"]
    assert msg["List-Id"] == "G40 Nieuwsradar <nieuwsradar-g40.m150.example>"
    unsub = msg["List-Unsubscribe"]
    assert re.fullmatch(r"<https://radar\.example\.nl/digest/afmelden/[\w.-]+>, "
                        r"<mailto:afmelden@m150\.example\?subject=[^>]+>", unsub)
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["Auto-Submitted"] == "auto-generated"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Beste Anne de Vries," in text and "ook bij Extra bron 0, Extra bron 1" in text
    assert "https://radar.example.nl/item/" in text and "/digest/abonnement/" in text
    assert "== ZOEKOPDRACHT: BODYCAM ==" not in text  # its hits are already shown above
    hrefs = re.findall(r'href="([^"]+)"', html)
    assert all(h.startswith(("https://radar.example.nl/", "https://bron")) for h in hrefs)
    assert sum("/item/" in h for h in hrefs) == 2 * composed.item_ids.__len__()
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert not re.search(r"(src|background)=\"?https?:", html) and "@import" not in html
    assert 'style="' in html and "max-width: 600px" in html  # inlined
    assert "prefers-color-scheme: dark" in html and 'name="color-scheme"' in html


def test_titles_are_escaped_and_non_http_links_left_out(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    seed_members(db)
    with open_storage(db) as store:
        source = store.upsert_source(SourceSpec(
            url="https://bron.example/rss", name="Bron <b>vet</b>"))
        new = store.upsert_items(source, [NewItem(
            guid="x", url="javascript:alert(1)", title='<script>alert("x")</script> & co',
            summary="", content_text="<img src=x onerror=alert(1)> Tekst.", content_html="",
            published_at=WEEK.start, fetched_at=WEEK.start, lang="nl", content_hash="x")])
        store.set_model_labels([(new.new_ids[0], [Label("sociaal domein", 0.9)])])
    with make_radar(settings(db)) as radar:
        composed = radar.preview_digest("bert@tilburg.nl", WEEK)
    assert "<script>" not in composed.html and "&lt;script&gt;" in composed.html
    assert "<img" not in composed.html and "<b>vet" not in composed.html
    assert "javascript:" not in composed.html and "javascript:" not in composed.text


def _key_pair(folder: Path) -> tuple[Path, bytes]:
    key = folder / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", str(key), "2048"],
                   check=True, capture_output=True)
    der = subprocess.run(["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return key, b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


def test_dkim_signature_covers_list_unsubscribe_and_verifies(db: Path, tmp_path: Path) -> None:
    key, record = _key_pair(tmp_path)
    with make_radar(settings(db, dkim_key=key, dkim_selector="radar",
                             dkim_domain="m150.example")) as radar:
        data = radar.preview_digest("anne@utrecht.nl", WEEK).data

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"radar._domainkey.m150.example."
        return record

    assert data.startswith(b"DKIM-Signature:")
    signature = email.message_from_bytes(data)["DKIM-Signature"]
    signed = re.search(r"h=([^;]+)", signature.replace("\r\n", "").replace(" ", "")).group(1)
    assert {"list-unsubscribe", "list-unsubscribe-post", "from", "subject"} <= set(
        signed.lower().split(":"))
    assert dkim.verify(data, dnsfunc=dns)
    tampered = data.replace(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click",
                            b"List-Unsubscribe-Post: List-Unsubscribe=Twice")
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_preview_cli_writes_eml_and_html(db: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NIEUWSRADAR_SECRET_KEY", KEY)
    out = tmp_path / "uit"
    result = CliRunner().invoke(main, ["--db", str(db), "digest", "preview", "--member",
                                       "carla@zwolle.nl", "--week", "2026-W49", "--out",
                                       str(out)])
    assert result.exit_code == 0, result.output
    eml = next(out.glob("*.eml"))
    html = next(out.glob("*.html"))
    assert "Wet kwaliteitsborging" in html.read_text()
    parsed = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert parsed["Subject"] == ("Nieuwsradar week 49: 6 berichten over omgevingswet en "
                                 "‘\"Wet kwaliteitsborging\"’")


def test_no_secret_key_says_how_to_make_one(db: Path) -> None:
    with make_radar(Settings.from_env({}, db=db)) as radar, \
            pytest.raises(ConfigError, match=r"secrets\.token_urlsafe\(32\)"):
        radar.preview_digest("anne@utrecht.nl", WEEK)
