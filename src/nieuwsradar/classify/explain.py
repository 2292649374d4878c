"""Why an item got a label: the words of its text that pushed it most towards the label.

The model's features are words, word bigrams and character n-grams. Character n-grams are
unreadable on their own, so each n-gram's contribution is shared among the words of the
text that contain it (in proportion to how often), and added to those words. The web UI
can then show "drugslab +0.84, sluiting +0.41" instead of "char: drug".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from nieuwsradar.classify.text import tokenize

if TYPE_CHECKING:
    from nieuwsradar.classify.scorer import LinearScorer


def top_terms(
    vectorizer: LinearScorer, coef: np.ndarray, text: str, k: int = 8
) -> list[tuple[str, float]]:
    """The ``k`` terms with the largest positive contribution ``feature value x weight``.

    ``coef`` is the label's weight per feature column. Terms are words or "w1 w2" bigrams
    of ``text``, weights are rounded to 4 decimals, largest first.
    """
    values = vectorizer.features(text)
    contribution = {col: value * float(coef[col]) for col, value in values.items()}
    tokens = tokenize(text)
    word_counts = Counter(tokens)
    scores: defaultdict[str, float] = defaultdict(float)

    for word in word_counts:
        col = vectorizer.unigram_index(word)
        if col is not None:
            scores[word] += contribution.get(col, 0.0)
    for pair in set(pairwise(tokens)):
        col = vectorizer.bigram_index(*pair)
        if col is not None:
            scores[" ".join(pair)] += contribution.get(col, 0.0)

    owners: dict[int, Counter[str]] = {}
    for word, count in word_counts.items():
        for col in vectorizer.char_indices(word):
            owners.setdefault(col, Counter())[word] += count
    for col, words in owners.items():
        total = sum(words.values())
        share = contribution.get(col, 0.0) / total
        for word, count in words.items():
            scores[word] += share * count

    ranked = sorted(((t, s) for t, s in scores.items() if s > 0), key=lambda ts: -ts[1])
    return [(term, round(score, 4)) for term, score in ranked[:k]]
