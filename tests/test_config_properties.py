"""Property tests: feeds.toml and OPML input, however broken, gives only clean errors.

Arbitrary bytes and TOML / OPML built from hostile fragments go through the CLI's own
entry point (click's runner, exceptions not caught): every run must end with exit code
0, or 1 / 2 with exactly one message line and no traceback (issue 6, defect 8).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nieuwsradar.cli import main

KEYS = st.sampled_from(["name", "url", "kind", "publisher", "domains", "interval",
                        "full_text", "content_selector", "scrape", "item", "title", "link",
                        "date", "source", "x"])
URLS = st.sampled_from(["https://a.example.nl/rss", "http://b.example.nl:8080/feed",
                        "https://a.example.nl:99999/feed", "https://:0/x", "javascript:x",
                        "https://exa mple.nl/", "https://a.example.nl/\u202e", "ftp://x",
                        "https://[::1/x", "https://a.example.nl:-1/x", ""])
VALUES = st.recursive(
    st.one_of(st.text(max_size=20).map(json.dumps), URLS.map(json.dumps),
              st.integers().map(str), st.booleans().map(lambda b: str(b).lower()),
              st.sampled_from(["1" * 5000, "inf", "nan", "1979-05-27", "'lit'", '"""ml"""'])),
    lambda inner: st.one_of(st.lists(inner, max_size=3).map(lambda v: f"[{', '.join(v)}]"),
                            st.lists(st.tuples(KEYS, inner), max_size=3).map(
                                lambda kv: "{" + ", ".join(f"{k} = {v}" for k, v in kv) + "}")),
    max_leaves=8)
LINES = st.one_of(
    st.sampled_from(["[[source]]", "[source.scrape]", "[source]", "[[source.scrape]]", ""]),
    st.builds(lambda k, v: f"{k} = {v}", KEYS, VALUES),
    st.integers(1, 3000).map(lambda n: "source = " + "[" * n + "]" * n),
)
TOML = st.builds(lambda bom, lines: ("\ufeff" if bom else "") + "\n".join(lines),
                 st.booleans(), st.lists(LINES, max_size=12)).map(lambda t: t.encode())

XML_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=15)
OUTLINE = st.builds(
    lambda text, url, kind: (f"<outline text={quoteattr(text)} xmlUrl={quoteattr(url)} "
                             f"nieuwsradarKind={quoteattr(kind)}/>"),
    XML_TEXT, st.one_of(URLS, XML_TEXT), st.sampled_from(["feed", "scrape", "politie", "x"]))
OUTLINES = st.recursive(
    OUTLINE, lambda inner: st.builds(
        lambda title, kids: f"<outline text={quoteattr(title)}>{''.join(kids)}</outline>",
        XML_TEXT, st.lists(inner, max_size=3)), max_leaves=10)
OPML = st.builds(
    lambda root, body: (f'<?xml version="1.0"?><{root}><head/><body>{"".join(body)}</body>'
                        f"</{root}>").encode(),
    st.sampled_from(["opml", "opml", "rss"]), st.lists(OUTLINES, max_size=4))

PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="nieuwsradar-props-") as folder:
        yield Path(folder)


def check_clean(workdir: Path, *args: str) -> None:
    """Run the CLI and require success or one clean error line."""
    env = {"NIEUWSRADAR_MODEL": str(workdir / "geen-model.skops"), "NIEUWSRADAR_DB": None}
    result = CliRunner().invoke(main, ["--db", str(workdir / "radar.db"), *args], env=env,
                                catch_exceptions=False)
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code:
        lines = result.stderr.strip().splitlines()
        assert lines and lines[-1].startswith("Error: "), result.stderr
        assert result.exit_code == 2 or len(lines) == 1, result.stderr
        assert "Traceback" not in result.stderr


@PROPERTY
@given(data=st.one_of(st.binary(max_size=500), TOML))
def test_any_feeds_file_gives_sources_or_one_clean_error(workdir: Path, data: bytes) -> None:
    feeds = workdir / "feeds.toml"
    feeds.write_bytes(data)
    check_clean(workdir, "sources", "list", "--json", "--feeds", str(feeds))


@PROPERTY
@given(data=st.one_of(st.binary(max_size=500), OPML))
def test_any_opml_file_imports_or_gives_one_clean_error(workdir: Path, data: bytes) -> None:
    opml = workdir / "bronnen.opml"
    opml.write_bytes(data)
    check_clean(workdir, "sources", "import-opml", str(opml))
