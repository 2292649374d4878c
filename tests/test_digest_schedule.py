"""The weekly digest job: a time missed while the service was down runs once at start,
and a restart never sends twice (the send log decides, not the scheduler's memory)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from nieuwsradar.config import Settings
from nieuwsradar.core import make_radar
from nieuwsradar.digest.week import Week
from nieuwsradar.scheduler import (
    DIGEST_JOB,
    JOB_DEFAULTS,
    POLL_JOB,
    build_schedule,
    digest_trigger,
    missed_digest,
)
from support.digest_data import seed_members, seed_week
from support.smtpd import SmtpServer, make_certificate

DAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")


def schedule_at(moment: datetime) -> str:
    local = moment.astimezone(ZoneInfo("Europe/Amsterdam"))
    return f"{DAYS[local.weekday()]} {local:%H:%M}"


def test_missed_time_is_caught_up_only_when_recent() -> None:
    now = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)  # a Tuesday
    settings = Settings(digest_schedule="ma 07:00")
    trigger = digest_trigger(settings)
    assert missed_digest(trigger, now) == datetime(2026, 12, 7, 6, 0, tzinfo=UTC)  # 07:00 CET
    assert missed_digest(trigger, datetime(2026, 12, 11, 9, 0, tzinfo=UTC)) is None  # Friday
    assert missed_digest(trigger, datetime(2026, 12, 7, 5, 59, tzinfo=UTC)) is None


def test_weekly_job_missed_while_down_runs_once_on_restart(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cert = make_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert.cert))
    now = datetime.now(UTC)
    db = tmp_path / "r.db"
    seed_week(db, week=Week.last_complete(now))
    seed_members(db)
    with SmtpServer(cert, user="radar", password="geheim") as smtp:
        settings = Settings.from_env({}, db=db, smtp_host="localhost", smtp_port=smtp.port,
                                     smtp_user="radar", smtp_password="geheim",
                                     mail_from="Radar <radar@m150.example>",
                                     base_url="https://radar.example.nl", secret_key="q" * 32,
                                     send_rate=0,
                                     digest_schedule=schedule_at(now - timedelta(minutes=2)))
        for start in range(2):  # the first start catches up; the restart sends nothing more
            with make_radar(settings) as radar:
                schedule = build_schedule(radar, settings, sync_feeds=False)
                schedule.scheduler.remove_job(POLL_JOB)  # no fetching in this test
                assert schedule.digest is not None
                schedule.start()
                job = schedule.scheduler.get_job(DIGEST_JOB)
                assert {k: getattr(job, k) for k in JOB_DEFAULTS} == JOB_DEFAULTS
                deadline = time.monotonic() + 60
                while schedule.digest.runs == 0 and time.monotonic() < deadline:
                    time.sleep(0.05)
                schedule.stop()
                assert schedule.digest.runs == 1, f"start {start}: the job did not run once"
                next_run = schedule.scheduler.get_job(DIGEST_JOB)
                assert next_run is None or next_run.next_run_time > datetime.now(UTC)
            assert len(smtp.recipients()) == 4
