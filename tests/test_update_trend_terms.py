"""An update run stores each written item's topic keys for trends (computed in the worker)
with the item, so counting after the run has only what ingest did not count: checked on
real SQLite files and a local HTTP server, without calling ``count_trends``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from nieuwsradar import trends, update
from nieuwsradar.config import Settings
from nieuwsradar.core import Radar, make_radar
from nieuwsradar.types import SourceSpec
from support.httpd import LocalHTTPServer, Route
from support.trend_history import new_item

_WHEN = datetime.now(UTC) - timedelta(hours=1)


@pytest.fixture
def radar(tmp_path: Path) -> Iterator[Radar]:
    with make_radar(Settings(db=tmp_path / "radar.db")) as r:
        yield r


def _rss(items: list[tuple[str, str, str]]) -> bytes:
    when = format_datetime(_WHEN)
    body = "".join(f"<item><title>{escape(t)}</title><link>https://bron.test/{g}</link>"
                   f"<guid>{g}</guid><pubDate>{when}</pubDate>"
                   f"<description>{escape(d)}</description></item>" for g, t, d in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>t</title><link>https://bron.test/</link>{body}</channel></rss>").encode()


def _run(radar: Radar) -> None:
    """One update run without the facade, so nothing is counted after it."""
    db = radar._db
    with update.leased_sources(db, now=datetime.now(UTC), all_sources=True) as states:
        update.run_update(db, states, model_path=None, workers=4)


def _stored_terms(radar: Radar) -> dict[int, list[str]]:
    rows = radar._db._conn.execute("SELECT item_id, terms FROM trend_items").fetchall()
    return {int(i): terms.split("|") for i, terms in rows}


def _expected_terms(radar: Radar) -> dict[int, list[str]]:
    rows = radar._db._conn.execute("SELECT id, title, summary FROM items").fetchall()
    return {int(i): sorted(trends.item_terms(t, s)) for i, t, s in rows}


FIRST = [("a", "Gemeente sluit drugspand na inval", "De burgemeester sluit het pand aan "
          "de Dorpsstraat voor zes maanden; de politie vond er een hennepkwekerij."),
         ("b", "Wkb-loket open voor bouwers", "Bouwers melden hun project voortaan bij het "
          "Wkb-loket van de omgevingsdienst.")]


def test_a_run_stores_the_topic_keys_of_its_items_and_moves_the_watermark(
        radar: Radar) -> None:
    with LocalHTTPServer() as srv:
        srv.route("/f.xml", Route(body=_rss(FIRST)))
        radar.sync_sources([SourceSpec(url=srv.url("/f.xml"), name="Feed")])
        _run(radar)
    db = radar._db
    assert _stored_terms(radar) == _expected_terms(radar)
    assert len(_stored_terms(radar)) == 2
    assert db.trend_watermark() == db._conn.execute("SELECT max(id) FROM items").fetchone()[0]
    assert db.uncounted_items() == []
    week = (_WHEN.date() - timedelta(days=_WHEN.weekday())).isoformat()
    assert db.stale_weeks([week]) == [week]  # the week is aggregated again when asked


def test_an_edited_item_gets_its_new_topic_keys_in_the_run(radar: Radar) -> None:
    with LocalHTTPServer() as srv:
        srv.route("/f.xml", Route(body=_rss(FIRST)))
        radar.sync_sources([SourceSpec(url=srv.url("/f.xml"), name="Feed")])
        _run(radar)
        srv.route("/f.xml", Route(body=_rss(
            [("a", "Gemeente sluit woning na vondst van explosieven",
              "De burgemeester sluit de woning na een explosie."), FIRST[1]])))
        _run(radar)
    db = radar._db
    assert _stored_terms(radar) == _expected_terms(radar)
    assert "explosief" in _stored_terms(radar)[1]
    assert db._conn.execute("SELECT count(*) FROM trend_recount").fetchone()[0] == 0
    assert db.uncounted_items() == []


def test_items_stored_outside_a_run_are_still_counted_after_it(radar: Radar) -> None:
    db = radar._db
    with LocalHTTPServer() as srv:
        srv.route("/f.xml", Route(body=_rss(FIRST)))
        radar.sync_sources([SourceSpec(url=srv.url("/f.xml"), name="Feed")])
        source = db.list_sources()[0].id
        loose = db.upsert_items(source, [new_item("los", "Ondermijning in het buitengebied",
                                                  _WHEN)]).new_ids
        _run(radar)
    # The loose item has no topic keys, so the watermark stays below it ...
    assert db.trend_watermark() < loose[0]
    assert db.uncounted_items()[0][0] == loose[0]
    # ... and counting after the run picks it up (with the two above the watermark).
    assert radar.count_trends() == 3
    assert _stored_terms(radar) == _expected_terms(radar)
    assert db.uncounted_items() == []
