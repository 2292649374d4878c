"""Facade part: the label set (taxonomy) and the review queue of doubtful model labels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from nieuwsradar.core.base import RadarBase
from nieuwsradar.taxonomy import Topic
from nieuwsradar.types import Item

#: A label whose score lies within this distance of its threshold is a doubtful call.
DOUBT_MARGIN = 0.15


@dataclass(frozen=True, slots=True)
class ReviewCase:
    """An item worth a coordinator's check: its model scores and labels, the source's
    default domains, how close the closest call was, and whether the model disagrees with
    the source (the source names domains and the model gives none of them)."""

    item: Item
    scores: dict[str, float]
    predicted: tuple[str, ...]
    source_domains: tuple[str, ...]
    margin: float
    disagrees: bool
    thresholds: dict[str, float]

    def closest(self) -> tuple[str, float, float]:
        """The closest call: (label, score, threshold) of the label nearest its threshold."""
        label = min(self.scores, key=lambda lab: abs(self.scores[lab] - self.thresholds[lab]))
        return label, self.scores[label], self.thresholds[label]


class LabelsPart(RadarBase):
    """The labels of topics.toml and the items whose model labels deserve a human look."""

    def labels(self) -> tuple[str, ...]:
        """Label ids in taxonomy order (what feeds.toml, corrections and filters accept)."""
        return self.taxonomy().labels

    def topics(self) -> tuple[Topic, ...]:
        """Every label with its Dutch name, description and seed terms (for pages and
        digests that explain a label)."""
        return self.taxonomy().topics

    def none_label(self) -> str:
        """The name shown for items without any label ("overig")."""
        return self.taxonomy().none_label

    def human_label_count(self) -> int:
        """How many items carry a human label (each one is a training example)."""
        return self._db.count_human_labelled()

    def review_queue(self, *, days: int = 14, limit: int = 50, scan: int = 5000
                     ) -> list[ReviewCase]:
        """Recent items without a human label where the model is least sure: a score
        within :data:`DOUBT_MARGIN` of its threshold, or no label from the source's default
        domains. Disagreements first, then the closest calls; at most ``limit`` of the
        ``scan`` newest items of the last ``days`` days. ModelError without a model."""
        import numpy as np

        from nieuwsradar.classify import item_text

        model = self.model(required=True)
        assert model is not None  # required=True raises instead
        since = datetime.now(UTC) - timedelta(days=days)
        candidates = self._db.review_candidates(since, scan)
        if not candidates:
            return []
        texts = [item_text(item.title, item.content_text or item.summary)
                 for item, _ in candidates]
        seen = np.zeros(len(texts), dtype=bool)
        scores = model.scores(texts, seen)
        thresholds = model.thresholds_for(texts)
        margins = np.abs(scores - thresholds).min(axis=1)
        cases = []
        for (item, domains), row, limits, margin, known in zip(
                candidates, scores.tolist(), thresholds.tolist(), margins.tolist(),
                seen.tolist(), strict=True):
            predicted = tuple(label for label, s, t in zip(model.labels, row, limits,
                                                           strict=True) if known and s >= t)
            disagrees = bool(domains) and not set(domains) & set(predicted)
            if disagrees or margin < DOUBT_MARGIN:
                cases.append(ReviewCase(item, dict(zip(model.labels, row, strict=True)),
                                        predicted, domains, margin, disagrees,
                                        dict(zip(model.labels, limits, strict=True))))
        cases.sort(key=lambda case: (not case.disagrees, case.margin))
        return cases[:limit]
