"""Facade part: what the web pages show that is more than one stored row: the home page
(latest items per domain, counts this week, failing sources), the item page (story,
labels with the terms that explain them, corrections) and the label set (taxonomy).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from nieuwsradar import present, search
from nieuwsradar.core.users import UsersPart
from nieuwsradar.errors import ModelError
from nieuwsradar.taxonomy import Topic
from nieuwsradar.types import Item, LabelCorrection, SourceState

#: A source counts as failing after this many errors in a row.
FAILING_AFTER = 1


@dataclass(frozen=True, slots=True)
class DomainSummary:
    """One domain on the home page: its newest items and how many arrived this week."""

    topic: Topic
    latest: list[Item]
    week_count: int


@dataclass(frozen=True, slots=True)
class HomePage:
    """The data of the home page."""

    domains: list[DomainSummary]
    week_start: datetime
    week_total: int
    item_total: int
    failing: list[SourceState]


@dataclass(frozen=True, slots=True)
class LabelExplanation:
    """A label on an item with its score, origin and the terms that pushed the model."""

    topic: Topic
    score: float
    origin: str
    terms: list[tuple[str, float]]


@dataclass(frozen=True, slots=True)
class ItemPage:
    """The data of an item page."""

    item: Item
    content_html: str
    story: list[Item]
    labels: list[LabelExplanation]
    corrections: list[LabelCorrection]


class PagesPart(UsersPart):
    """Home page, item page and the label set."""

    def topic(self, label: str) -> Topic:
        """The topic of a label id (a plain one for a label the taxonomy lacks)."""
        for topic in self.taxonomy().topics:
            if topic.id == label:
                return topic
        return Topic(label, label, "")

    def home(self, per_domain: int = 5, now: datetime | None = None) -> HomePage:
        """Newest items per domain, counts since Monday (Amsterdam), failing sources."""
        moment = present.local(now or datetime.now(UTC))
        monday = (moment - timedelta(days=moment.weekday())).replace(
            hour=0, minute=0, second=0, microsecond=0)
        week_start = monday.astimezone(UTC)
        db = self._db
        domains = []
        for topic in self.taxonomy().topics:
            latest = search.Query(text="", labels=(topic.id,))
            week = search.Query(text="", labels=(topic.id,), since=week_start)
            items = [hit.item for hit in db.search(latest, limit=per_domain)]
            domains.append(DomainSummary(topic, items, db.count_matches(week)))
        failing = sorted((s for s in db.list_sources() if s.error_count >= FAILING_AFTER),
                         key=lambda s: (-s.error_count, s.spec.name.lower()))
        week_total = db.count_matches(search.Query(text="", since=week_start))
        return HomePage(domains, week_start, week_total, db.count_items(), failing)

    def item_page(self, item_id: int) -> ItemPage | None:
        """Everything the item page shows, or None when there is no such item."""
        db = self._db
        found = db.get_items([item_id])
        if not found:
            return None
        item = found[0]
        story = [] if item.cluster_id is None else [
            other for other in db.cluster_items(item.cluster_id) if other.id != item.id]
        from nieuwsradar.classify import item_text

        model = self.model()
        text = item_text(item.title, item.content_text or item.summary)
        labels = []
        for label in item.labels:
            terms: list[tuple[str, float]] = []
            if model is not None and label.origin == "model":
                try:
                    terms = model.explain(text, label.label, k=6)
                except ModelError:
                    terms = []
            labels.append(LabelExplanation(self.topic(label.label), label.score, label.origin,
                                           terms))
        return ItemPage(item, self.safe_html(item), story, labels, db.corrections(item_id))

    def safe_html(self, item: Item) -> str:
        """The item's HTML content, fit to show: sanitized at ingest already, and again
        here so that nothing stored by another path (an older version, a restored backup,
        a test) reaches a page or feed unsanitized."""
        from nieuwsradar.parse.sanitize import sanitize_html

        return sanitize_html(item.content_html) if item.content_html else ""

    def source_names(self) -> list[tuple[int, str]]:
        """(id, name) of every source, by name, for the source picker."""
        return self._db.source_names()

    def sources_by_name(self) -> list[SourceState]:
        """Stored sources with their health, by name (for pickers and the sources page)."""
        return sorted(self._db.list_sources(), key=lambda s: s.spec.name.lower())
