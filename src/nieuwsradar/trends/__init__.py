"""Trend detection: which terms, phrases and stories rise in a window of weeks.

Pure functions over counts; storage keeps the counts (``storage/counts.py``) and the facade
(``core/trends.py``) feeds them in. The rules:

* **Topics** are stem n-grams (1–3 consecutive content words of an item's title and lead;
  Dutch stop words never start, end or sit inside one) and story clusters. They are counted
  on stems (:mod:`nieuwsradar.stemming`) and shown in their most common surface form.
* **Counts are voices, not items**: per week, the number of distinct sources that used a
  term. A press release syndicated to five sources counts five (five voices tell the story);
  one source repeating a word fourteen times counts one.
* **Score**: the window (one ISO week by default, or several) is compared with a baseline
  of the weeks before it by the G² log-likelihood ratio of a 2×2 table (term voices vs all
  items, window vs baseline) with add-0.5 smoothing, plus the log₂ ratio of the two rates as
  effect size. Only rising topics with at least ``min_sources`` voices and ``min_items``
  items in the window are kept; a topic with no baseline voice at all is "nieuw".
  A z-score on sparse weekly counts misfires (the deviation collapses), so there is none.
* Overlapping n-grams ("vakantieverhuur", "illegale vakantieverhuur") are one topic: the
  longest phrase that still carries most of the voices is shown.

Weeks are identified by the date of their Monday (UTC), shown as ISO weeks ("2026-W49").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from itertools import pairwise, repeat

from nieuwsradar.present import dutch_number
from nieuwsradar.stemming import stem_text, stem_words
from nieuwsradar.types import Item

#: Words that never make a topic (folded, without diacritics): function words, auxiliary
#: verbs, and the filler of news prose (days, "jaar", "nieuwe", ...).
_STOPWORD_TEXT = """
vraagt vragen vroeg stelt stellen roept roepen neemt nemen nam ziet zien zag wijst wijzen
houdt houden legt leggen zet zetten meldt melden noemt noemen
aan aangezien achter af al alle alleen allemaal alles als alsnog altijd andere anders
ben bij bijna binnen bovendien daar daarbij daarin daarmee daarna daarom daarop daarvan
dan dat de deze die dit doch doen doet door dus echter een eens eerder eerst eigen elk
elke en enige enkele er erg ergens even ge geen gehad geweest graag had hadden heb
hebben heeft hem hen het hier hij hoe hoewel hun ieder iedere iemand iets ik in
inmiddels is ja je jij jou jouw juist kan kon konden kunnen kunt laat laten later leek
liet maar me meer meeste men met mij mijn minder misschien moet moeten mocht mogen na
naar nadat naast net niet niets nog nooit nu of ofwel om omdat onder ons onze ook op
over per reeds rond samen sinds sommige steeds te tegen ten ter terwijl tijdens toch toe
toen tot tussen u uit uw vaak van vanaf vanuit veel verder vervolgens via volgens voor
vooral voordat vorige waar waarbij waardoor waarin waarmee waarom waarop wanneer want
was waren wat we wel welk welke werd werden wie wij wil willen word worden wordt zal ze
zei zeker zelf zich zij zijn zo zoals zodat zonder zou zouden zullen jaar jaren week
weken maand maanden dag dagen keer nieuw nieuwe nieuws eerste tweede groot grote kleine
goed goede paar deel procent miljoen miljard euro maandag dinsdag woensdag donderdag
vrijdag zaterdag zondag vandaag gisteren morgen januari februari maart april mei juni
juli augustus september oktober november december gaat gaan komt komen kwam staat staan
stond zegt zeggen zeggen gaf geven geeft krijgen krijgt kreeg moest wilde blijkt blijft
blijven maakt maken gemaakt onder andere
"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())

