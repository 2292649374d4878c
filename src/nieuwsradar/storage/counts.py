"""Trend counts: each item's topic keys, and per-week aggregates of voices per topic.

Two tables (see the migration ``_V3_TREND_COUNTS_TOPIC_PINS``):

* ``trend_items``: one row per counted item (its week, source, domain bit mask and topic
  keys joined by ``|``). Writing one row per item keeps the cost at ingest small: an
  update run's writer stores the rows of the items it writes, with the topic keys its
  workers computed (:meth:`CountsMixin.store_ingested_terms`). Items newer than the
  watermark (``meta.trend_watermark``) and items in ``trend_recount`` (edited after
  counting) are still to be counted.
* ``trend_counts``: per (domain, week, topic key) the voices (distinct sources) and items,
  written once per week by :meth:`CountsMixin.replace_week_counts`; the topic key ``''``
  holds the week's totals. ``trend_weeks.aggregated`` says whether a week's rows are
  current; triggers reset it when an item of the week is deleted, edited or relabelled.

Domains are a bit mask in the order of :data:`COUNTED_DOMAINS`: the labels the trend
triggers of the schema know (see ``TREND_DOMAIN_MASK`` in migrations). A label added to
topics.toml later is counted in the overall ranking ('' = all domains) until a migration
gives it a bit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

from nieuwsradar.storage.base import StorageBase
from nieuwsradar.storage.convert import json_ids
from nieuwsradar.storage.migrations import TREND_DOMAIN_MASK

_WATERMARK = "trend_watermark"
_WEEK = "date(i.published_at, 'weekday 0', '-6 days')"
_MISSING = (
    "SELECT j.value FROM json_each(?) j "
    "WHERE NOT EXISTS (SELECT 1 FROM trend_items t WHERE t.item_id = j.value)"
)
_INSERT_INGESTED = (
    f"INSERT INTO trend_items (item_id, week, source_id, domains, terms) "  # noqa: S608
    f"SELECT i.id, {_WEEK}, i.source_id, {TREND_DOMAIN_MASK.replace(':item', 'i.id')}, ? "
    "FROM items i WHERE i.id = ?"
)
# The watermark moves up to the newest item only when every item above it is counted (or
# waits in trend_recount): items stored without their topic keys are never skipped.
_ADVANCE = (
    "INSERT INTO meta(key, value) SELECT :key, top "
    "FROM (SELECT (SELECT max(id) FROM items) AS top) "
    "WHERE top IS NOT NULL AND NOT EXISTS (SELECT 1 FROM items i WHERE i.id > coalesce("
    "(SELECT CAST(value AS INTEGER) FROM meta WHERE key = :key), 0) "
    "AND NOT EXISTS (SELECT 1 FROM trend_items t WHERE t.item_id = i.id) "
    "AND NOT EXISTS (SELECT 1 FROM trend_recount r WHERE r.item_id = i.id)) "
    "ON CONFLICT(key) DO UPDATE SET "
    "value = max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))"
)
_UNCOUNTED = (
    f"SELECT i.id, {_WEEK}, i.source_id, {TREND_DOMAIN_MASK.replace(':item', 'i.id')}, "  # noqa: S608 - constants only
    "i.title, i.summary FROM items i "
)

#: An item to count: id, week (Monday), source id, domain mask, title, summary.
Uncounted = tuple[int, str, int, int, str, str]
#: A counted item: id, week, source id, domain mask, topic keys.
Counted = tuple[int, str, int, int, Sequence[str]]


#: The domains with a bit in the trend mask, in bit order (as in TREND_DOMAIN_MASK).
COUNTED_DOMAINS: tuple[str, ...] = ("handhaving", "ondermijning", "sociaal domein",
                                    "omgevingswet")


def domain_bit(domain: str) -> int:
    """The bit of a domain in the mask (0 for "" = all domains)."""
    return 1 << COUNTED_DOMAINS.index(domain) if domain else 0


class CountsMixin(StorageBase):
    """Reading and writing trend counts."""

    def trend_watermark(self) -> int:
        """The largest item id counted so far (0 when none)."""
        with self._reading():
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?",
                                     (_WATERMARK,)).fetchone()
        return 0 if row is None else int(row[0])

    def uncounted_items(self, limit: int = 5000) -> list[Uncounted]:
        """Up to ``limit`` items still to count: edited ones first, then by id above the
        watermark."""
        after = self.trend_watermark()
        with self._reading():
            rows = self._conn.execute(
                _UNCOUNTED + "WHERE i.id IN (SELECT item_id FROM trend_recount) "  # noqa: S608
                "ORDER BY i.id LIMIT ?", (limit,)).fetchall()
            if len(rows) < limit:
                rows += self._conn.execute(
                    _UNCOUNTED + "WHERE i.id > ? ORDER BY i.id LIMIT ?",
                    (after, limit - len(rows))).fetchall()
        return [(int(a), str(b), int(c), int(d), str(e), str(f)) for a, b, c, d, e, f in rows]

    def store_item_terms(self, rows: Sequence[Counted]) -> None:
        """Record the topic keys of counted items, advance the watermark past them and
        mark their weeks for re-aggregation (one transaction)."""
        if not rows:
            return
        top = max(row[0] for row in rows)
        with self.transaction():
            conn = self._conn
            conn.executemany(
                "INSERT OR REPLACE INTO trend_items (item_id, week, source_id, domains, terms) "
                "VALUES (?, ?, ?, ?, ?)",
                [(i, week, src, mask, "|".join(terms)) for i, week, src, mask, terms in rows])
            conn.execute("DELETE FROM trend_recount WHERE item_id IN "
                         "(SELECT value FROM json_each(?))", (json_ids(r[0] for r in rows),))
            conn.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                "value = max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))",
                (_WATERMARK, str(top)))
            conn.executemany(
                "INSERT INTO trend_weeks(week, aggregated) VALUES (?, 0) "
                "ON CONFLICT(week) DO UPDATE SET aggregated = 0",
                [(week,) for week in sorted({r[1] for r in rows})])

    def store_ingested_terms(self, terms: Mapping[int, str]) -> None:
        """Record the topic keys (joined by ``|``) of items just written, in the writer's
        transaction: ``terms[item id]``. Week, source and domain mask are read from the
        stored item and its labels. Items that already have a row keep it (their topic
        keys are current: an edit that changes them deletes the row); the watermark moves
        past the new rows when nothing below them is left uncounted."""
        if not terms:
            return
        with self.transaction():
            conn = self._conn
            ids = json_ids(terms)
            missing = [int(r[0]) for r in conn.execute(_MISSING, (ids,))]
            if missing:
                conn.executemany(_INSERT_INGESTED, [(terms[i], i) for i in missing])
                added = json_ids(missing)
                conn.execute("DELETE FROM trend_recount WHERE item_id IN "
                             "(SELECT value FROM json_each(?))", (added,))
                conn.execute(
                    "INSERT INTO trend_weeks(week, aggregated) SELECT DISTINCT week, 0 "
                    "FROM trend_items WHERE item_id IN (SELECT value FROM json_each(?)) "
                    "AND true ON CONFLICT(week) DO UPDATE SET aggregated = 0", (added,))
            conn.execute(_ADVANCE, {"key": _WATERMARK})

    def latest_week(self, until: str) -> str | None:
        """The latest week (Monday, not after ``until``) with a counted item."""
        with self._reading():
            row = self._conn.execute("SELECT max(week) FROM trend_items WHERE week <= ?",
                                     (until,)).fetchone()
        return None if row is None else row[0]

    def stale_weeks(self, weeks: Iterable[str]) -> list[str]:
        """Those of ``weeks`` whose aggregated counts are missing or out of date (weeks
        without any counted item are never stale)."""
        with self._reading():
            return [r[0] for r in self._conn.execute(
                "SELECT week FROM trend_weeks WHERE aggregated = 0 AND week IN "
                "(SELECT value FROM json_each(?)) ORDER BY week", (_json(weeks),))]

    def week_item_terms(self, weeks: Iterable[str]) -> list[tuple[int, int, int, str]]:
        """(item id, source id, domain mask, topic keys joined by ``|``) of every counted
        item in ``weeks``."""
        with self._reading():
            return self._conn.execute(
                "SELECT item_id, source_id, domains, terms FROM trend_items "
                "WHERE week IN (SELECT value FROM json_each(?))", (_json(weeks),)).fetchall()

    def replace_week_counts(self, week: str,
                            counts: Mapping[str, Mapping[str, tuple[int, int]]]) -> None:
        """Store a week's aggregate: ``counts[domain][key] = (voices, items)``."""
        with self.transaction():
            conn = self._conn
            conn.execute("DELETE FROM trend_counts WHERE week = ?", (week,))
            conn.executemany(
                "INSERT INTO trend_counts (domain, week, stem, sources, items) "
                "VALUES (?, ?, ?, ?, ?)",
                sorted((domain, week, key, voices, items)
                       for domain, per_key in counts.items()
                       for key, (voices, items) in per_key.items()))
            conn.execute("INSERT INTO trend_weeks(week, aggregated) VALUES (?, 1) "
                         "ON CONFLICT(week) DO UPDATE SET aggregated = 1", (week,))

    def week_counts(self, domain: str, weeks: Sequence[str], *,
                    min_sources: int = 1) -> dict[str, tuple[int, int]]:
        """Voices and items per topic key summed over aggregated ``weeks`` (only rows with
        at least ``min_sources`` voices in a week; the totals row ``''`` always)."""
        result: dict[str, tuple[int, int]] = {}
        with self._reading():
            for week in weeks:
                for key, voices, items in self._conn.execute(
                    "SELECT stem, sources, items FROM trend_counts WHERE domain = ? "
                    "AND week = ? AND (sources >= ? OR stem = '')",
                    (domain, week, min_sources),
                ):
                    old = result.get(key, (0, 0))
                    result[key] = (old[0] + voices, old[1] + items)
        return result

    def key_counts(self, domain: str, weeks: Sequence[str],
                   keys: Iterable[str]) -> dict[tuple[str, str], int]:
        """Voices of the given topic keys per week: ``{(key, week): voices}``."""
        with self._reading():
            rows = self._conn.execute(
                "SELECT stem, week, sources FROM trend_counts WHERE domain = ? "
                "AND week IN (SELECT value FROM json_each(?)) "
                "AND stem IN (SELECT value FROM json_each(?))",
                (domain, _json(weeks), _json(keys))).fetchall()
        return {(key, week): int(voices) for key, week, voices in rows}

    def key_sums(self, domain: str, weeks: Sequence[str], keys: Iterable[str]) -> dict[str, int]:
        """Voices of the given topic keys summed over ``weeks`` (keys never seen absent)."""
        with self._reading():
            rows = self._conn.execute(
                "SELECT stem, sum(sources) FROM trend_counts WHERE domain = ? "
                "AND week IN (SELECT value FROM json_each(?)) "
                "AND stem IN (SELECT value FROM json_each(?)) GROUP BY stem",
                (domain, _json(weeks), _json(keys))).fetchall()
        return {key: int(n) for key, n in rows}

    def week_totals(self, domain: str, weeks: Sequence[str]) -> dict[str, tuple[int, int]]:
        """(distinct sources, items) of each aggregated week in ``domain``."""
        with self._reading():
            rows = self._conn.execute(
                "SELECT week, sources, items FROM trend_counts WHERE domain = ? "
                "AND week IN (SELECT value FROM json_each(?)) AND stem = ''",
                (domain, _json(weeks))).fetchall()
        return {week: (int(s), int(n)) for week, s, n in rows}

    def window_stories(self, start: str, end: str, domain: str,
                       min_sources: int) -> list[tuple[int, int, int]]:
        """(cluster id, distinct sources, items) of stories with items published in
        [start, end) told by at least ``min_sources`` sources, in ``domain`` ('' = all)."""
        bit = domain_bit(domain)
        with self._reading():
            return self._conn.execute(
                "SELECT i.cluster_id, count(DISTINCT i.source_id), count(*) FROM items i "
                "LEFT JOIN trend_items t ON t.item_id = i.id "
                "WHERE i.published_at >= ? AND i.published_at < ? "
                "AND i.cluster_id IS NOT NULL AND (? = 0 OR t.domains & ? <> 0) "
                "GROUP BY i.cluster_id HAVING count(DISTINCT i.source_id) >= ?",
                (start, end, bit, bit, min_sources)).fetchall()

    def item_texts(self, ids: Sequence[int]) -> dict[int, tuple[str, str, int | None]]:
        """(title, summary, cluster id) of items by id."""
        with self._reading():
            rows = self._conn.execute(
                "SELECT id, title, summary, cluster_id FROM items "
                "WHERE id IN (SELECT value FROM json_each(?))", (json_ids(ids),)).fetchall()
        return {int(r[0]): (r[1], r[2], r[3]) for r in rows}

    def item_stories(self, ids: Sequence[int]) -> dict[int, int]:
        """The story (cluster id) of each of ``ids`` that belongs to one."""
        with self._reading():
            rows = self._conn.execute(
                "SELECT id, cluster_id FROM items WHERE cluster_id IS NOT NULL "
                "AND id IN (SELECT value FROM json_each(?))", (json_ids(ids),)).fetchall()
        return {int(i): int(c) for i, c in rows}

    def network_interest(self, network: str) -> tuple[int, dict[str, int], list[str]]:
        """What a network's active members follow: (members, members per subscribed
        domain, saved search queries)."""
        with self._reading():
            conn = self._conn
            members = conn.execute("SELECT count(*) FROM members WHERE network = ? "
                                   "AND active = 1", (network,)).fetchone()[0]
            rows = conn.execute(
                "SELECT s.kind, s.value, count(DISTINCT s.member_id) FROM subscriptions s "
                "JOIN members m ON m.id = s.member_id WHERE m.network = ? AND m.active = 1 "
                "GROUP BY s.kind, s.value", (network,)).fetchall()
        domains = {value: int(n) for kind, value, n in rows if kind == "domain"}
        searches = [value for kind, value, _ in rows if kind == "search"]
        return int(members), domains, searches

    def networks(self) -> list[str]:
        """The networks active members belong to, by name."""
        with self._reading():
            return [r[0] for r in self._conn.execute(
                "SELECT DISTINCT network FROM members WHERE active = 1 AND network <> '' "
                "ORDER BY network")]


def _json(values: Iterable[str]) -> str:
    return json.dumps(list(values))
