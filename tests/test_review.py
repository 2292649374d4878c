"""The review queue ("twijfelgevallen"): recent items the model is unsure about or where
it disagrees with the source's default domains, through the CLI on a real database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from nieuwsradar.classify import train_model
from nieuwsradar.cli import main
from support.httpd import LocalHTTPServer, Route
from test_classify import TAXONOMY, make_examples

ITEMS = [  # (guid, title, description, age in days)
    ("agree", "Omgevingsplan en omgevingsvergunning",
     "De Omgevingswet, het DSO, het bestemmingsplan en de omgevingsdienst.", 1),
    ("disagree", "Drugslab opgerold", "Witwassen, Bibob, RIEC en een hennepkwekerij.", 2),
    ("old", "Drugslab in loods", "Witwassen en Bibob bij een hennepkwekerij.", 40),
]


def feed() -> bytes:
    now = datetime.now(UTC)
    entries = "".join(
        f"<item><title>{title}</title><link>https://bron.test/{guid}</link><guid>{guid}</guid>"
        f"<pubDate>{format_datetime(now - timedelta(days=age))}</pubDate>"
        f"<description>{text}</description></item>" for guid, title, text, age in ITEMS)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t'
            f"</title>{entries}</channel></rss>").encode()


@pytest.fixture
def server() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as srv:
        srv.route("/feed.xml", Route(body=feed()))
        yield srv


def test_review_lists_disagreements_and_close_calls_of_recent_unreviewed_items(
        tmp_path: Path, server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    model, _ = train_model(make_examples(), TAXONOMY, cv_folds=3, seed=0)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NIEUWSRADAR_DB", str(tmp_path / "radar.db"))
    monkeypatch.setenv("NIEUWSRADAR_MODEL", str(model.save(tmp_path / "m.npz")))
    (tmp_path / "feeds.toml").write_text(
        f'[[source]]\nname = "Omgevingsdienst"\nurl = "{server.url("/feed.xml")}"\n'
        'domains = ["omgevingswet"]\n', encoding="utf-8")
    cli = CliRunner()
    assert cli.invoke(main, ["update"], catch_exceptions=False).exit_code == 0

    def queue() -> list[dict[str, object]]:
        result = cli.invoke(main, ["review", "--json"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return list(json.loads(result.output))

    cases = queue()
    titles = [case["title"] for case in cases]
    assert titles[0] == "Drugslab opgerold"  # the source says omgevingswet, the model not
    assert cases[0]["disagrees"] is True and cases[0]["predicted"] == ["ondermijning"]
    assert cases[0]["source_domains"] == ["omgevingswet"]
    assert "Drugslab in loods" not in titles  # older than 14 days
    assert all(case["disagrees"] or float(case["margin"]) < 0.15  # type: ignore[arg-type]
               for case in cases)
    assert "Omgevingsplan en omgevingsvergunning" not in titles  # a sure, agreeing call

    # a human decision takes the item out of the queue
    label = cli.invoke(main, ["label", str(cases[0]["id"]), "ondermijning"])
    assert label.exit_code == 0, label.output
    assert "Drugslab opgerold" not in [case["title"] for case in queue()]
    table = cli.invoke(main, ["review", "--days", "60"], catch_exceptions=False).output
    assert "Twijfelgevallen" in table and "Drugslab in loods" in table
