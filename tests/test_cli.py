"""The command line contract: exact command forms, exit codes, clear errors."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from nieuwsradar.cli import main
from support.httpd import LocalHTTPServer, Route

FEED = b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>
<item><title>Handhavers krijgen bodycams</title><link>https://bron.test/1</link><guid>1</guid>
<pubDate>Tue, 10 Nov 2026 10:00:00 +0100</pubDate>
<description>De gemeente geeft alle boa's een bodycam tegen agressie op straat.</description></item>
<item><title>Raad stelt begroting vast</title><link>https://bron.test/2</link><guid>2</guid>
<pubDate>Wed, 11 Nov 2026 10:00:00 +0100</pubDate>
<description>De gemeenteraad heeft de begroting voor volgend jaar vastgesteld.</description></item>
</channel></rss>"""


@pytest.fixture
def server() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as srv:
        srv.route("/feed.xml", Route(body=FEED, etag='"1"'))
        srv.route("/stuk.xml", Route(status=503, headers={"Retry-After": "120"}))
        yield srv


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NIEUWSRADAR_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("NIEUWSRADAR_MODEL", str(tmp_path / "geen-model.npz"))
    return CliRunner()


def run(cli: CliRunner, *args: str, code: int = 0) -> Result:
    result = cli.invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output + (result.stderr or "")
    return result


def write_feeds(tmp_path: Path, server: LocalHTTPServer) -> None:
    (tmp_path / "feeds.toml").write_text(
        f'[[source]]\nname = "Goed"\nurl = "{server.url("/feed.xml")}"\n\n'
        f'[[source]]\nname = "Stuk"\nurl = "{server.url("/stuk.xml")}"\n', encoding="utf-8")


def test_update_summarises_and_exits_zero_with_failures(
        cli: CliRunner, tmp_path: Path, server: LocalHTTPServer) -> None:
    write_feeds(tmp_path, server)
    out = run(cli, "update").output
    assert "2 bronnen bijgewerkt" in out and "1 ok, 1 mislukt" in out
    assert "2 nieuwe items" in out
    assert "mislukt: Stuk" in out and "503" in out
    sources = json.loads(run(cli, "sources", "list", "--json").output)
    stuk = next(s for s in sources if s["name"] == "Stuk")
    assert stuk["error_count"] == 1 and "503" in stuk["last_error"]
    assert stuk["next_check_at"] is not None
    goed = next(s for s in sources if s["name"] == "Goed")
    assert goed["items"] == 2 and goed["last_ok_at"]


def test_search_json_and_hostile_queries(
        cli: CliRunner, tmp_path: Path, server: LocalHTTPServer) -> None:
    write_feeds(tmp_path, server)
    run(cli, "update", "--all")
    found = json.loads(run(cli, "search", "bodycam", "--json").output)
    assert found["total"] == 1 and found["hits"][0]["title"] == "Handhavers krijgen bodycams"
    for query in ("((", "\"x", "boa's", "12:30", "C&A", "e-bike", "-", "*", "AND OR NOT"):
        run(cli, "search", query, "--json")
    run(cli, "search", "bodycam", "--limit", "0", code=2)


def test_bad_feeds_file_names_file_and_line(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "feeds.toml").write_text(
        '[[source]]\nname = "x"\nurl = "https://a.nl"\nkind = "rss"\n', encoding="utf-8")
    result = run(cli, "update", code=1)
    assert "feeds.toml:4" in result.output and "unknown kind 'rss'" in result.output


def test_opml_import_export_round_trip(cli: CliRunner, tmp_path: Path) -> None:
    opml = tmp_path / "in.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body><outline text="Vakbladen">'
        '<outline text="BB" xmlUrl="https://bb.test/rss"/>'
        '<outline text="Omgevingsweb" xmlUrl="https://ow.test/feed"/></outline></body></opml>',
        encoding="utf-8")
    assert "2 bronnen toegevoegd" in run(cli, "sources", "import-opml", str(opml)).output
    exported = run(cli, "sources", "export-opml").output
    assert "https://bb.test/rss" in exported and "Vakbladen" in exported
    (tmp_path / "bad.opml").write_text("<opml><body><outline", encoding="utf-8")
    result = run(cli, "sources", "import-opml", str(tmp_path / "bad.opml"), code=1)
    assert "bad.opml" in result.output and "not valid OPML" in result.output


def test_wrong_arguments_are_usage_errors(cli: CliRunner) -> None:
    run(cli, "update", "--workers", "0", code=2)
    run(cli, "sources", "import-opml", "/nonexistent.opml", code=2)
    run(cli, "search", code=2)