_SEGMENTS = re.compile(r"[.,;:!?()\[\]{}\"“”„«»|–—•·]+|\s[-/]\s")
_WORD = re.compile(r"[^\W_]+(?:['’]s)?")
_LEAD_WORDS = 40
_MAX_N = 3
_COVER = 2 / 3
"""A longer phrase replaces its part when it carries at least this share of its voices."""


# -- weeks ---------------------------------------------------------------------------------
def week_of(day: date) -> date:
    """The Monday of the ISO week of ``day`` (the key weeks are stored under)."""
    return day - timedelta(days=day.weekday())


def week_label(monday: date) -> str:
    """The ISO week label of a week ("2026-W49")."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(text: str) -> date:
    """The Monday of an ISO week given as "2026-W49" (ValueError when malformed)."""
    match = re.fullmatch(r"(\d{4})-?W(\d{1,2})", text.strip(), flags=re.IGNORECASE)
    if not match:
        raise ValueError(f"{text!r} is not an ISO week; write it as 2026-W49")
    return date.fromisocalendar(int(match[1]), int(match[2]), 1)


def weeks(first: date, last: date) -> list[date]:
    """The Mondays from the week of ``first`` through the week of ``last``."""
    start, end = week_of(first), week_of(last)
    return [start + timedelta(weeks=i) for i in range((end - start).days // 7 + 1)]


# -- terms ---------------------------------------------------------------------------------
def _lead(summary: str) -> str:
    words = summary.split(maxsplit=_LEAD_WORDS)
    return " ".join(words[:_LEAD_WORDS])


_STOP_STEMS: frozenset[str] = frozenset(stem_text(" ".join(STOPWORDS)).split())


def _content(stem: str) -> bool:
    return len(stem) >= 3 and stem not in _STOP_STEMS and not stem.isdigit()


#: Punctuation that ends a clause becomes the stop word "en", so one stemming call per
#: item splits the runs there too (the same boundaries as :data:`_SEGMENTS`). A regex, not
#: str.translate, which is five times slower when a character becomes several.
_BREAKS = re.compile(r'[.,;:!?()\[\]{}"“”„«»|–—•·]')


def item_terms(title: str, summary: str) -> set[str]:
    """The topic keys (stem n-grams, 1-3 words) of an item: from its title and the lead of
    its summary (first 40 words), which say what the item is about.

    This runs for every ingested item, so it is written for speed: one stemming call for
    the whole text (clause breaks turned into a stop word), n-grams by zipping each run
    with itself.
    """
    text = _BREAKS.sub(" en ", f"{title} en {_lead(summary)}")
    if " - " in text or " / " in text:
        text = text.replace(" - ", " en ").replace(" / ", " en ")
    terms: set[str] = set()
    run: list[str] = []
    stop = _STOP_STEMS
    for stem in (*stem_words(text), "en"):
        if len(stem) > 2 and stem not in stop and not stem.isdigit():
            run.append(stem)
            continue
        if run:
            terms.update(run)
            if len(run) > 1:
                terms.update(map(" ".join, pairwise(run)))
                if len(run) > 2:
                    terms.update(map(" ".join, zip(run, run[1:], run[2:], strict=False)))
            run = []
    return terms


def _surface_runs(text: str) -> Iterable[list[tuple[str, str]]]:
    """Runs of consecutive content words as (written word, stem), split like
    :func:`item_terms` splits them (for display only)."""
    for segment in _SEGMENTS.split(text):
        run: list[tuple[str, str]] = []
        for word in _WORD.findall(segment):
            stem = " ".join(stem_text(word).split())
            if _content(stem):
                run.append((word, stem))
            elif run:
                yield run
                run = []
        if run:
            yield run


def surface_forms(texts: Iterable[str], keys: Iterable[str]) -> dict[str, str]:
    """The most common written form of each topic key in ``texts`` (titles and leads of
    the items that carry it); a key never seen keeps its stem."""
    wanted = set(keys)
    seen: dict[str, Counter[str]] = {key: Counter() for key in wanted}
    for text in texts:
        for run in _surface_runs(text):
            for size in range(1, _MAX_N + 1):
                for i in range(len(run) - size + 1):
                    stem = " ".join(s for _, s in run[i:i + size])
                    if stem in wanted:
                        seen[stem][" ".join(w for w, _ in run[i:i + size])] += 1
    return {key: (forms.most_common(1)[0][0] if forms else key) for key, forms in seen.items()}


# -- statistics ----------------------------------------------------------------------------
def _xlogy(x: float, y: float) -> float:
    return x * math.log(x / y) if x > 0 else 0.0


def g2(a: float, b: float, c: float, d: float) -> float:
    """G² log-likelihood ratio of a 2×2 table with add-0.5 smoothing: ``a`` voices of a
    topic among ``c`` items in the window, ``b`` among ``d`` in the baseline."""
    cells = (a + 0.5, b + 0.5, max(c - a, 0) + 0.5, max(d - b, 0) + 0.5)
    n1, n2 = cells[0] + cells[2], cells[1] + cells[3]
    k1, k2 = cells[0] + cells[1], cells[2] + cells[3]
    total = n1 + n2
    expected = (n1 * k1 / total, n2 * k1 / total, n1 * k2 / total, n2 * k2 / total)
    return 2.0 * sum(_xlogy(o, e) for o, e in zip(cells, expected, strict=True))


def log_ratio(a: float, b: float, c: float, d: float) -> float:
    """log₂ of the topic's rate in the window over its rate in the baseline, on the same
    add-0.5 smoothed cells as :func:`g2` (so the two always agree on the direction)."""
    return math.log2(((a + 0.5) / (max(c, a) + 1.0)) / ((b + 0.5) / (max(d, b) + 1.0)))


def score(a: float, b: float, c: float, d: float) -> float:
    """The trend score: G² when the topic rises (positive log ratio), else 0."""
    return g2(a, b, c, d) if log_ratio(a, b, c, d) > 0 else 0.0


# -- ranking -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Count:
    """A topic's counts in the window: voices (source-weeks) and items."""

    sources: int
    items: int


