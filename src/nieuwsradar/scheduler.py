"""APScheduler 3.x wiring of the service's background jobs (no business logic here).

:func:`build_schedule` makes a :class:`Schedule`: a ``BackgroundScheduler`` whose jobs
call the :class:`~nieuwsradar.core.Radar` facade. *poll*: every
``settings.poll_every_s`` seconds (and once at start) it runs ``radar.poll()``, which
updates the sources that are due; each source keeps its own adaptive interval, decided
by ``update``. *digest*: weekly on ``settings.digest_schedule`` in ``settings.timezone``
it sends the last complete week's digest; a time that passed while the service was down
(at most :data:`DIGEST_CATCH_UP` ago) runs once at start. Every job runs with

- ``max_instances=1``: a job never overlaps itself (a slow poll is not started twice),
- ``coalesce=True``: runs missed while one was busy (or the process was down) become one,
- ``misfire_grace_time=None``: a late run still happens (with APScheduler's default of
  one second, a weekly job missed while the process was busy or down is silently skipped).

Adding a job (the weekly digest, for example) is a few lines in :func:`build_schedule`,
after the poll job; the defaults above apply to it as well::

    scheduler.add_job(radar.send_weekly_digest, CronTrigger(day_of_week="mon", hour=7,
                      timezone=LOCAL_TZ), id="digest", name="weekly digest")

A job that must not run twice for one period (an e-mail) also keeps its own record in
the database: the scheduler only decides *when* to try.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from nieuwsradar.config import Settings, mail_problems, parse_schedule
from nieuwsradar.core import Radar

log = logging.getLogger(__name__)

JOB_DEFAULTS = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
POLL_JOB = "poll"
DIGEST_JOB = "digest"
#: A weekly digest whose time passed while the service was down is still sent at start
#: when it is at most this late; later than that, the next week's digest comes first.
DIGEST_CATCH_UP = timedelta(days=3)


class PollJob:
    """The poll job: ``radar.poll()`` with its failures logged, and a flag for "busy".

    The service asks :meth:`wait_idle` at shutdown whether a poll is still in flight.
    """

    def __init__(self, radar: Radar, *, sync_feeds: bool = True) -> None:
        self._radar = radar
        self._sync_feeds = sync_feeds
        self._idle = threading.Event()
        self._idle.set()

    def __call__(self) -> None:
        """Run one poll; an error is logged with its traceback, never raised."""
        self._idle.clear()
        try:
            self._radar.poll(sync_feeds=self._sync_feeds)
        except Exception:
            log.exception("poll failed")
        finally:
            self._idle.set()

    @property
    def busy(self) -> bool:
        """True while a poll runs."""
        return not self._idle.is_set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no poll runs (at most ``timeout`` seconds); True when idle."""
        return self._idle.wait(timeout)


class DigestJob:
    """The weekly digest job: send the last complete week to every member who has not had
    it. The send log decides who gets what, so running it twice sends nothing twice."""

    def __init__(self, radar: Radar) -> None:
        self._radar = radar
        self._idle = threading.Event()
        self._idle.set()
        self.runs = 0

    def __call__(self) -> None:
        """Run one send; problems are logged, never raised."""
        self._idle.clear()
        try:
            problems = mail_problems(self._radar.settings)
            if problems:
                log.error("weekly digest not sent: %s", "; ".join(problems))
                return
            week = self._radar.digest_week()
            report = self._radar.send_digests(week)
            log.info("weekly digest %s: %s%s", week.label, report.counts,
                     f"; stopped: {report.stopped}" if report.stopped else "")
        except Exception:
            log.exception("weekly digest failed")
        finally:
            self.runs += 1
            self._idle.set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no send runs (at most ``timeout`` seconds); True when idle."""
        return self._idle.wait(timeout)


def digest_trigger(settings: Settings) -> CronTrigger:
    """The weekly trigger of ``digest_schedule`` in the configured time zone."""
    day, hour, minute = parse_schedule(settings.digest_schedule)
    return CronTrigger(day_of_week=day, hour=hour, minute=minute,
                       timezone=ZoneInfo(settings.timezone))


def missed_digest(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The latest scheduled digest time before ``now`` when it is recent enough to catch
    up on at start (APScheduler's memory store forgets runs missed while down)."""
    latest = trigger.get_next_fire_time(None, now - timedelta(days=7))
    if latest is not None and latest <= now and now - latest <= DIGEST_CATCH_UP:
        return latest
    return None


class Schedule:
    """A configured BackgroundScheduler and its poll job: start it, later stop it."""

    def __init__(self, scheduler: BackgroundScheduler, poll: PollJob,
                 digest: DigestJob | None = None) -> None:
        self.scheduler = scheduler
        self.poll = poll
        self.digest = digest

    def start(self) -> None:
        """Start the scheduler thread; the first poll runs at once."""
        self.scheduler.start()
        log.info("scheduler started: jobs %s",
                 ", ".join(job.id for job in self.scheduler.get_jobs()))

    def stop(self, grace_s: float = 0.0) -> bool:
        """Stop starting jobs and give a poll in flight ``grace_s`` seconds to finish.

        Returns True when no poll runs any more; False when one is still in flight (it
        goes on in its thread; a caller that cannot wait abandons it: every source is
        written whole or not at all).
        """
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        return self.poll.wait_idle(grace_s)


def build_schedule(radar: Radar, settings: Settings, *, sync_feeds: bool = True) -> Schedule:
    """The service's scheduler (not started) with its poll job.

    ``sync_feeds=False`` polls only the stored sources, without reading the feeds file
    (the demo polls its own local sources).
    """
    scheduler = BackgroundScheduler(timezone=UTC, job_defaults=JOB_DEFAULTS)
    poll = PollJob(radar, sync_feeds=sync_feeds)
    now = datetime.now(UTC)
    scheduler.add_job(poll, IntervalTrigger(seconds=settings.poll_every_s, timezone=UTC),
                      id=POLL_JOB, name="poll due sources", next_run_time=now)
    digest = DigestJob(radar)
    trigger = digest_trigger(settings)
    catch_up: dict[str, Any] = {"next_run_time": now} if missed_digest(trigger, now) else {}
    scheduler.add_job(digest, trigger, id=DIGEST_JOB, name="weekly digest", **catch_up)
    return Schedule(scheduler, poll, digest)
