"""Trend counts on real SQLite files through the facade: counting, week aggregates, repairs
after delete/edit/relabel, per-domain and per-network rankings, and the ingest hook."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from nieuwsradar.config import Settings
from nieuwsradar.core import Radar, make_radar
from nieuwsradar.errors import InputError
from nieuwsradar.types import SourceSpec
from support.httpd import LocalHTTPServer, Route
from support.trend_history import TOWNS, WEEK, add, history, new_item


@pytest.fixture
def radar(tmp_path: Path) -> Iterator[Radar]:
    with make_radar(Settings(db=tmp_path / "radar.db")) as r:
        yield r


def test_a_rising_term_is_found_with_its_items_series_and_written_form(radar: Radar) -> None:
    made = history(radar, rising="Aanpak illegale vakantieverhuur")
    report = radar.trends(week=WEEK)
    overall = report.domains[0]
    assert overall.domain == "" and [d.domain for d in report.domains][1] == "handhaving"
    top = overall.topics[0]
    assert top.topic == "Aanpak illegale vakantieverhuur"
    assert top.count == 5 and top.sources == 5 and top.new and top.baseline == 0
    assert set(top.items) <= set(made) and len(top.items) == 5
    assert all("vakantieverhuur" in report.items[i].title for i in top.items)
    assert dict(top.series)[WEEK] == 5 and sum(n for _, n in top.series) == 5
    assert len(top.series) == 26 and report.label == "2026-W44"
    assert all(t.topic.lower() != "bibliotheek" for t in overall.topics)
    handhaving = report.domains[1]
    assert handhaving.topics and handhaving.topics[0].key == top.key
    assert report.domains[2].topics == []  # nothing in ondermijning


def test_weekly_news_is_not_a_trend_and_a_week_without_news_is_empty(radar: Radar) -> None:
    history(radar)
    assert radar.trends(week=WEEK).domains[0].topics == []
    assert all(not d.topics and not d.stories
               for d in radar.trends(week=WEEK + timedelta(weeks=10)).domains)


def test_deleting_relabelling_and_editing_items_repair_the_counts(radar: Radar) -> None:
    made = history(radar, rising="drugsafval", rising_sources=4)

    def top_count(domain: str | None = None) -> int:
        (result, *_) = radar.trends(week=WEEK, domain=domain).domains
        return result.topics[0].count if result.topics else 0

    assert (top_count(), top_count("handhaving"), top_count("ondermijning")) == (4, 4, 0)
    radar.delete_item(made[0])
    assert top_count() == 3
    for item_id in made[1:]:
        radar.set_human_labels(item_id, ["ondermijning"])
    assert (top_count(), top_count("handhaving"), top_count("ondermijning")) == (3, 0, 3)
    edited = radar.item(made[1])
    radar._db.upsert_items(edited.source_id, [replace(
        new_item(edited.guid, "Gemeente vindt niets bijzonders", edited.published_at),
        content_hash="changed")])
    assert radar.trends(week=WEEK).domains[0].topics == []  # two sources left


def test_unknown_domain_and_conflicting_windows_are_clear_errors(radar: Radar) -> None:
    with pytest.raises(InputError, match="onbekend domein 'sport'"):
        radar.trends(domain="sport")
    with pytest.raises(InputError, match="niet allebei"):
        radar.trends(week=WEEK, since=WEEK)
    with pytest.raises(InputError, match="geen actieve leden"):
        radar.trends(network="M150")


def test_a_network_ranks_first_what_its_members_follow(radar: Radar) -> None:
    history(radar, rising="Aanpak illegale vakantieverhuur")
    db = radar._db
    now = datetime.now(UTC).isoformat()
    for s in range(3):  # a second, weaker rising topic in ondermijning
        other = db.upsert_source(SourceSpec(url=f"https://bron.test/o{s}.xml", name=f"O {s}"))
        add(radar, other, [new_item(f"o{s}", f"{TOWNS[s]}: drugslab in schuur",
                                    datetime.combine(WEEK, datetime.min.time(), UTC))],
            label="ondermijning")
    plain = [t.key for t in radar.trends(week=WEEK).domains[0].topics]
    assert plain.index("drugslab") > 0
    for n, network in enumerate(["M150", "M150", "G40"]):
        db.db["members"].insert({"id": n + 1, "email": f"m{n}@gemeente.test",
                                 "network": network, "created_at": now})
    db.db["subscriptions"].insert_all([
        {"member_id": 1, "kind": "search", "value": "drugslab", "created_at": now},
        {"member_id": 2, "kind": "domain", "value": "ondermijning", "created_at": now}])
    m150 = radar.trends(week=WEEK, network="M150")
    assert m150.network == "M150"
    assert m150.domains[0].topics[0].key == "drugslab"
    assert radar.trends(week=WEEK, network="G40").domains[0].topics[0].key == plain[0]
    assert radar.networks() == ["G40", "M150"]


def test_the_running_week_is_aggregated_again_after_new_items(radar: Radar) -> None:
    now = datetime.now(UTC)
    this_week = now.date() - timedelta(days=now.weekday())
    history(radar, end=this_week - timedelta(weeks=1))
    db = radar._db

    def rising(s: int) -> None:
        source = db.upsert_source(SourceSpec(url=f"https://bron.test/n{s}.xml", name=f"B {s}"))
        add(radar, source, [new_item(f"n{s}", f"{TOWNS[s]}: proef met deelscooters", now)])

    for s in range(4):
        rising(s)
    report = radar.trends()
    assert report.weeks == [this_week]
    assert report.domains[0].topics[0].topic == "deelscooters"
    assert report.domains[0].topics[0].count == 4
    assert db.stale_weeks([this_week.isoformat()]) == []  # aggregated once
    rising(4)
    radar.count_trends()
    assert db.stale_weeks([this_week.isoformat()]) == [this_week.isoformat()]
    assert radar.trends().domains[0].topics[0].count == 5


def rss(items: list[tuple[str, str]]) -> bytes:
    when = format_datetime(datetime.now(UTC) - timedelta(hours=1))
    body = "".join(f"<item><title>{escape(t)}</title><link>https://bron.test/{g}</link>"
                   f"<guid>{g}</guid><pubDate>{when}</pubDate>"
                   f"<description>{escape(t)}</description></item>" for g, t in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>t</title><link>https://bron.test/</link>{body}</channel></rss>").encode()


def test_an_ingest_run_counts_its_new_items(radar: Radar) -> None:
    with LocalHTTPServer() as srv:
        specs = []
        for s in range(3):
            srv.route(f"/{s}.xml", Route(body=rss([(f"g{s}", f"{TOWNS[s]} test Wkb-loket")])))
            specs.append(SourceSpec(url=srv.url(f"/{s}.xml"), name=f"Feed {s}"))
        radar.sync_sources(specs)
        result = radar.update(all_sources=True)
    assert result.items_new == 3
    db = radar._db
    assert db.uncounted_items() == []
    assert db.trend_watermark() == db._conn.execute("SELECT max(id) FROM items").fetchone()[0]
    rows = db._conn.execute("SELECT terms FROM trend_items").fetchall()
    assert len(rows) == 3 and all("wkb loket" in r[0].split("|") for r in rows)


def test_other_words_of_the_same_news_are_one_topic(radar: Radar) -> None:
    made = history(radar, rising="Cyberaanval legt systemen plat")
    sources = [radar._db.upsert_source(SourceSpec(url=f"https://ander.test/{s}.xml",
                                                  name=f"Ander {s}")) for s in range(4)]
    monday = datetime.combine(WEEK, datetime.min.time(), UTC)
    other = [add(radar, source, [new_item(f"f{s}", f"{TOWNS[s]}: fatbikes op het fietspad",
                                          monday + timedelta(days=3, hours=s))])[0]
             for s, source in enumerate(sources)]
    topics = radar.trends(week=WEEK).domains[0].topics
    assert [t.topic.lower() for t in topics] == ["cyberaanval", "fatbikes"], \
        [t.topic for t in topics]
    assert set(topics[0].items) == set(made) and set(topics[1].items) == set(other)