@dataclass(frozen=True, slots=True)
class Totals:
    """The size of the window and of the baseline: items, and how many weeks each spans."""

    window_items: int
    baseline_items: int
    window_weeks: int = 1
    baseline_weeks: int = 12


@dataclass(frozen=True)
class Trend:
    """One rising topic.

    ``key`` is the stem n-gram (kind "term") or "story:<cluster id>" (kind "story");
    ``count`` is its voices in the window, ``baseline`` its mean voices per baseline week
    scaled to the window's length; ``new`` means no baseline voice at all. ``sources``,
    ``items``, ``series`` and ``topic`` (the readable form) are filled in by the caller.
    """

    key: str
    kind: str
    score: float
    count: int
    baseline: float
    effect: float
    new: bool
    item_count: int
    topic: str = ""
    sources: int = 0
    items: tuple[int, ...] = ()
    series: tuple[tuple[date, int], ...] = field(default=())


def _trend(key: str, kind: str, now: Count, before: int, totals: Totals) -> Trend:
    a, b, c, d = now.sources, before, totals.window_items, totals.baseline_items
    per_week = before / totals.baseline_weeks if totals.baseline_weeks else 0.0
    return Trend(key=key, kind=kind, score=round(score(a, b, c, d), 6), count=a,
                 baseline=per_week * totals.window_weeks, effect=log_ratio(a, b, c, d),
                 new=before == 0, item_count=now.items, topic=key, sources=a)


def _order(trend: Trend) -> tuple[float, int, str]:
    return (-trend.score, -trend.count, trend.key)


def _contains(longer: str, shorter: str) -> bool:
    return f" {shorter} " in f" {longer} " and longer != shorter


#: The least G² a topic needs: 3.84 is the 5 % critical value of χ² with one degree of
#: freedom, so weaker rises are chance.
MIN_SCORE = 3.84


