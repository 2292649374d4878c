"""Facade part: the weekly digest (build, preview, send exactly once, status, unsubscribe)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from nieuwsradar.config import mail_problems, smtp_port
from nieuwsradar.core.base import RadarBase
from nieuwsradar.core.search import SearchRequest
from nieuwsradar.digest.build import Digest, WeekPool
from nieuwsradar.digest.send import (
    RETRY_DELAYS_S,
    DeliveryError,
    Outbound,
    Pacer,
    SmtpConfigError,
    SmtpTransport,
    deliver_once,
    send_lock,
)
from nieuwsradar.digest.tokens import BadToken, Purpose, read_token
from nieuwsradar.digest.week import Week
from nieuwsradar.errors import ConfigError, InputError
from nieuwsradar.types import Item, Member, SendRecord

if TYPE_CHECKING:
    from nieuwsradar.core.search import SearchResults
    from nieuwsradar.digest.render import Composed, MailConfig
    from nieuwsradar.trends import TrendReport

#: How many hits of a saved search are looked at per week.
SEARCH_HITS = 200
#: How many of the week's rising topics (from the trends) a digest mentions.
TRENDING_TOPICS = 3
#: A preview works before the mail settings are complete (only the secret key is needed).
PREVIEW_SENDER = "Nieuwsradar <nieuwsradar@localhost>"
PREVIEW_BASE_URL = "http://localhost:8000"


@dataclass(slots=True)
class SendReport:
    """What a send run did: counts per outcome and the members that need attention."""

    week: str
    dry_run: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    """(e-mail, outcome, error) of every member not sent this run."""
    settled_uncertain: int = 0
    stopped: str | None = None
    """Why the run stopped early (server unreachable, login refused); rest stays pending."""

    def add(self, outcome: str, email: str = "", error: str | None = None) -> None:
        """Count one member's outcome (and remember the error)."""
        self.counts[outcome] = self.counts.get(outcome, 0) + 1
        if error:
            self.problems.append((email, outcome, error))


