"""A coordinator grows the taxonomy: add a label to topics.toml, attach it by hand, train.

End to end through the CLI on a temporary database, corpus and topics.toml: the new label
is accepted by feeds.toml, human corrections and the search filter before any model knows
it, and after `train` the model predicts it.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from click.testing import CliRunner, Result

from nieuwsradar.cli import main
from nieuwsradar.config import DEFAULT_TOPICS
from support.httpd import LocalHTTPServer, Route
from test_classify import make_examples

NEW_LABEL = """
[[label]]
id = "openbare orde"
name = "Openbare orde en veiligheid"
description = "Handhaving van de openbare orde door de burgemeester: demonstraties, rellen, noodbevel en samenscholingsverbod."
seed_terms = ["rellen", "noodbevel", "demonstratie", "samenscholingsverbod", "ME"]
"""  # noqa: E501

ORDE = ["rellen", "noodbevel", "demonstratie", "samenscholingsverbod", "ordeverstoring",
        "relschoppers", "ME", "veiligheidsrisicogebied", "burgemeester", "noodverordening",
        "supporters", "ongeregeldheden"]
FILLER = ["gemeente", "avond", "centrum", "politie", "zaterdag", "plein", "stad", "wijk",
          "inwoners", "week"]


def orde_items(n: int, seed: int = 3) -> list[tuple[str, str]]:
    """(title, description) of ``n`` public-order news items."""
    rng = random.Random(seed)
    items = []
    for _ in range(n):
        words = rng.sample(ORDE, 5) + rng.sample(FILLER, 4)
        rng.shuffle(words)
        items.append((" ".join(words[:4]).capitalize(), " ".join(words) + "."))
    return items


def feed(items: list[tuple[str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{escape(title)}</title><link>https://orde.test/{n}</link>"
        f"<guid>orde-{n}</guid><description>{escape(text)}</description></item>"
        for n, (title, text) in enumerate(items))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>orde</title>{entries}</channel></rss>").encode()


@pytest.fixture
def server() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as srv:
        srv.route("/orde.xml", Route(body=feed(orde_items(20))))
        yield srv


def run(cli: CliRunner, *args: str, code: int = 0) -> Result:
    result = cli.invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output + (result.stderr or "")
    return result


def test_a_coordinator_adds_a_label_attaches_it_by_hand_and_trains_it(
        tmp_path: Path, server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    topics = tmp_path / "topics.toml"
    topics.write_text(DEFAULT_TOPICS.read_text(encoding="utf-8") + NEW_LABEL, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NIEUWSRADAR_DB", str(tmp_path / "radar.db"))
    monkeypatch.setenv("NIEUWSRADAR_TOPICS", str(topics))
    monkeypatch.setenv("NIEUWSRADAR_MODEL", str(tmp_path / "nog-geen-model.npz"))
    cli = CliRunner()
    (tmp_path / "feeds.toml").write_text(
        f'[[source]]\nname = "Orde"\nurl = "{server.url("/orde.xml")}"\n'
        'domains = ["openbare orde"]\n', encoding="utf-8")

    # feeds.toml may name the new label; no model knows it yet
    assert "20 nieuwe items" in run(cli, "update").output
    hits = json.loads(run(cli, "search", "domein:openbare-orde", "--limit", "100",
                          "--json").output)["hits"]
    assert hits == []  # nothing carries the label yet
    with sqlite3.connect(tmp_path / "radar.db") as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM items ORDER BY id")]
    conn.close()
    assert len(ids) == 20

    # attach it by hand; an unknown label is refused with the labels to choose from
    for item_id in ids:
        assert "openbare orde (door mens)" in run(cli, "label", str(item_id),
                                                  "openbare orde").output
    refused = run(cli, "label", str(ids[0]), "sport", code=1)
    assert "onbekend label 'sport'" in refused.output and "openbare orde" in refused.output
    found = json.loads(run(cli, "search", "domein:openbare-orde", "--limit", "100",
                           "--json").output)
    assert found["total"] == 20

    # train on a corpus without the label plus the 20 human labels
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "part-x.jsonl").write_text("".join(
        json.dumps({"id": e.id, "title": e.title, "text": e.text, "labels": list(e.labels)})
        + "\n" for e in make_examples(8)), encoding="utf-8")
    model = tmp_path / "model.npz"
    trained = run(cli, "train", "--corpus", str(corpus), "--output", str(model))
    assert "20 menselijke labels" in trained.output
    summary = json.loads(model.with_suffix(".json").read_text(encoding="utf-8"))
    assert summary["n_human_labels"] == 20 and summary["label_counts"]["openbare orde"] == 20

    unseen = [{"id": "a", "title": "ME grijpt in bij rellen na demonstratie",
               "text": "De burgemeester kondigde een noodbevel af."},
              {"id": "b", "title": "Samenscholingsverbod in het centrum", "text": ""},
              {"id": "c", "title": "Drugslab opgerold", "text": "Witwassen en Bibob."}]
    source = tmp_path / "nieuw.jsonl"
    source.write_text("".join(json.dumps(u) + "\n" for u in unseen), encoding="utf-8")
    out = run(cli, "classify", "--input", str(source), "--model", str(model)).output
    predicted = {row["id"]: row["labels"] for row in map(json.loads, out.splitlines())}
    assert "openbare orde" in predicted["a"] and "openbare orde" in predicted["b"]
    assert "openbare orde" not in predicted["c"] and "ondermijning" in predicted["c"]

    # the none label is a valid human decision too
    assert "overig (door mens)" in run(cli, "label", str(ids[0]), "overig").output
