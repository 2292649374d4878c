"""Choosing what goes into a member's weekly digest. Pure: no I/O, no clock.

A :class:`WeekPool` is made once per week from that week's items: items of one story
(near-duplicate cluster) become one :class:`Entry` naming the other sources, and every
domain gets its stories ranked once. :meth:`WeekPool.digest_for` then picks a member's
digest from the pool in microseconds, so a thousand members cost one ranking.

Ranking, per domain: the label score (how sure the classifier, or a human, is that the
story belongs there), times a coverage factor (a story carried by more sources matters
more), times a source factor (a source that specialises in the domain is a better
witness), times a recency factor (late in the week ranks a little higher).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from nieuwsradar.digest.week import Week
from nieuwsradar.types import Item

SUMMARY_CHARS = 300
COVERAGE_WEIGHT = 0.35
SPECIALIST_BONUS = 1.15
RECENCY_WEIGHT = 0.15

_ABBREVIATIONS = {
    "o.a.", "bijv.", "m.b.t.", "d.w.z.", "i.v.m.", "t.a.v.", "mr.", "dr.", "nr.", "art.",
    "jl.", "e.d.", "enz.", "ca.", "vs.", "mw.", "dhr.", "drs.", "ing.", "prof.", "z.g.",
    "m.i.v.", "t.b.v.", "o.b.v.", "i.p.v.", "e.a.", "etc.", "st.", "min.",
}
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[\"'“‘(]?[A-Z0-9ÀÁÂÄÈÉÊËÍÏÓÖÚÜ])")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Entry:
    """One story in a digest: its best item, the other sources, a short summary."""

    item_id: int
    title: str
    url: str
    source: str
    published_at: datetime
    summary: str
    domains: tuple[str, ...]
    other_sources: tuple[str, ...] = ()

    @property
    def link_original(self) -> str | None:
        """The original article, only when it is an http(s) address."""
        return self.url if self.url.lower().startswith(("https://", "http://")) else None


SectionKind = Literal["domain", "search", "trending"]


@dataclass(frozen=True, slots=True)
class Section:
    """A heading with its entries: one per domain, one per saved search."""

    kind: SectionKind
    key: str
    title: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Digest:
    """What one member gets for one week (``sections`` empty: nothing this week)."""

    week: Week
    sections: tuple[Section, ...]
    domains: tuple[str, ...] = ()
    searches: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        """Number of stories in the digest."""
        return sum(len(s.entries) for s in self.sections)

    @property
    def chosen_count(self) -> int:
        """Stories from the member's own domains and searches (rising topics left out)."""
        return sum(len(s.entries) for s in self.sections if s.kind != "trending")

    @property
    def item_ids(self) -> list[int]:
        """The items shown, in order (recorded in the send log)."""
        return [e.item_id for s in self.sections for e in s.entries]

    @property
    def is_empty(self) -> bool:
        """True when there is nothing for the member this week."""
        return not self.sections


@dataclass(slots=True)
class _Story:
    items: list[Item]
    scores: dict[str, float] = field(default_factory=dict)
    other_sources: tuple[str, ...] = ()
    best: Item | None = None
    entry: Entry | None = None


def summarize(text: str, title: str = "", limit: int = SUMMARY_CHARS) -> str:
    """One or two sentences taken from ``text`` (extractive): the first sentence after the
    title (when the text repeats it), plus the next one when both fit in ``limit``
    characters. A first sentence that alone is too long is cut at a word boundary with an
    ellipsis."""
    head = title.strip().rstrip(".!? ")
    text = _SPACE.sub(" ", text).strip()
    if head and text.casefold().startswith(head.casefold()):
        text = text[len(head):].lstrip(" .!?:;-–—")  # feeds often repeat the title first
    sentences = split_sentences(text)
    if not sentences:
        return ""
    first = sentences[0]
    if len(first) > limit:
        cut = first[:limit].rsplit(" ", 1)[0].rstrip(",;:")
        return cut + "…"
    if len(sentences) > 1 and len(first) + 1 + len(sentences[1]) <= limit:
        return f"{first} {sentences[1]}"
    return first


def split_sentences(text: str) -> list[str]:
    """Split plain text into sentences (Dutch abbreviations such as o.a. do not end one)."""
    text = _SPACE.sub(" ", text).strip()
    if not text:
        return []
    parts = _SENTENCE_END.split(text)
    sentences: list[str] = []
    for part in parts:
        if sentences and sentences[-1].rsplit(" ", 1)[-1].lower() in _ABBREVIATIONS:
            sentences[-1] = f"{sentences[-1]} {part}"
        else:
            sentences.append(part)
    return sentences