def test_human_label_is_validated_and_stored(
        cli: CliRunner, tmp_path: Path, server: LocalHTTPServer) -> None:
    write_feeds(tmp_path, server)
    run(cli, "update")
    item_id = str(json.loads(run(cli, "search", "bodycam", "--json").output)["hits"][0]["id"])
    assert "handhaving (door mens)" in run(cli, "label", item_id, "handhaving").output
    assert "onbekend label 'voetbal'" in run(cli, "label", item_id, "voetbal", code=1).output
    assert "no item" in run(cli, "label", "99999", "handhaving", code=1).output.lower()
    hit = json.loads(run(cli, "search", "bodycam", "--json").output)["hits"][0]
    assert hit["labels"] == ["handhaving"]


def test_unusable_database_path_is_a_clear_error(cli: CliRunner, tmp_path: Path) -> None:
    not_db = tmp_path / "tekst.db"
    not_db.write_text("dit is geen database " * 100, encoding="utf-8")
    result = run(cli, "--db", str(not_db), "search", "x", code=1)
    assert "tekst.db" in result.output


def test_train_learns_from_human_corrections_in_the_database(
        cli: CliRunner, tmp_path: Path, server: LocalHTTPServer) -> None:
    """A correction made with `label` is stored as human and used by the next `train`."""
    from nieuwsradar.classify import load_model
    from test_classify import make_examples

    write_feeds(tmp_path, server)
    run(cli, "update")
    found = json.loads(run(cli, "search", "begroting", "--json").output)
    run(cli, "label", str(found["hits"][0]["id"]), "sociaal domein")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "part-x.jsonl").write_text("".join(
        json.dumps({"id": e.id, "title": e.title, "text": e.text, "labels": list(e.labels)})
        + "\n" for e in make_examples(6)), encoding="utf-8")
    output = tmp_path / "m.npz"
    result = run(cli, "train", "--corpus", str(corpus), "--output", str(output))
    assert "1 menselijke labels" in result.output
    assert load_model(output).info["n_examples"] == len(make_examples(6)) + 1


def test_ingest_classifies_and_reclassify_keeps_human_labels(
        cli: CliRunner, tmp_path: Path, server: LocalHTTPServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With the shipped model, update stores model labels with score and version;
    reclassify re-tags the archive and a human correction still wins."""
    from nieuwsradar.classify import load_model
    from nieuwsradar.config import DEFAULT_MODEL as model

    monkeypatch.setenv("NIEUWSRADAR_MODEL", str(model))
    write_feeds(tmp_path, server)
    assert "2 geclassificeerd" in run(cli, "update").output
    hit = json.loads(run(cli, "search", "bodycam", "--json").output)["hits"][0]
    assert hit["labels"] == ["handhaving"]
    run(cli, "label", str(hit["id"]), "handhaving", "ondermijning")
    assert "2 items opnieuw geclassificeerd" in run(cli, "reclassify").output
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        stored = conn.execute("SELECT label, origin, score, model_version FROM item_labels "
                              "WHERE item_id = ? ORDER BY origin, label", (hit["id"],)).fetchall()
    assert [(label, origin) for label, origin, _, _ in stored] == [
        ("handhaving", "human"), ("ondermijning", "human"), ("handhaving", "model")]
    _, _, score, version = stored[-1]
    assert 0.5 < score <= 1.0 and version == load_model(model).version
    hit = json.loads(run(cli, "search", "bodycam", "--json").output)["hits"][0]
    assert hit["labels"] == ["handhaving", "ondermijning"]


def test_remove_source_keeps_the_archive_unless_purged(
        cli: CliRunner, tmp_path: Path, server: LocalHTTPServer) -> None:
    write_feeds(tmp_path, server)
    run(cli, "update")
    goed = next(s for s in json.loads(run(cli, "sources", "list", "--json").output)
                if s["name"] == "Goed")
    refused = run(cli, "sources", "remove", str(goed["id"]), code=1)
    assert "still has 2 items" in refused.output and "--purge" in refused.output
    assert json.loads(run(cli, "search", "bodycam", "--json").output)["total"] == 1
    done = run(cli, "sources", "remove", str(goed["id"]), "--purge")
    assert "Bron Goed verwijderd" in done.output and "feeds.toml noemt deze bron nog" in done.output
    assert json.loads(run(cli, "search", "bodycam", "--json").output)["total"] == 0
    assert "no source" in run(cli, "sources", "remove", "999", code=1).output.lower()


def test_delete_removes_an_item_for_good(
        cli: CliRunner, tmp_path: Path, server: LocalHTTPServer) -> None:
    write_feeds(tmp_path, server)
    run(cli, "update")
    hit = json.loads(run(cli, "search", "bodycam", "--json").output)["hits"][0]
    assert "verwijderd: Handhavers krijgen bodycams" in run(cli, "delete", str(hit["id"])).output
    server.route("/feed.xml", Route(body=FEED, etag='"2"'))  # served again in full
    assert "0 nieuwe items" in run(cli, "update", "--all").output
    assert json.loads(run(cli, "search", "bodycam", "--json").output)["total"] == 0
    assert "no item" in run(cli, "delete", str(hit["id"]), code=1).output.lower()