def rank_terms(window: Mapping[str, Count], baseline: Mapping[str, int], totals: Totals,
               *, min_sources: int = 3, min_items: int = 3, min_score: float = MIN_SCORE,
               limit: int | None = None) -> list[Trend]:
    """Rising terms, best first: ``window`` maps each key to its window counts, ``baseline``
    to its voices over the baseline weeks (absent = 0). A term needs ``min_sources``
    voices, ``min_items`` items and a score of at least ``min_score``.

    Overlapping n-grams become one topic: the longest phrase carrying at least two thirds of
    the voices of the best-scoring part is shown, and every other n-gram overlapping it is
    dropped.
    """
    c, d = totals.window_items, totals.baseline_items
    # cheap pre-check of log_ratio > 0 (a rising rate), before computing G²
    candidates = [
        _trend(key, "term", now, baseline.get(key, 0), totals)
        for key, now in window.items()
        if now.sources >= min_sources and now.items >= min_items
        and (now.sources + 0.5) * (d + 1.0) / (max(c, now.sources) + 1.0)
        > baseline.get(key, 0) + 0.5
    ]
    candidates = sorted((t for t in candidates if t.score >= min_score and t.score > 0),
                        key=_order)
    chosen: list[Trend] = []
    taken: set[str] = set()
    for trend in candidates:
        if trend.key in taken:
            continue
        wider = [t for t in candidates if t.key not in taken and _contains(t.key, trend.key)
                 and t.count >= _COVER * trend.count]
        shown = max(wider, key=lambda t: (len(t.key.split()), -_order(t)[0]), default=trend)
        chosen.append(shown)
        taken.update(t.key for t in candidates
                     if t.key == shown.key or _contains(t.key, shown.key)
                     or _contains(shown.key, t.key))
        if limit is not None and len(chosen) >= limit:
            break
    return sorted(chosen, key=_order)


def echoes(carriers: Set[int], shown: Iterable[Set[int]]) -> bool:
    """True when a topic is another wording of a topic already shown: at least two thirds
    of the items carrying it also carry that topic ("systemen" beside "cyberaanval" when
    the same articles say both). Overlapping n-grams are merged by :func:`rank_terms`;
    this catches words that are not part of each other's phrase."""
    return any(len(carriers & other) >= _COVER * len(carriers) for other in shown)


@dataclass(frozen=True, slots=True)
class Story:
    """A story cluster in the window: how many distinct sources and items told it."""

    cluster_id: int
    sources: int
    items: int


def rank_stories(stories: Iterable[Story], totals: Totals, *, min_sources: int = 3,
                 limit: int | None = None) -> list[Trend]:
    """Stories told by at least ``min_sources`` sources, best first (always "nieuw": a
    story has no baseline; more sources score higher)."""
    ranked = sorted(
        (_trend(f"story:{s.cluster_id}", "story", Count(s.sources, s.items), 0, totals)
         for s in stories if s.sources >= min_sources),
        key=_order)
    return ranked[:limit] if limit is not None else ranked


# -- networks ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Interest:
    """What a network's members subscribe to: the share of members per domain, and the
    stemmed words of their saved searches."""

    members: int
    domains: Mapping[str, float]
    search_stems: frozenset[str] = frozenset()


def weight(interest: Interest, domain: str, key: str) -> float:
    """How much a network cares about a topic of ``domain`` (overall = ""): 1 plus the
    share of its members following the domain, doubled when a saved search names a word
    of the topic. A network without members weighs everything 1."""
    if interest.members == 0:
        return 1.0
    base = 1.0 + (interest.domains.get(domain, 0.0) if domain else 0.0)
    if interest.search_stems.intersection(key.split()):
        base *= 2.0
    return base


def for_network(ranked: Sequence[Trend], interest: Interest, domain: str) -> list[Trend]:
    """The same topics reordered by the network's interest (scores multiplied by
    :func:`weight`)."""
    weighted = [replace(t, score=round(t.score * weight(interest, domain, t.key), 6))
                for t in ranked]
    return sorted(weighted, key=_order)


