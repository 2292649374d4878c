"""The CPU-bound work on one fetched document; runs in the worker processes.

Parsing, normalising and sanitizing, near-duplicate signatures, stemming for the search
index, the topic keys for trends and classification. The worker's model is loaded from the
path the pool passed to the worker initializer (:func:`use_model`), on the first document
that needs it, so a run in which every source answers 304 never loads it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from nieuwsradar import dedupe, parse, trends
from nieuwsradar.classify import DomainModel, item_text, load_model
from nieuwsradar.errors import ModelError
from nieuwsradar.storage.fts import stem_words_of
from nieuwsradar.storage.vocabulary import item_keys
from nieuwsradar.types import NewItem, Prediction, ScrapeRules

log = logging.getLogger(__name__)

#: A story's lead for near-duplicate detection: this many words of summary or text.
LEAD_WORDS = 40
LEAD_MIN_WORDS = 8


@dataclass(frozen=True, slots=True)
class Processed:
    """What a worker made of one fetched document: items and per-item extras.

    ``keys[i]`` is the search vocabulary keys of ``stems[i]``
    (:func:`nieuwsradar.storage.vocabulary.item_keys`), so the writer need not split the
    stems again. ``terms[i]`` is the sorted topic keys of ``items[i]`` for trends
    (:func:`nieuwsradar.trends.item_terms`), joined by ``|`` as ``trend_items`` stores them.
    ``model_version`` is the version of the model that made ``predictions`` (None when
    nothing was classified).
    """

    items: list[NewItem]
    signatures: list[bytes | None]
    stems: list[tuple[str, str]]
    keys: list[str]
    terms: list[str]
    predictions: list[Prediction] | None
    model_version: str | None = None


NOTHING = Processed([], [], [], [], [], None)


class _WorkerModel:
    """The model of this worker process: a path until the first prediction loads it."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.model: DomainModel | None = None

    def use(self, path: Path | None) -> None:
        self.path, self.model = path, None

    def get(self) -> DomainModel | None:
        if self.model is None and self.path is not None:
            try:
                self.model = load_model(self.path)
            except ModelError as exc:  # classify nothing rather than fail every source
                log.error("worker cannot load the model %s; items stay unclassified",
                          self.path, exc_info=exc)
                self.path = None
        return self.model


_MODEL = _WorkerModel()


def use_model(path: Path | None) -> None:
    """Classify with the model at ``path`` in this process (None: classify nothing)."""
    _MODEL.use(path)


def story_text(item: NewItem) -> str:
    """The text that identifies a story across sources: title and lead.

    Copies of one press release share title and first sentences, while one source may
    carry only the summary and another the whole article with extra paragraphs; the lead
    (the summary when it has substance, else the start of the text) makes them comparable.
    """
    # maxsplit: only the words kept are split off a long text
    substantial = len(item.summary.split(maxsplit=LEAD_MIN_WORDS)) >= LEAD_MIN_WORDS
    lead = item.summary if substantial else item.content_text
    return f"{item.title} {' '.join(lead.split(maxsplit=LEAD_WORDS)[:LEAD_WORDS])}"


def process_document(
    kind: str, body: bytes, *, url: str, content_type: str | None,
    rules: ScrapeRules | None, fetched_at: datetime,
) -> Processed:
    """Parse, normalise, sign, stem and classify one document."""
    feed = parse.parse_document(kind, body, url=url, content_type=content_type, rules=rules)
    return _finish(parse.normalise_items(feed, source_url=url, fetched_at=fetched_at))


def call_process(kind: str, body: bytes, url: str, content_type: str | None,
                 rules: ScrapeRules | None, fetched_at: datetime) -> Processed:
    """Positional wrapper for :func:`process_document` (executors pass no keywords)."""
    return process_document(kind, body, url=url, content_type=content_type, rules=rules,
                            fetched_at=fetched_at)


def process_fulltext(items: list[NewItem], pages: dict[str, bytes],
                     selector: str | None) -> Processed:
    """Replace summaries by extracted article text where a page was fetched."""
    enriched = []
    for item in items:
        page = pages.get(item.guid)
        html = parse.extract_fulltext(page, url=item.url, selector=selector) if page else ""
        enriched.append(parse.with_content(item, html) if html else item)
    return _finish(enriched)


def _finish(items: list[NewItem]) -> Processed:
    signatures: list[bytes | None] = [
        dedupe.signature_bytes(sig) for sig in dedupe.signatures([story_text(it) for it in items])]
    words = [stem_words_of(it.title, it.summary, it.content_text) for it in items]
    stems = [(" ".join(title), " ".join(body)) for title, body in words]
    keys = [item_keys(title, body) for title, body in words]
    terms = ["|".join(sorted(trends.item_terms(it.title, it.summary))) for it in items]
    model = _MODEL.get() if items else None
    if model is None:
        return Processed(items, signatures, stems, keys, terms, None)
    predictions = model.predict([item_text(it.title, it.content_text or it.summary)
                                 for it in items])
    return Processed(items, signatures, stems, keys, terms, predictions, model.version)


def warm_up() -> None:
    """A no-op task: submitting it starts a worker before the first document arrives."""