class DigestPart(RadarBase):
    """Weekly digests: choose, render, send once, report; the signed member links."""

    if TYPE_CHECKING:  # provided by the items and members parts of the facade
        def find(self, request: SearchRequest) -> SearchResults: ...
        def trends(self, *, week: date | None = None, network: str | None = None,
                   overall_only: bool = False, limit: int = 10) -> TrendReport: ...
        def networks(self) -> list[str]: ...
        def member(self, email: str) -> Member: ...

    # -- weeks and building ---------------------------------------------------------------
    def digest_week(self, text: str | None = None) -> Week:
        """The week named ``2026-W49``, or the last complete week (the one a Monday run
        sends) in the configured time zone."""
        tz = self.settings.timezone
        return Week.parse(text, tz) if text else Week.last_complete(datetime.now(UTC), tz)

    def latest_news_week(self) -> Week:
        """The week of the newest item (the last complete week for an empty archive)."""
        newest = self._db.newest_published_at()
        tz = self.settings.timezone
        return Week.containing(newest, tz) if newest else self.digest_week()

    def week_pool(self, week: Week) -> WeekPool:
        """The week's stories, ranked once per domain, for building many digests."""
        db = self._db
        items = db.items_between(week.start, week.end)
        clusters = sorted({it.cluster_id for it in items if it.cluster_id is not None})
        return WeekPool(week, items, db.story_sources(clusters), db.source_domains())

    def _search_hits(self, pool: WeekPool, queries: tuple[str, ...],
                     cache: dict[str, list[int]]) -> dict[str, list[int]]:
        """Saved-search hits of the pool's week, best first (each query run once)."""
        week = pool.week
        hits: dict[str, list[int]] = {}
        for query in queries:
            if query not in cache:
                found = self.find(SearchRequest(text=query, since=week.first_day,
                                                until=week.last_day, limit=SEARCH_HITS))
                cache[query] = [h.item.id for h in found.hits if h.item.id in pool]
            hits[query] = cache[query]
        return hits

    def _trending(self, week: Week, network: str,
                  cache: dict[str, list[tuple[int, ...]]]) -> list[tuple[int, ...]]:
        """The item ids of the week's rising topics, weighed for ``network`` when it has
        members (each network asked once per run)."""
        if network not in cache:
            known = network if network and network in self.networks() else None
            report = self.trends(week=week.first_day, network=known, overall_only=True,
                                 limit=TRENDING_TOPICS)
            cache[network] = [t.items for t in report.domains[0].topics] \
                if report.domains else []
        return cache[network]

    def member_digest(self, member: Member, pool: WeekPool,
                      cache: dict[str, list[int]] | None = None,
                      trending: dict[str, list[tuple[int, ...]]] | None = None) -> Digest:
        """The digest of one member from a week's pool (``cache`` and ``trending`` keep
        saved-search hits and rising topics across the members of one run)."""
        return pool.digest_for(
            member.domains,
            self._search_hits(pool, member.searches, {} if cache is None else cache),
            self.settings.digest_per_domain,
            self._trending(pool.week, member.network, {} if trending is None else trending))

    def _mail_config(self, *, sending: bool) -> MailConfig:
        from nieuwsradar.digest.render import MailConfig  # Jinja2, CSS inlining, DKIM

        problems = mail_problems(self.settings)
        if sending and problems:
            raise ConfigError("er kan geen e-mail worden verstuurd:\n" + "\n".join(problems))
        if not self.settings.secret_key:
            raise ConfigError(problems[0])
        return MailConfig.from_settings(self.settings)

    def preview_digest(self, email: str, week: Week) -> Composed:
        """The message ``email`` gets (or would get) for ``week``, also when it is empty."""
        from nieuwsradar.digest.render import compose

        member = self.member(email)
        mail = self._mail_config(sending=False)
        if not mail.sender_address:
            mail = replace(mail, sender=PREVIEW_SENDER)
        if not mail.base_url:
            mail = replace(mail, base_url=PREVIEW_BASE_URL)
        return compose(self.member_digest(member, self.week_pool(week)), member, mail,
                       now=datetime.now(UTC))

    # -- sending --------------------------------------------------------------------------
    def send_lock_path(self) -> Path:
        """The lock file beside the database that keeps two send runs apart."""
        return Path(f"{self.settings.db}.send.lock")

    def send_digests(self, week: Week, *, dry_run: bool = False,
                     progress: Callable[[str, str], None] | None = None,
                     retry_delays: tuple[float, ...] = RETRY_DELAYS_S,
                     sleep: Callable[[float], None] = time.sleep) -> SendReport:
        """Send every active member their digest of ``week``, each exactly once.

        Members whose week is already sent, failed (permanently) or uncertain are
        skipped; a 'sending' row left by a run that died is first marked uncertain.
        When the server cannot be reached the run stops and the rest waits for the next
        run. With ``dry_run`` nothing is written or sent. ``progress(email, outcome)``
        is called per member.
        """
        mail = self._mail_config(sending=not dry_run)
        report = SendReport(week.label, dry_run=dry_run)
        db = self._db
        with send_lock(self.send_lock_path()):
            if not dry_run:
                report.settled_uncertain = db.settle_in_flight(week.label)
            done = {r.member_id: r.status for r in db.send_records(week.label)}
            pool = self.week_pool(week)
            cache: dict[str, list[int]] = {}
            trending: dict[str, list[tuple[int, ...]]] = {}
            settings = self.settings
            transport = SmtpTransport(settings.smtp_host, smtp_port(settings),
                                      settings.smtp_security,  # type: ignore[arg-type]
                                      settings.smtp_user, settings.smtp_password)
            pacer = Pacer(settings.send_rate, sleep=sleep)

            def build(member: Member) -> Digest:
                return self.member_digest(member, pool, cache, trending)

            try:
                for member in db.members(active_only=True):
                    try:
                        outcome, error = self._send_one(
                            member, week, build, mail, done, dry_run, transport, pacer,
                            retry_delays, sleep)
                    except (DeliveryError, SmtpConfigError) as exc:
                        report.stopped = str(exc)
                        outcome, error = "pending", str(exc)
                    report.add(outcome, member.email, error)
                    if progress:
                        progress(member.email, outcome)
                    if report.stopped:
                        break
            finally:
                transport.close()
        return report

    def _send_one(self, member: Member, week: Week, build: Callable[[Member], Digest],
                  mail: MailConfig, done: Mapping[int, str], dry_run: bool,
                  transport: SmtpTransport, pacer: Pacer, retry_delays: tuple[float, ...],
                  sleep: Callable[[float], None]) -> tuple[str, str | None]:
        from nieuwsradar.digest.render import compose

        status = done.get(member.id, "pending")
        if status != "pending":
            return f"already-{status}", None
        digest = build(member)
        if digest.is_empty and not member.note_when_empty:
            if not dry_run:
                self._db.record_empty(member.id, week.label)
            return "empty", None
        composed = compose(digest, member, mail, now=datetime.now(UTC))
        if dry_run:
            return "would-send", None
        pacer.wait()
        return deliver_once(self._db, transport, Outbound(
            member_id=member.id, period=week.label, sender=mail.sender_address,
            recipient=member.email, message_id=composed.message_id, subject=composed.subject,
            item_ids=composed.item_ids, data=composed.data),
            retry_delays=retry_delays, sleep=sleep)

    # -- status ---------------------------------------------------------------------------
    def digest_status(self, week: Week) -> tuple[list[SendRecord], list[Member]]:
        """The send log of ``week`` and the active members without a row yet."""
        records = self._db.send_records(week.label)
        logged = {r.member_id for r in records}
        waiting = [m for m in self._db.members(active_only=True) if m.id not in logged]
        return records, waiting

    def digest_weeks(self) -> list[tuple[str, dict[str, int]]]:
        """Every week in the send log with its count per status, newest first."""
        return self._db.send_periods()

    def member_history(self, member_id: int) -> list[SendRecord]:
        """The digests of one member, newest week first."""
        return self._db.send_records(member_id=member_id)

    def release_uncertain(self, email: str, week: Week) -> None:
        """Allow an 'uncertain' digest to be sent again, after a coordinator checked that
        it did not arrive."""
        member = self.member(email)
        if not self._db.release_uncertain(member.id, week.label):
            raise InputError(f"de digest van {member.email} voor {week.label} staat niet op "
                             "'onzeker'; zie: nieuwsradar digest status")

    # -- signed links ---------------------------------------------------------------------
    def member_from_token(self, purpose: Purpose, token: str) -> Member:
        """The member a signed link is for; BadToken when forged, altered or expired, or
        when the member (or their address) no longer exists."""
        if not self.settings.secret_key:  # no key, so no link of ours can exist
            raise BadToken("invalid")
        member_id, email = read_token(self.settings.secret_key, purpose, token)
        member = self._db.member(member_id)
        if member is None or member.email.lower() != email:
            raise BadToken("invalid")
        return member

    def sent_digest(self, member: Member, period: str) -> tuple[SendRecord, list[Item]]:
        """What a member received for one week: the log row and the items still stored."""
        records = self._db.send_records(period, member.id)
        if not records or records[0].status != "sent":
            raise InputError(f"no digest was sent to {member.email} for {period}")
        return records[0], self._db.get_items(list(records[0].item_ids))

    def resubscribe(self, member_id: int) -> None:
        """Sign a member up again (they asked for it on their own page)."""
        self._db.activate_member(member_id)

    def unsubscribe(self, member_id: int, via: str) -> bool:
        """Unsubscribe a member and record how (False: they already were)."""
        return self._db.unsubscribe(member_id, via)

