"""Ingest classifies an item of a summary-only feed on its full text once it arrives.

A feed with `full_text = true` delivers a title and a teaser that say nothing about the
domain; the article page does. The stored model labels must come from the article text.
The same feed without `full_text` is the control: its item stays unlabelled.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from nieuwsradar.classify import train_model
from nieuwsradar.cli import main
from support.httpd import LocalHTTPServer, Route
from test_classify import TAXONOMY, make_examples

ARTICLE = b"""<html><body><article><h1>Nieuws uit de gemeente</h1>
<p>De gemeente sloot een pand na de vondst van een drugslab en een hennepkwekerij.</p>
<p>Het RIEC onderzoekt witwassen; de burgemeester past de Bibob-toets en de Opiumwet toe
tegen criminele ondermijning en drugsafval in het buitengebied.</p></article></body></html>"""


def feed(base: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t'
            f"</title><item><title>Nieuws uit de gemeente</title><link>{base}/artikel"
            f"</link><guid>1</guid><description>Lees verder op onze site.</description>"
            f"</item></channel></rss>").encode()


@pytest.fixture
def server() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as srv:
        srv.route("/feed.xml", Route(body=feed(srv.url("").rstrip("/"))))
        srv.route("/artikel", Route(body=ARTICLE, headers={"Content-Type": "text/html"}))
        yield srv


@pytest.mark.parametrize(("full_text", "expected"), [(True, ["ondermijning"]), (False, [])])
def test_summary_only_feed_is_classified_on_its_full_text(
        tmp_path: Path, server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch,
        full_text: bool, expected: list[str]) -> None:
    model, _ = train_model(make_examples(), TAXONOMY, cv_folds=3, seed=0)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NIEUWSRADAR_DB", str(tmp_path / "radar.db"))
    monkeypatch.setenv("NIEUWSRADAR_MODEL", str(model.save(tmp_path / "m.npz")))
    (tmp_path / "feeds.toml").write_text(
        f'[[source]]\nname = "Gemeente"\nurl = "{server.url("/feed.xml")}"\n'
        f"full_text = {str(full_text).lower()}\n", encoding="utf-8")
    cli = CliRunner()
    result = cli.invoke(main, ["update"], catch_exceptions=False)
    assert result.exit_code == 0 and "1 geclassificeerd" in result.output, result.output
    result = cli.invoke(main, ["search", "gemeente", "--json"], catch_exceptions=False)
    [hit] = json.loads(result.output)["hits"]
    assert hit["labels"] == expected
