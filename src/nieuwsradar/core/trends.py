"""Facade part: trend counts (kept up to date after each ingest) and rising topics.

Counting has two steps. An update run's workers extract the topic keys of the items they
process and its writer stores one row per item with the item; after the run
:meth:`TrendsPart.count_trends` counts what ingest did not (items stored otherwise, or
edited since). When trends are asked for, every week that the request needs and whose counts
are missing or out of date (new, deleted, edited or relabelled items) is aggregated once
into per-week voices (``trend_counts``): after an ingest run that is the running week,
once. A request therefore reads aggregate rows, never the archive's text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from nieuwsradar import trends
from nieuwsradar.core.base import RadarBase
from nieuwsradar.errors import InputError
from nieuwsradar.storage.counts import COUNTED_DOMAINS, domain_bit
from nieuwsradar.trends import Count, DomainTrends, Interest, Story, Totals, Trend, TrendReport

_BATCH = 5000
_PER_TOPIC_ITEMS = 5
_SURFACE_SAMPLE = 12



def _iso(day: date) -> str:
    return day.isoformat()


def _start(day: date) -> str:
    """Stored-datetime text of midnight UTC at the start of ``day``."""
    return datetime.combine(day, time(), UTC).isoformat(timespec="microseconds")


class TrendsPart(RadarBase):
    """Count topics per week and rank what rises, per domain and per network."""

    def trend_domains(self) -> tuple[str, ...]:
        """The taxonomy's labels that trends are counted for (in taxonomy order): those
        with a bit in the counts table; a label added later shows in the overall list."""
        return tuple(label for label in self.taxonomy().labels if label in COUNTED_DOMAINS)

    def count_trends(self) -> int:
        """Record the topic keys of items not counted yet (not counted at ingest, or
        edited since); return how many were counted. Called after each ingest run."""
        db = self._db
        done = 0
        while rows := db.uncounted_items(limit=_BATCH):
            db.store_item_terms([(i, week, src, mask, sorted(trends.item_terms(title, summary)))
                                 for i, week, src, mask, title, summary in rows])
            done += len(rows)
        return done

    def latest_week(self) -> date | None:
        """The latest week up to now that has items (None for an empty archive)."""
        self.count_trends()
        week = self._db.latest_week(datetime.now(UTC).date().isoformat())
        return None if week is None else date.fromisoformat(week)

    # -- weeks ---------------------------------------------------------------------------
    def _aggregate(self, weeks: Sequence[date]) -> None:
        """Make sure ``weeks`` are aggregated: each one whose counts are missing or out of
        date (new, deleted, edited or relabelled items) is aggregated again."""
        db = self._db
        for stale in db.stale_weeks(_iso(w) for w in weeks):
            rows = db.week_item_terms([stale])
            db.replace_week_counts(stale, trends.aggregate(
                ((src, mask, terms) for _, src, mask, terms in rows), COUNTED_DOMAINS))

    def _key_counts(self, domain: str, weeks: Sequence[date],
                    keys: Sequence[str]) -> dict[tuple[str, date], int]:
        stored = self._db.key_counts(domain, [_iso(w) for w in weeks], keys)
        return {(key, date.fromisoformat(week)): n for (key, week), n in stored.items()}

    # -- trends --------------------------------------------------------------------------
    def trends(self, *, week: date | None = None, since: date | None = None,
               until: date | None = None, domain: str | None = None,
               network: str | None = None, limit: int = 10, baseline_weeks: int = 12,
               min_sources: int = 3, min_items: int = 3, min_stories: int = 2,
               series_weeks: int = 26, overall_only: bool = False) -> TrendReport:
        """Rising topics and stories of a window: one ISO week (``week``, any day in it;
        default this week) or the weeks from ``since`` through ``until`` (default today),
        compared with the ``baseline_weeks`` before it. Overall and per domain, or only
        ``domain`` (or only overall); with ``network`` reordered by what its members
        follow. A term needs ``min_sources`` voices, ``min_items`` items and
        ``min_stories`` distinct stories (a term only one syndicated story carries is that
        story, listed with the stories); a story needs ``min_sources`` sources."""
        if domain is not None and domain not in self.trend_domains():
            raise InputError(f"onbekend domein {domain!r}; kies uit: "
                             f"{', '.join(self.trend_domains())}")
        if week is not None and since is not None:
            raise InputError("geef een week of een begindatum (since), niet allebei")
        today = datetime.now(UTC).date()
        if since is not None:
            if (until or today) < since:
                raise InputError(f"de periode eindigt ({until}) voordat ze begint ({since}); "
                                 "kies een einddatum op of na de begindatum")
            window = trends.weeks(since, until or today)
        else:
            window = [trends.week_of(week or today)]
        first = window[0]
        baseline = [first - timedelta(weeks=n) for n in range(baseline_weeks, 0, -1)]
        span_start = window[-1] - timedelta(weeks=max(series_weeks, len(window)) - 1)
        span = trends.weeks(span_start, window[-1])
        self.count_trends()
        self._aggregate(sorted(set(window) | set(baseline) | set(span)))
        names = [domain] if domain is not None else [""] if overall_only else ["", *COUNTED_DOMAINS]
        interest = self._interest(network) if network else None

        rows = [(item_id, source, mask, frozenset(joined.split("|")))
                for item_id, source, mask, joined in self._db.week_item_terms(
                    _iso(w) for w in window)]
        start, end = _start(window[0]), _start(window[-1] + timedelta(days=7))
        results: list[DomainTrends] = []
        wanted_items: set[int] = set()
        window_by_domain: dict[str, dict[str, tuple[int, int]]] = {}
        for name in names:
            # One week: only keys with enough voices. A longer window sums weeks, so it
            # keeps keys with two voices in a week (one a week is never a trend).
            floor = min_sources if len(window) == 1 else min(2, min_sources)
            now = self._db.week_counts(name, [_iso(w) for w in window], min_sources=floor)
            window_by_domain[name] = now
            candidates = [k for k, (v, i) in now.items()
                          if k and v >= min_sources and i >= min_items]
            before = self._db.key_sums(name, [_iso(w) for w in baseline], candidates)
            base_items = sum(n for _, n in self._db.week_totals(
                name, [_iso(w) for w in baseline]).values())
            totals = Totals(window_items=now.get("", (0, 0))[1], baseline_items=base_items,
                            window_weeks=len(window), baseline_weeks=len(baseline))
            topics = trends.rank_terms({k: Count(*now[k]) for k in candidates}, before,
                                       totals, min_sources=min_sources, min_items=min_items,
                                       limit=limit * 4)
            stories = trends.rank_stories(
                (Story(c, s, n) for c, s, n in self._db.window_stories(
                    start, end, name, min_sources)), totals, min_sources=min_sources,
                limit=limit)
            topics = self._detail(topics, name, rows, span, min_stories,
                                  limit * 3 if interest else limit)
            stories = self._story_detail(stories, start, end)
            results.append(DomainTrends(name, topics, stories))
        if interest is not None:
            results = [self._weigh(r, interest, window_by_domain, limit) for r in results]
        for result in results:
            for trend in (*result.topics, *result.stories):
                wanted_items.update(trend.items)
        items = {item.id: item for item in self._db.get_items(sorted(wanted_items))}
        return TrendReport(window, baseline, span, network or "", results, items)

    def _detail(self, topics: list[Trend], domain: str,
                rows: Sequence[tuple[int, int, int, frozenset[str]]], span: Sequence[date],
                min_stories: int, limit: int) -> list[Trend]:
        """Fill in each topic's distinct sources in the window, its items (newest first,
        one per story first), readable form and weekly series; drop topics that only
        one story carries (fewer than ``min_stories``) and topics that echo a better one
        (mostly the same items, see :func:`nieuwsradar.trends.echoes`); keep the best
        ``limit``."""
        if not topics:
            return []
        bit = domain_bit(domain)
        keys = {t.key for t in topics}
        carriers: dict[str, list[tuple[int, int]]] = {key: [] for key in keys}
        for item_id, source, mask, carried in rows:
            if bit and not mask & bit:
                continue
            for key in keys.intersection(carried):
                carriers[key].append((item_id, source))
        sample = {i for key in keys for i, _ in sorted(carriers[key], reverse=True)
                  [:_SURFACE_SAMPLE]}
        texts = self._db.item_texts(sorted(sample))
        forms = trends.surface_forms(
            (f"{title}. {summary}" for title, summary, _ in texts.values()), keys)
        counts = self._key_counts(domain, span, sorted(keys))
        stories = self._db.item_stories(sorted({i for key in keys for i, _ in carriers[key]}))
        detailed = []
        shown: list[set[int]] = []
        for trend in topics:
            found = sorted(carriers[trend.key], reverse=True)
            if len({stories.get(i, -i) for i, _ in found}) < min_stories:
                continue  # one story told by several sources: the story list shows it
            items_of_topic = {i for i, _ in found}
            if trends.echoes(items_of_topic, shown):
                continue
            shown.append(items_of_topic)
            first_per_source: dict[int, int] = {}
            first_per_story: dict[int, int] = {}
            for item_id, source in found:
                first_per_source.setdefault(source, item_id)
                first_per_story.setdefault(stories.get(item_id, -item_id), item_id)
            # one item per story first (newest first), then other sources' versions
            chosen = list(dict.fromkeys([*first_per_story.values(),
                                         *first_per_source.values()]))[:_PER_TOPIC_ITEMS]
            detailed.append(replace(
                trend, topic=forms.get(trend.key, trend.key), sources=len(first_per_source),
                items=tuple(chosen),
                series=trends.series({w: counts.get((trend.key, w), 0) for w in span}, span)))
        return detailed[:limit]

    def _story_detail(self, stories: list[Trend], start: str, end: str) -> list[Trend]:
        detailed = []
        for story in stories:
            told = self._db.cluster_items(int(story.key.split(":")[1]))
            inside = [it for it in told if start <= _start(it.published_at.date()) < end]
            chosen = inside or told
            detailed.append(replace(
                story, topic=chosen[0].title if chosen else story.key,
                sources=len({it.source_id for it in chosen}),
                items=tuple(it.id for it in chosen[:_PER_TOPIC_ITEMS])))
        return detailed

    # -- networks ------------------------------------------------------------------------
    def _interest(self, network: str) -> Interest:
        members, domains, searches = self._db.network_interest(network)
        if members == 0:
            raise InputError(f"netwerk {network!r} heeft geen actieve leden; netwerken met "
                             f"leden: {', '.join(self._db.networks()) or 'geen'}")
        return Interest(members, {d: n / members for d, n in domains.items()},
                        trends.stems_of_queries(searches))

    def _weigh(self, result: DomainTrends, interest: Interest,
               window_by_domain: dict[str, dict[str, tuple[int, int]]],
               limit: int) -> DomainTrends:
        """Reorder one domain's topics by the network's interest. Overall topics weigh
        as the domain that carries most of their voices."""
        if result.domain:
            topics = trends.for_network(result.topics, interest, result.domain)
        else:
            topics = []
            for trend in result.topics:
                home = max(COUNTED_DOMAINS, key=lambda d: window_by_domain.get(d, {}).get(
                    trend.key, (0, 0))[0])
                topics += trends.for_network([trend], interest, home)
            topics.sort(key=lambda t: (-t.score, -t.count, t.key))
        return DomainTrends(result.domain, topics[:limit], result.stories)

    def networks(self) -> list[str]:
        """The networks that have active members."""
        return self._db.networks()