def stems_of_queries(queries: Iterable[str]) -> frozenset[str]:
    """The content stems of saved search queries (filters such as ``domein:x`` and stop
    words left out)."""
    words = [w for q in queries for w in q.split() if ":" not in w]
    return frozenset(s for s in stem_text(" ".join(words)).split() if _content(s))


def series(counts: Mapping[date, int], span: Sequence[date]) -> tuple[tuple[date, int], ...]:
    """A weekly series over ``span`` (Mondays), missing weeks as 0."""
    return tuple((monday, counts.get(monday, 0)) for monday in span)


@dataclass(frozen=True)
class DomainTrends:
    """The rising topics and stories of one domain ('' = all domains)."""

    domain: str
    topics: list[Trend]
    stories: list[Trend]


@dataclass(frozen=True)
class TrendReport:
    """Trends for a window of weeks, per domain, with the items they point at.

    ``weeks`` is the window (Mondays), ``baseline`` the weeks it is compared with, ``span``
    the weeks of each topic's series; ``items`` holds every item a topic or story names.
    """

    weeks: list[date]
    baseline: list[date]
    span: list[date]
    network: str
    domains: list[DomainTrends]
    items: dict[int, Item]

    @property
    def label(self) -> str:
        """The window as ISO weeks ("2026-W49" or "2026-W40 t/m 2026-W49")."""
        first, last = week_label(self.weeks[0]), week_label(self.weeks[-1])
        return first if first == last else f"{first} t/m {last}"



# -- aggregation ---------------------------------------------------------------------------
def aggregate(rows: Iterable[tuple[int, int, str]],
              domains: Sequence[str]) -> dict[str, dict[str, tuple[int, int]]]:
    """Voices and items per topic key for one week, overall ('') and per domain.

    ``rows`` are the week's counted items as (source id, domain bit mask, topic keys joined
    by ``|``); bit ``i`` of the mask is ``domains[i]``. The key ``''`` holds the totals
    (distinct sources, items). A source that uses a key in several items is one voice.
    """
    names = ("", *domains)
    pairs: dict[str, Counter[tuple[str, int]]] = {name: Counter() for name in names}
    seen: dict[str, tuple[set[int], list[int]]] = {name: (set(), [0]) for name in names}
    for source, mask, joined in rows:
        keys = joined.split("|") if joined else []
        for bit, name in enumerate(names):
            if bit and not mask & (1 << (bit - 1)):
                continue
            pairs[name].update(zip(keys, repeat(source)))
            sources, count = seen[name]
            sources.add(source)
            count[0] += 1
    result: dict[str, dict[str, tuple[int, int]]] = {}
    for name in names:
        voices: Counter[str] = Counter()
        items: Counter[str] = Counter()
        for (key, _), n in pairs[name].items():
            voices[key] += 1
            items[key] += n
        per_key = {key: (voices[key], items[key]) for key in voices}
        sources, count = seen[name]
        if count[0]:
            per_key[""] = (len(sources), count[0])
        result[name] = per_key
    return result


# -- words ---------------------------------------------------------------------------------
def why(trend: Trend, window_weeks: int, baseline_weeks: int) -> str:
    """Why a topic is a trend, in Dutch ("12 bronnen deze week, gemiddeld 0,5")."""
    if trend.kind == "story":
        return f"hetzelfde verhaal in {trend.sources} bronnen"
    if window_weeks == 1:
        now = f"{trend.count} bronnen deze week"
        before = f"gemiddeld {dutch_number(round(trend.baseline, 1))}"
    else:
        now = f"{trend.count} keer genoemd (bronnen per week) in {window_weeks} weken"
        before = f"verwacht {dutch_number(round(trend.baseline, 1))}"
    if trend.new:
        return f"{now}, nieuw: niet genoemd in de {baseline_weeks} weken ervoor"
    return f"{now}, {before} in de {baseline_weeks} weken ervoor"
