"""Property tests that reach the writer: a feed's content fails at most its own source.

1. Any item a parser can make of arbitrary feed bytes is stored, or fails its own source
   (recorded on it), while a healthy source written in the same batch is stored.
2. ``nieuwsradar update --all`` (the real CLI, a real process) never exits non-zero
   because of what feeds serve: a local server serves generated bodies.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nieuwsradar.config import Settings
from nieuwsradar.core import make_radar
from nieuwsradar.errors import ParseError
from nieuwsradar.storage import open_storage
from nieuwsradar.types import SourceSpec
from nieuwsradar.update.work import process_document
from nieuwsradar.update.writer import Fetched, Writer
from support.httpd import LocalHTTPServer, Route

NOW = datetime.now(UTC).replace(microsecond=0)
GOOD = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>g</title><item>'
        b"<title>Gezond bericht</title><link>https://goed.test/1</link><guid>g1</guid>"
        b"<description>Een gewoon bericht over handhaving in de wijk.</description>"
        b"</item></channel></rss>")

#: Any text: lone surrogates, controls, bidi overrides, escape sequences included.
_text = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=40),
    st.lists(st.sampled_from(["\x1b[2J", "\x1b]0;x\x07", "\u202e", "\x00", "\udfff", "a",
                              " ", "<p>", "&#x202e;", "&#0;", "\r\n", "\x9b"]),
             max_size=12).map("".join),
)
_maybe_url = st.one_of(st.none(), st.sampled_from(["https://bron.test/a", "//x", "javascript:x",
                                                    "http://[::1", ""]), _text)
_json_item = st.fixed_dictionaries({}, optional={
    "id": st.one_of(_text, st.integers(-2**70, 2**70)), "url": _maybe_url, "title": _text,
    "content_html": _text, "content_text": _text, "summary": _text,
    "date_published": st.one_of(_text, st.sampled_from(["2025-01-01T00:00:00Z", "9999-12-31",
                                                        "0001-01-01T00:00:00+14:00"]))})
_json_feed = st.lists(_json_item, max_size=4).map(lambda items: json.dumps(
    {"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": items}).encode())


def _rss(items: list[tuple[str, str, str]]) -> bytes:
    body = "".join(f"<item><title>{escape(t)}</title><guid>{escape(g)}</guid>"
                   f"<description>{escape(d)}</description></item>" for t, g, d in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>x'
            f"</title>{body}</channel></rss>").encode("utf-8", "surrogatepass")


_rss_feed = st.lists(st.tuples(_text, _text, _text), max_size=4).map(_rss)
BODIES = st.one_of(_json_feed, _rss_feed, st.binary(max_size=200))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=BODIES)
def test_any_parsed_item_is_stored_or_fails_its_own_source(body: bytes) -> None:
    try:
        processed = process_document("feed", body, url="https://bron.test/feed",
                                            content_type=None, rules=None, fetched_at=NOW)
    except ParseError:
        return  # a document that cannot be read fails its source in the worker already
    good = process_document("feed", GOOD, url="https://goed.test/feed",
                                   content_type=None, rules=None, fetched_at=NOW)
    with tempfile.TemporaryDirectory() as tmp, open_storage(Path(tmp) / "p.db") as storage:
        ids = [storage.upsert_source(SourceSpec(url=u, name=u)) for u in
               ("https://bron.test/feed", "https://goed.test/feed")]
        states = {s.id: s for s in storage.list_sources()}
        bad_result, good_result = Writer(storage, NOW).write_batch([
            Fetched(states[ids[0]], processed, None, None, None, 200),
            Fetched(states[ids[1]], good, None, None, None, 200)])
        assert good_result.ok and good_result.new == 1
        source = storage.get_source(ids[0])
        if bad_result.ok:
            assert source.item_count == len(processed.items)
        else:  # failed alone, with the error recorded on the source
            assert source.item_count == 0 and source.error_count == 1 and source.last_error
        assert not storage.check_integrity()


def test_update_cli_never_fails_because_of_feed_content(tmp_path: Path) -> None:
    """Drives the real CLI a bounded number of times (four processes), each run over
    several generated bodies at once, beside a healthy feed that must be stored."""
    db = tmp_path / "cli.db"
    feeds = 6

    @settings(max_examples=4, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(bodies=st.lists(BODIES, min_size=feeds, max_size=feeds))
    def run_cli(bodies: list[bytes]) -> None:
        with LocalHTTPServer() as srv:
            for i, body in enumerate(bodies):
                srv.route(f"/f{i}", Route(body=body))
            srv.route("/goed", Route(body=GOOD))
            db.unlink(missing_ok=True)
            with make_radar(Settings(db=db, model=tmp_path / "none.skops")) as radar:
                radar.sync_sources([SourceSpec(url=srv.url(f"/f{i}"), name=f"f{i}")
                                    for i in range(feeds)] +
                                   [SourceSpec(url=srv.url("/goed"), name="goed")])
            env = {**os.environ, "NIEUWSRADAR_MODEL": str(tmp_path / "none.skops")}
            done = subprocess.run(
                [str(Path(sys.executable).with_name("nieuwsradar")), "--db", str(db), "update",
                 "--all"],
                cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr
            assert "bronnen bijgewerkt" in done.stdout
            with sqlite3.connect(db) as conn:
                checked = conn.execute(
                    "SELECT count(*) FROM sources WHERE last_checked_at IS NOT NULL").fetchone()
                good = conn.execute("SELECT count(*) FROM items i JOIN sources s ON "
                                    "s.id = i.source_id WHERE s.name = 'goed'").fetchone()
            assert checked[0] == feeds + 1 and good[0] == 1

    run_cli()
