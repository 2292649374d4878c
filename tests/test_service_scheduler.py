"""The service's scheduler and health, in-process: a real BackgroundScheduler polling a
local feed server into a real SQLite file."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from nieuwsradar.config import Settings
from nieuwsradar.core import Radar, make_radar
from nieuwsradar.scheduler import JOB_DEFAULTS, POLL_JOB, build_schedule
from nieuwsradar.types import SourceSpec, UpdateResult
from support.feeds import rss_feed
from support.httpd import LocalHTTPServer, Route


def wait_for(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db=tmp_path / "radar.db", feeds=tmp_path / "feeds.toml",
                    model=tmp_path / "geen-model.skops", poll_every_s=1)


@pytest.fixture
def radar(settings: Settings) -> Iterator[Radar]:
    with make_radar(settings) as radar:
        yield radar


@pytest.fixture
def server() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as srv:
        srv.route("/a.xml", Route(body=rss_feed("a", 4)))
        srv.route("/b.xml", Route(body=rss_feed("b", 3)))
        yield srv


def test_polls_at_start_and_picks_up_a_new_source_on_schedule(
        radar: Radar, settings: Settings, server: LocalHTTPServer) -> None:
    radar.sync_sources([SourceSpec(url=server.url("/a.xml"), name="A")])
    schedule = build_schedule(radar, settings)
    schedule.start()
    try:
        wait_for(lambda: radar.count_items() == 4)
        wait_for(lambda: not radar.last_poll().running)
        first = radar.last_poll()
        assert first.sources == 1 and first.items_new == 4 and first.error is None
        # A source added while the service runs is fetched by the next scheduled poll;
        # the first one is not due again (its interval is at least 15 minutes).
        radar.sync_sources([SourceSpec(url=server.url("/b.xml"), name="B")])
        wait_for(lambda: radar.count_items() == 7)
    finally:
        assert schedule.stop(grace_s=10)
    assert len(server.requests_for("/a.xml")) == 1
    assert len(server.requests_for("/b.xml")) == 1
    assert radar.last_poll().finished_at is not None


def test_a_slow_poll_is_never_started_twice(
        radar: Radar, settings: Settings, server: LocalHTTPServer) -> None:
    # The feed takes 3 s while the job fires every second: an overlapping poll would
    # see the source still due and fetch it again.
    server.route("/a.xml", Route(body=rss_feed("a", 2), delay_s=3))
    radar.sync_sources([SourceSpec(url=server.url("/a.xml"), name="Traag")])
    schedule = build_schedule(radar, settings)
    schedule.start()
    job = schedule.scheduler.get_job(POLL_JOB)
    assert {k: getattr(job, k) for k in JOB_DEFAULTS} == JOB_DEFAULTS
    try:
        wait_for(lambda: radar.count_items() == 2)
    finally:
        assert schedule.stop(grace_s=10)
    assert len(server.requests_for("/a.xml")) == 1
    assert server.max_in_flight == 1


def test_stop_reports_a_poll_still_in_flight_and_it_ends_whole(
        radar: Radar, settings: Settings, server: LocalHTTPServer) -> None:
    server.route("/a.xml", Route(body=rss_feed("a", 3), delay_s=2))
    radar.sync_sources([SourceSpec(url=server.url("/a.xml"), name="Traag")])
    schedule = build_schedule(radar, settings)
    schedule.start()
    wait_for(lambda: len(server.requests_for("/a.xml")) == 1)
    assert schedule.stop(grace_s=0.1) is False
    assert schedule.poll.wait_idle(15)
    assert radar.count_items() == 3
    assert not schedule.scheduler.running


def test_a_broken_feeds_file_is_reported_and_known_sources_are_still_polled(
        radar: Radar, settings: Settings, server: LocalHTTPServer,
        caplog: pytest.LogCaptureFixture) -> None:
    radar.sync_sources([SourceSpec(url=server.url("/a.xml"), name="A")])
    settings.feeds.write_text('[[source]]\nname = "X"\nurl = "ftp://nee"\n', encoding="utf-8")
    schedule = build_schedule(radar, settings)
    with caplog.at_level(logging.INFO):
        schedule.start()
        try:
            wait_for(lambda: radar.count_items() == 4)
            wait_for(lambda: radar.last_poll().finished_at is not None)
        finally:
            assert schedule.stop(grace_s=10)
    poll = radar.last_poll()
    assert "feeds.toml:3" in (poll.error or "") and "ftp://nee" in (poll.error or "")
    assert [s.spec.name for s in radar.sources()] == ["A"]
    assert any(r.levelno == logging.ERROR and "feeds.toml:3" in r.getMessage()
               for r in caplog.records)


class _BrokenRadar(Radar):
    """A facade whose poll fails the way an unexpected bug would."""

    def poll(self, *, sync_feeds: bool = True) -> UpdateResult:
        raise RuntimeError("onverwachte fout")


def test_a_failing_poll_is_logged_with_traceback_and_the_job_keeps_running(
        settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    with _BrokenRadar(settings) as radar:
        schedule = build_schedule(radar, settings)
        with caplog.at_level(logging.INFO):
            schedule.start()
            try:
                wait_for(lambda: sum(r.getMessage() == "poll failed"
                                     for r in caplog.records) >= 2)
            finally:
                assert schedule.stop(grace_s=10)
    record = next(r for r in caplog.records if r.getMessage() == "poll failed")
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert "onverwachte fout" in str(record.exc_info[1])


def test_health_reports_database_poll_and_long_failing_sources(
        radar: Radar, settings: Settings, server: LocalHTTPServer) -> None:
    server.route("/stuk.xml", Route(status=500))
    radar.sync_sources([SourceSpec(url=server.url("/a.xml"), name="Goed"),
                        SourceSpec(url=server.url("/stuk.xml"), name="Stuk"),
                        SourceSpec(url=server.url("/nieuw-stuk.xml"), name="Pas stuk")])
    radar.poll(sync_feeds=False)
    health = radar.health()
    assert health.ok and health.last_poll.sources == 3 and health.last_poll.sources_failed == 2
    assert health.failing == (), "sources failing for less than a day are not flagged"
    two_days_ago = (datetime.now(UTC) - timedelta(days=2)).isoformat(timespec="microseconds")
    with sqlite3.connect(settings.db) as conn:
        conn.execute("UPDATE sources SET created_at = ? WHERE name IN ('Goed', 'Stuk')",
                     (two_days_ago,))
    failing = radar.health().failing
    assert [(f.name, f.error_count) for f in failing] == [("Stuk", 1)]
    assert "500" in (failing[0].last_error or "")


def test_health_is_unusable_when_the_file_is_gone_or_damaged(
        radar: Radar, settings: Settings) -> None:
    assert radar.health().ok
    moved = settings.db.with_suffix(".weg")
    settings.db.rename(moved)  # an open connection keeps working on a moved file
    gone = radar.health()
    assert not gone.ok and "does not exist" in (gone.database_error or "")
    radar.close()
    moved.rename(settings.db)
    assert radar.health().ok
    radar.close()
    with settings.db.open("r+b") as f:
        f.write(b"geen database!!!")  # the header SQLite checks first
    damaged = radar.health()
    assert not damaged.ok and "not a database" in (damaged.database_error or "")
