"""Prediction and explanation without scikit-learn: features times weights, numpy only.

A trained domain model is a :class:`~nieuwsradar.classify.features.FeatureSpace` followed
by one logistic regression per label. :class:`LinearScorer` holds the feature space, the
``features x labels`` coefficient matrix and the intercepts; its decision values are the
dot products of the feature entries with the coefficients (the same entries training
fitted the regressions on), and its explanations are those same products grouped by the
word each entry came from, so the terms of an explanation add up to the decision value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from nieuwsradar.classify.features import FeatureSpace


class LinearScorer:
    """A feature space plus one linear model per label."""

    def __init__(self, features: FeatureSpace, coef: np.ndarray, intercept: np.ndarray
                 ) -> None:
        self.features = features
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        if self.coef.ndim != 2 or self.coef.shape[0] != features.n_features:
            raise ValueError(f"coef has shape {self.coef.shape}, expected "
                             f"({features.n_features}, labels)")
        if self.intercept.shape != (self.coef.shape[1],):
            raise ValueError(f"intercept has shape {self.intercept.shape}, expected "
                             f"({self.coef.shape[1]},)")

    @property
    def n_labels(self) -> int:
        return int(self.intercept.size)

    def decision(self, texts: Sequence[str], seen: np.ndarray | None = None) -> np.ndarray:
        """``len(texts) x labels`` linear decision values. When given, ``seen`` (a boolean
        array, one per text) is set True for the texts that have any known feature."""
        out = np.tile(self.intercept, (len(texts), 1))
        for start, size, parts, _ in self.features.iter_parts(texts):
            rows = out[start : start + size]
            for doc, col, value, _source, scale in parts:
                if not doc.size:
                    continue
                weighted = np.take(self.coef, col, axis=0)
                weighted *= value[:, None]
                # ``doc`` is sorted within a part: sum each document's run of rows
                starts = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]])
                docs = doc[starts]
                sums = np.add.reduceat(weighted, starts, axis=0)
                sums *= scale[docs][:, None]
                rows[docs] += sums
                if seen is not None:
                    seen[start + docs] = True
        return out

    def probabilities(self, texts: Sequence[str], seen: np.ndarray | None = None
                      ) -> np.ndarray:
        """``len(texts) x labels`` probabilities (sigmoid of the decision values); ``seen``
        as in :meth:`decision`."""
        return 1.0 / (1.0 + np.exp(-self.decision(texts, seen)))

    def contributions(self, text: str, label_index: int) -> dict[str, float]:
        """Every term of ``text`` with its share of the decision value for one label.

        Terms are words and "w1 w2" bigrams. A character n-gram entry belongs to the word
        it came from (an n-gram two words share is split between them by their counts), so
        ``sum(contributions) + intercept`` is the decision value exactly.
        """
        entries = self.features.entries([text], sources=True)
        weights = entries.value * self.coef[entries.col, label_index]
        space = self.features
        terms: defaultdict[str, float] = defaultdict(float)
        for col, source, weight in zip(entries.col.tolist(), entries.source.tolist(),
                                       weights.tolist(), strict=True):
            if space.n_uni <= col < space.n_word_features:
                terms[space.bigram_name(col)] += weight
            else:
                terms[space.word(source, entries.oov)] += weight
        return dict(terms)