class WeekPool:
    """A week's stories, ranked once per domain; members' digests are picked from it."""

    def __init__(self, week: Week, items: Sequence[Item],
                 stories: Mapping[int, Sequence[tuple[int, str]]] | None = None,
                 source_domains: Mapping[int, Sequence[str]] | None = None) -> None:
        """``items``: the week's items with labels; ``stories``: per cluster id, all its
        items as (id, source name), also those outside the week; ``source_domains``: the
        domains each source is configured for."""
        self.week = week
        stories = stories or {}
        source_domains = source_domains or {}
        groups: dict[object, _Story] = {}
        for item in items:
            key = ("c", item.cluster_id) if item.cluster_id is not None else ("i", item.id)
            groups.setdefault(key, _Story([])).items.append(item)
        self._by_item: dict[int, _Story] = {}
        self._ranked: dict[str, list[_Story]] = {}
        span = (week.end - week.start).total_seconds() or 1.0
        for story in groups.values():
            self._score(story, stories, source_domains, week, span)
            for item in story.items:
                self._by_item[item.id] = story
            for domain in story.scores:
                self._ranked.setdefault(domain, []).append(story)
        for domain, ranked in self._ranked.items():
            ranked.sort(key=_rank_key(domain))

    @staticmethod
    def _score(story: _Story, stories: Mapping[int, Sequence[tuple[int, str]]],
               source_domains: Mapping[int, Sequence[str]], week: Week, span: float) -> None:
        names = {it.source_name for it in story.items}
        cluster_id = story.items[0].cluster_id
        if cluster_id is not None:
            names |= {name for _, name in stories.get(cluster_id, ())}
        coverage = 1.0 + COVERAGE_WEIGHT * math.log2(len(names))
        for item in story.items:
            age = (item.published_at - week.start).total_seconds() / span
            recency = 1.0 - RECENCY_WEIGHT + RECENCY_WEIGHT * min(1.0, max(0.0, age))
            for label in item.labels:
                specialist = SPECIALIST_BONUS if label.label in source_domains.get(
                    item.source_id, ()) else 1.0
                score = label.score * coverage * specialist * recency
                if score > story.scores.get(label.label, -1.0):
                    story.scores[label.label] = score
        story.best = max(story.items, key=lambda it: (
            max((lab.score for lab in it.labels), default=0.0),
            len(it.content_text or it.summary), -it.id))
        story.other_sources = tuple(sorted(names - {story.best.source_name}))

    def _entry(self, story: _Story) -> Entry:
        if story.entry is None:
            best = _best(story)
            story.entry = Entry(
                item_id=best.id, title=best.title, url=best.url, source=best.source_name,
                published_at=best.published_at,
                summary=summarize(best.content_text or best.summary, best.title),
                domains=tuple(sorted(story.scores, key=lambda d: -story.scores[d])),
                other_sources=story.other_sources)
        return story.entry

    def digest_for(self, domains: Sequence[str], search_hits: Mapping[str, Sequence[int]],
                   per_domain: int, trending: Sequence[Sequence[int]] = ()) -> Digest:
        """The digest of a member subscribed to ``domains`` with saved searches whose
        hits (item ids, best first, any week) are ``search_hits``: at most ``per_domain``
        stories per domain and per search, each story once, domains in the order given,
        then the searches, then one story for each rising topic of the week
        (``trending``: per topic its item ids) that is not shown yet."""
        used: set[int] = set()
        sections: list[Section] = []
        for domain in domains:
            picked: list[Entry] = []
            for story in self._ranked.get(domain, ()):
                if len(picked) >= per_domain:
                    break
                if id(story) not in used:
                    used.add(id(story))
                    picked.append(self._entry(story))
            if picked:
                sections.append(Section("domain", domain, domain.capitalize(), tuple(picked)))
        for query, hits in search_hits.items():
            picked = []
            for item_id in hits:
                hit = self._by_item.get(item_id)
                if hit is None or id(hit) in used:
                    continue
                used.add(id(hit))
                picked.append(self._entry(hit))
                if len(picked) >= per_domain:
                    break
            if picked:
                sections.append(Section("search", query, f"Zoekopdracht: {query}",
                                        tuple(picked)))
        rising = []
        for topic_items in trending:
            fresh = next((self._by_item[i] for i in topic_items
                          if i in self._by_item and id(self._by_item[i]) not in used), None)
            if fresh is not None:
                used.add(id(fresh))
                rising.append(self._entry(fresh))
        if rising and sections:
            sections.append(Section("trending", "trending", "Opvallend deze week",
                                    tuple(rising)))
        return Digest(self.week, tuple(sections), tuple(domains), tuple(search_hits))

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._by_item


def _best(story: _Story) -> Item:
    assert story.best is not None
    return story.best


def _rank_key(domain: str) -> Callable[[_Story], tuple[float, float, int]]:
    """Sort key: best score for ``domain`` first, then newest, then lowest id."""
    def key(story: _Story) -> tuple[float, float, int]:
        newest = max(it.published_at.timestamp() for it in story.items)
        return -story.scores[domain], -newest, _best(story).id
    return key
