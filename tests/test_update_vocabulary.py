"""The search index and vocabulary written by an update run: the workers list each item's
vocabulary keys (``vocabulary.item_keys``) and the writer gathers the index rows and
counts of a whole batch of sources and writes them at the end of its transaction. Both
must be exactly what indexing the stored items gives (``fts.rebuild``); checked on real
feeds from a local HTTP server into a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nieuwsradar import update
from nieuwsradar.config import Settings
from nieuwsradar.core import Radar, make_radar
from nieuwsradar.storage import fts, vocabulary
from nieuwsradar.types import SourceSpec
from support.httpd import LocalHTTPServer, Route

FIXTURES = Path(__file__).parent / "fixtures" / "parse"
#: Real-world shaped feeds: RSS 2.0, Atom, RDF, a JSON feed, quirks, hostile text,
#: repeated guids and odd encodings.
FEEDS = ["rss20.xml", "rss20_extensions.xml", "rss20_quirks.xml", "atom.xml", "rss10.rdf",
         "jsonfeed.json", "hostile.xml", "duplicate_guids.xml", "no_guid.xml",
         "cp1252_declared_utf8.xml", "utf8_declared_latin1.xml", "relative_links.xml"]
#: The same Dutch words (with diacritics, compounds, a possessive) in two more sources, so
#: a batch holds words of several sources.
DUTCH = (b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t'
         b"</title><link>https://bron.test/</link><item><title>Boa's controleren "
         b"vakantieverhuur</title><guid>v1</guid><link>https://bron.test/v1</link>"
         b"<description>Financi\xc3\xable handhaving: kamerverhuur en vakantieverhuur, "
         b"handhavers en boa&#39;s. Boa's, boa's!</description></item></channel></rss>")


@pytest.fixture
def radar(tmp_path: Path) -> Iterator[Radar]:
    with LocalHTTPServer() as server, \
            make_radar(Settings(db=tmp_path / "radar.db")) as r:
        for name in FEEDS:
            server.route(f"/{name}", Route(body=(FIXTURES / name).read_bytes()))
        server.route("/nl1.xml", Route(body=DUTCH))
        server.route("/nl2.xml", Route(body=DUTCH.replace(b"v1", b"w1")))
        r.sync_sources([SourceSpec(url=server.url(f"/{p}"), name=p)
                        for p in [*FEEDS, "nl1.xml", "nl2.xml"]])
        db = r._db
        with update.leased_sources(db, now=datetime.now(UTC), all_sources=True) as states:
            result = update.run_update(db, states, model_path=None, workers=8)
        assert result.items_new > 20
        yield r


def _vocabulary(radar: Radar) -> dict[str, int]:
    rows = radar._db._conn.execute("SELECT term, docs FROM search_vocabulary").fetchall()
    return {str(term): int(docs) for term, docs in rows}


def _index(radar: Radar) -> tuple[list[tuple[str, str, int, int]], list[tuple[int, str]]]:
    """Every (term, column, item, offset) in the full-text index, and the saved tags."""
    conn = radar._db._conn
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.index_terms "
                 "USING fts5vocab(main, items_fts, 'instance')")
    terms = conn.execute("SELECT term, col, doc, offset FROM temp.index_terms "
                         "ORDER BY term, col, doc, offset").fetchall()
    tags = conn.execute("SELECT item_id, tags FROM search_tags ORDER BY item_id").fetchall()
    return terms, tags


def test_the_index_and_counts_of_a_run_equal_those_the_writer_computes_from_the_items(
    radar: Radar,
) -> None:
    from_workers = _vocabulary(radar)
    indexed = _index(radar)  # gathered over each batch of sources, written at its end
    assert len(indexed[1]) == radar.count_items()
    conn = radar._db._conn
    with radar._db.transaction():
        fts.rebuild(conn)  # indexes and counts again, from the stored items alone
    assert _vocabulary(radar) == from_workers
    assert _index(radar) == indexed
    # Words of two sources written in one run are added up; a word counts once per item.
    assert from_workers[vocabulary.key("vakantieverhur")] == 2


def test_item_keys_are_the_distinct_reversed_stems_of_both_columns() -> None:
    item = ("Boa's en handhavers", "", "Handhaving door boa's, boa's!")
    keys = vocabulary.item_keys(*fts.stem_words_of(*item)).split()
    title, body = fts.stems_of(*item)
    assert sorted(keys) == sorted({vocabulary.key(s) for s in f"{title} {body}".split()})
    assert len(keys) == len(set(keys)) == 4  # boa, en, handhaf, dor
