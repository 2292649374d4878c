"""parse_query: user syntax → FTS5 expression and filters (pure, no database)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nieuwsradar.search import RAW_COLUMNS, STEM_COLUMNS, parse_query


@pytest.fixture(scope="module")
def fts() -> sqlite3.Connection:
    """An in-memory FTS5 table with the columns the expressions name."""
    conn = sqlite3.connect(":memory:")
    cols = ", ".join(RAW_COLUMNS + STEM_COLUMNS)
    conn.execute(
        f"CREATE VIRTUAL TABLE t USING fts5({cols}, tokenize='unicode61 remove_diacritics 2')")
    conn.execute(
        "INSERT INTO t VALUES ('boa''s op e-bike', '', 'C&A om 12:30', 'boa op e bik', '')")
    return conn


def test_plain_word_matches_raw_or_stemmed_columns() -> None:
    q = parse_query("handhavers")
    assert q.match == ('({title summary content_text} : "handhavers" OR '
                       '{stem_title stem_body} : "handhaf")')
    assert q.stems == ("handhaf",)


def test_phrase_prefix_not_and_or() -> None:
    q = parse_query('"illegale verhuur" drugs* -cannabis ondermijning OR drugslab')
    assert q.match is not None
    assert '"illegale verhuur"' in q.match
    assert '{title summary content_text} : "drugs" *' in q.match
    assert q.match.count(" NOT ") == 1 and q.match.index("cannabis") > q.match.index(" NOT ")
    assert '"ondermijning" OR' in q.match and "drugslab" in q.match


def test_negation_without_positive_terms_excludes() -> None:
    # Defect: "-boa" next to only filters became a search for "boa".
    q = parse_query("domein:handhaving -boa")
    assert q.match is None and q.exclude == parse_query("boa").match
    assert q.labels == ("handhaving",) and not q.is_empty
    assert parse_query("-cannabis NOT drugs").exclude == (
        f'{parse_query("cannabis").match} OR {parse_query("drugs").match}')
    assert parse_query("boa -cannabis").exclude is None


def test_filters_are_parsed_and_removed_from_text() -> None:
    q = parse_query(
        'domein:sociaal-domein label:Handhaving sinds:2022 tot:2023-02 bron:"Den Haag" x')
    assert q.labels == ("sociaal domein", "handhaving")
    assert q.since == datetime(2021, 12, 31, 23, 0, tzinfo=UTC)  # 2022-01-01 Amsterdam
    assert q.until == datetime(2023, 2, 28, 23, 0, tzinfo=UTC)  # end of February incl.
    assert q.sources == ("den haag",)
    assert q.match is not None and "domein" not in q.match and '"x"' in q.match


def test_dutch_day_month_year_and_bad_date() -> None:
    assert parse_query("since:01-03-2024").since == datetime(2024, 2, 29, 23, 0, tzinfo=UTC)
    q = parse_query("sinds:gisteren boa")
    assert q.since is None and q.warnings and "sinds:gisteren" in q.warnings[0]
    assert parse_query("tot:2024-13-40").until is None


def test_only_filters_leaves_no_match() -> None:
    q = parse_query("domein:handhaving")
    assert q.match is None and not q.is_empty
    assert parse_query("  (( ** -- ").is_empty


@pytest.mark.parametrize("text", [
    "boa's", "e-bike", "((", '"x', "12:30", "C&A", "a\x00b", "NEAR(a b)", "title:x", 'a"b',
    "*", "-", "OR", "AND NOT OR", "^x"])
def test_hostile_input_gives_valid_fts(fts: sqlite3.Connection, text: str) -> None:
    q = parse_query(text)
    for expression in (q.match, q.exclude):
        if expression is not None:
            fts.execute("SELECT count(*) FROM t WHERE t MATCH ?", (expression,)).fetchone()


def test_hostile_terms_still_find_their_text(fts: sqlite3.Connection) -> None:
    for text in ("boa's", "e-bike", "12:30", "C&A"):
        match = parse_query(text).match
        assert fts.execute("SELECT count(*) FROM t WHERE t MATCH ?", (match,)).fetchone()[0] == 1


def test_term_count_is_capped() -> None:
    q = parse_query(" ".join(f"w{i}" for i in range(100)))
    assert q.match is not None and q.match.count("w") < 100 and q.warnings


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*'ab é"\'()*-:^{}+.&\x00\x02', "OR", "NOT", "AND", "NEAR",
                                 "domein:", "sinds:", "tot:", "bron:"]) | st.text(max_size=3),
                max_size=20).map("".join))
def test_any_text_parses_to_valid_fts(fts: sqlite3.Connection, text: str) -> None:
    q = parse_query(text)
    for expression in (q.match, q.exclude):
        if expression is not None:
            fts.execute("SELECT count(*) FROM t WHERE t MATCH ?", (expression,)).fetchone()
