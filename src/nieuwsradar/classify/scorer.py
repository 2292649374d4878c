"""Prediction without scikit-learn: the fitted features and weights as plain arrays.

A trained domain model is a tf-idf vectorizer (:class:`~nieuwsradar.classify.features.
WordCharVectorizer`) followed by one logistic regression per label. Its prediction state is
small and plain: the vocabularies, the idf vectors, the coefficient matrix, the intercepts.
:class:`LinearScorer` holds that state and computes the same probabilities as the
scikit-learn pipeline's ``predict_proba`` (equal within 1e-12), importing only numpy, so
loading a model and classifying do not pay for importing scikit-learn or scipy.

How a batch is scored:

* all texts are joined with a NUL separator and tokenized in one pass of C-level string
  methods; one dictionary lookup per token gives word ids (stop words, the separator and
  unknown words get negative ids);
* per document, the distinct words and their counts are found with a dense accumulator
  (``np.add.at`` into a ``docs x words`` array that is reset after use), which gives the
  unigram counts directly;
* character n-gram and bigram counts are sums over entries; the sublinear tf of a
  (document, feature) pair is computed per entry and divided among the entries of that pair
  (``weight / count``), so no sort or ``unique`` is needed;
* per-document sums use ``np.bincount``, followed by the l2 norms and a sigmoid.
"""

from __future__ import annotations

import threading
import unicodedata
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise, repeat
from typing import Any

import numpy as np

from nieuwsradar.classify.text import (
    ASCII_TABLE,
    STOP_WORDS,
    char_ngrams,
    split_lines,
    tokenize,
)

#: Bigram keys are ``first_word_id << KEY_SHIFT | second_word_id`` (as in the vectorizer).
KEY_SHIFT = 31
_UNKNOWN = -1
_SKIP = -2
_SEP = -3
_SEP_CHAR = "\x00"
#: Texts are joined with " NUL " and the NUL is kept (a 1:1 table keeps translate fast).
_JOINER = f" {_SEP_CHAR} "
_TABLE = {**ASCII_TABLE, 0: _SEP_CHAR}
#: Cells of one dense accumulator (docs x columns); chunks of documents are sized to fit.
_ACC_CELLS = 1 << 20
_OOV_CACHE_MAX = 200_000

#: The arrays of a prediction state (besides labels and settings), with their dtypes.
ARRAY_FIELDS: dict[str, type] = {
    "word_to_uni": np.int64, "bigram_keys": np.int64, "word_idf": np.float64,
    "char_idf": np.float64, "gram_indptr": np.int64, "gram_indices": np.int64,
    "coef": np.float64, "intercept": np.float64,
}
#: The strings of a prediction state: newline-joined vocabularies.
TEXT_FIELDS = ("words", "chars")


class LinearScorer:
    """Word/character n-gram tf-idf features and one linear model per label, numpy only.

    Build it with :meth:`from_state` (a dict of plain arrays and strings, see
    :data:`ARRAY_FIELDS` and :data:`TEXT_FIELDS`) and get it back with :meth:`state`.
    """

    def __init__(
        self, *, words: Sequence[str], word_to_uni: np.ndarray, bigram_keys: np.ndarray,
        chars: Sequence[str], word_idf: np.ndarray, char_idf: np.ndarray,
        gram_indptr: np.ndarray, gram_indices: np.ndarray, coef: np.ndarray,
        intercept: np.ndarray, bigrams: bool, char_range: tuple[int, int] | None,
        char_weight: float,
    ) -> None:
        self.words = list(words)
        self.chars = list(chars)
        self.word_to_uni = np.asarray(word_to_uni, dtype=np.int64)
        self.bigram_keys = np.asarray(bigram_keys, dtype=np.int64)
        self.word_idf = np.asarray(word_idf, dtype=np.float64)
        self.char_idf = np.asarray(char_idf, dtype=np.float64)
        self.gram_indptr = np.asarray(gram_indptr, dtype=np.int64)
        self.gram_indices = np.asarray(gram_indices, dtype=np.int64)
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.bigrams = bool(bigrams)
        self.char_range = (int(char_range[0]), int(char_range[1])) if char_range else None
        self.char_weight = float(char_weight)
        self._check()

        self.n_known = len(self.words)
        self.n_uni = int(np.count_nonzero(self.word_to_uni >= 0))
        self.n_word_features = self.n_uni + self.bigram_keys.size
        self._lookup: dict[str, int] = {**dict.fromkeys(STOP_WORDS, _SKIP),
                                        **{w: i for i, w in enumerate(self.words)},
                                        _SEP_CHAR: _SEP}
        self._word_id = {w: i for i, w in enumerate(self.words)}
        # rows: idf x coefficients of each label, then idf squared (the norm's share)
        n_wf = self.n_word_features
        self._word_ext = np.column_stack([self.word_idf[:, None] * self.coef[:n_wf],
                                          self.word_idf**2])
        self._char_ext = np.column_stack([self.char_idf[:, None] * self.coef[n_wf:],
                                          self.char_idf**2])
        first = np.zeros(self.n_known + 1, dtype=bool)
        second = np.zeros(self.n_known + 1, dtype=bool)
        if self.bigram_keys.size:
            first[self.bigram_keys >> KEY_SHIFT] = True
            second[self.bigram_keys & ((1 << KEY_SHIFT) - 1)] = True
        self._bigram_first, self._bigram_second = first, second
        self._char_id: dict[str, int] | None = None
        self._oov_grams: dict[str, list[int]] = {}
        self._local = threading.local()

    def _check(self) -> None:
        """Raise ValueError when the arrays do not fit together (a damaged state)."""
        n_words, n_chars = len(self.words), len(self.chars)
        n_uni = int(np.count_nonzero(self.word_to_uni >= 0))
        n_features = n_uni + self.bigram_keys.size + n_chars
        problems = [
            (self.word_to_uni.shape != (n_words,), "word_to_uni"),
            (self.word_idf.shape != (n_uni + self.bigram_keys.size,), "word_idf"),
            (self.char_idf.shape != (n_chars,), "char_idf"),
            (self.gram_indptr.shape != (n_words + 1,), "gram_indptr"),
            (self.coef.ndim != 2 or self.coef.shape[0] != n_features, "coef"),
            (self.intercept.shape != (self.coef.shape[-1],), "intercept"),
        ]
        bad = [name for wrong, name in problems if wrong]
        if not bad and n_words:
            indptr, indices = self.gram_indptr, self.gram_indices
            if indptr[0] != 0 or indptr[-1] != indices.size or np.any(np.diff(indptr) < 0):
                bad.append("gram_indptr")
            elif indices.size and (indices.min() < 0 or indices.max() >= n_chars):
                bad.append("gram_indices")
            uni = self.word_to_uni[self.word_to_uni >= 0]
            if uni.size and (uni.max() >= n_uni or np.unique(uni).size != uni.size):
                bad.append("word_to_uni")
            keys = self.bigram_keys
            if keys.size and (np.any(np.diff(keys) <= 0) or keys.min() < 0
                              or (keys >> KEY_SHIFT).max() >= n_words
                              or (keys & ((1 << KEY_SHIFT) - 1)).max() >= n_words):
                bad.append("bigram_keys")
        if bad:
            raise ValueError(f"inconsistent prediction state ({', '.join(bad)})")

    # ------------------------------------------------------------------ state
    @classmethod
    def from_state(cls, state: dict[str, Any]) -> LinearScorer:
        """Build from :meth:`state` output (arrays, newline-joined strings, settings)."""
        char_range = state["char_range"]
        return cls(
            words=split_lines(state["words"]), chars=split_lines(state["chars"]),
            **{name: state[name] for name in ARRAY_FIELDS},
            bigrams=state["bigrams"],
            char_range=(int(char_range[0]), int(char_range[1])) if char_range else None,
            char_weight=state["char_weight"],
        )

    def state(self) -> dict[str, Any]:
        """Arrays (:data:`ARRAY_FIELDS`), joined strings and the feature settings."""
        return {
            "words": "\n".join(self.words), "chars": "\n".join(self.chars),
            **{name: getattr(self, name) for name in ARRAY_FIELDS},
            "bigrams": self.bigrams,
            "char_range": list(self.char_range) if self.char_range else None,
            "char_weight": self.char_weight,
        }

    @classmethod
    def from_fitted(cls, vectorizer: Any, coef: np.ndarray, intercept: np.ndarray
                    ) -> LinearScorer:
        """From a fitted WordCharVectorizer and a ``features x labels`` coefficient matrix."""
        uni_id = {w: i for i, w in enumerate(vectorizer.unigrams_)}
        char_id = {g: i for i, g in enumerate(vectorizer.chars_)}
        indptr = [0]
        indices: list[int] = []
        for word in vectorizer.words_:
            if vectorizer.char_range is not None:
                lo, hi = vectorizer.char_range
                indices.extend(i for i in (char_id.get(g) for g in char_ngrams(word, lo, hi))
                               if i is not None)
            indptr.append(len(indices))
        return cls(
            words=vectorizer.words_, chars=vectorizer.chars_,
            word_to_uni=np.array([uni_id.get(w, -1) for w in vectorizer.words_],
                                 dtype=np.int64),
            bigram_keys=np.asarray(vectorizer.bigram_keys_, dtype=np.int64),
            word_idf=vectorizer.word_idf_, char_idf=vectorizer.char_idf_,
            gram_indptr=np.array(indptr, dtype=np.int64),
            gram_indices=np.array(indices, dtype=np.int64),
            coef=coef, intercept=intercept, bigrams=vectorizer.bigrams,
            char_range=vectorizer.char_range, char_weight=vectorizer.char_weight,
        )

    def __getstate__(self) -> dict[str, Any]:
        return self.state()

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(LinearScorer.from_state(state).__dict__)

    # ------------------------------------------------------------------ scoring
    @property
    def n_labels(self) -> int:
        return int(self.intercept.size)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """``len(texts) x labels`` probabilities (sigmoid of the decision values)."""
        decision = self.decision(texts)
        return 1.0 / (1.0 + np.exp(-decision))

    def decision(self, texts: Sequence[str]) -> np.ndarray:
        """``len(texts) x labels`` linear decision values."""
        n_docs = len(texts)
        out = np.tile(self.intercept, (n_docs, 1))
        if not n_docs:
            return out
        ids, doc, oov = self._token_ids(texts)
        if not ids.size:
            return out
        n_ids = self.n_known + len(oov)
        uni_of = self.word_to_uni
        indptr, indices = self.gram_indptr, self.gram_indices
        if oov:
            uni_of = np.concatenate([uni_of, np.full(len(oov), -1, dtype=np.int64)])
            if self.char_range is not None:
                indptr, indices = self._with_oov_grams(list(oov))
        bi_doc, bi_col = self._bigram_entries(ids, doc)

        widest = max(n_ids, self.n_word_features, len(self.chars), 1)
        chunk = max(1, _ACC_CELLS // widest)
        starts = np.arange(0, n_docs + chunk, chunk)
        tok_bounds = np.searchsorted(doc, starts)
        bi_bounds = np.searchsorted(bi_doc, starts)
        for k in range(len(starts) - 1):
            d0 = int(starts[k])
            if d0 >= n_docs:
                break
            t0, t1 = int(tok_bounds[k]), int(tok_bounds[k + 1])
            if t0 == t1:
                continue
            size = min(chunk, n_docs - d0)
            b0, b1 = int(bi_bounds[k]), int(bi_bounds[k + 1])
            out[d0 : d0 + size] += self._chunk(
                ids[t0:t1], doc[t0:t1] - d0, bi_doc[b0:b1] - d0, bi_col[b0:b1], size,
                n_ids, uni_of, indptr, indices)
        return out

    def _token_ids(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
        """Ids of the feature tokens of all texts, their document index, and the batch's
        unknown words (id ``n_known + k`` for the k-th). Same tokens as ``tokenize``."""
        big = _JOINER.join(texts)
        if big.count(_SEP_CHAR) != len(texts) - 1:
            big = _JOINER.join(t.replace(_SEP_CHAR, " ") for t in texts)
        if not big.isascii():
            big = big.replace("\u2019", " ").replace("\u2018", " ")
            big = unicodedata.normalize("NFKD", big).encode("ascii", "ignore").decode("ascii")
        tokens = big.translate(_TABLE).split()
        arr = np.fromiter(map(self._lookup.get, tokens, repeat(_UNKNOWN)), dtype=np.int64,
                          count=len(tokens))
        oov: dict[str, int] = {}
        unknown = np.flatnonzero(arr == _UNKNOWN)
        if unknown.size:
            n_known = self.n_known
            values = []
            for pos in unknown.tolist():
                tok = tokens[pos]
                values.append(_SKIP if tok.isdigit() else n_known + oov.setdefault(tok, len(oov)))
            arr[unknown] = values
        doc = np.cumsum(arr == _SEP)
        keep = arr >= 0
        return arr[keep], doc[keep], oov

    def _bigram_entries(self, ids: np.ndarray, doc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(document, column) of every bigram feature occurrence, sorted by document."""
        if not self.bigrams or not self.bigram_keys.size or ids.size < 2:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        a, b = ids[:-1], ids[1:]
        n_known = self.n_known
        cand = np.flatnonzero((doc[:-1] == doc[1:])
                              & self._bigram_first[np.minimum(a, n_known)]
                              & self._bigram_second[np.minimum(b, n_known)])
        keys = (a[cand] << KEY_SHIFT) | b[cand]
        pos = np.searchsorted(self.bigram_keys, keys)
        pos[pos >= self.bigram_keys.size] = 0
        hit = self.bigram_keys[pos] == keys
        return doc[:-1][cand[hit]], self.n_uni + pos[hit]

    def _accumulators(self, n_ids: int) -> dict[str, np.ndarray]:
        """Per-thread dense accumulators, all zero between uses."""
        acc: dict[str, np.ndarray] | None = getattr(self._local, "acc", None)
        size = max(_ACC_CELLS, n_ids, self.n_word_features, len(self.chars))
        if acc is None or acc["words"].size < size:
            acc = {"words": np.zeros(size), "features": np.zeros(size),
                   "first": np.full(size, np.iinfo(np.int64).max, dtype=np.int64)}
            self._local.acc = acc
        return acc

    def _chunk(
        self, ids: np.ndarray, doc: np.ndarray, bi_doc: np.ndarray, bi_col: np.ndarray,
        n_docs: int, n_ids: int, uni_of: np.ndarray, indptr: np.ndarray, indices: np.ndarray,
    ) -> np.ndarray:
        """Decision values (without intercept) of ``n_docs`` documents of one chunk."""
        acc = self._accumulators(n_ids)
        words, feats, first = acc["words"], acc["features"], acc["first"]
        # distinct (document, word) pairs and their counts
        keys = doc * n_ids + ids
        np.add.at(words, keys, 1.0)
        counts = words[keys]
        words[keys] = 0.0
        position = np.arange(keys.size, dtype=np.int64)
        np.minimum.at(first, keys, position)
        distinct = first[keys] == position
        first[keys] = np.iinfo(np.int64).max
        d_doc, d_id, d_n = doc[distinct], ids[distinct], counts[distinct]

        # word block: unigrams (one entry per distinct pair) and bigrams (accumulated)
        uni = uni_of[d_id]
        has = uni >= 0
        u_doc, u_col = d_doc[has], uni[has]
        u_tf = np.log(d_n[has]) + 1.0
        weighted = np.take(self._word_ext, u_col, axis=0)
        weighted *= u_tf[:, None]
        weighted[:, -1] *= u_tf
        parts = [(u_doc, weighted)]
        if bi_col.size:
            bkeys = bi_doc * self.n_word_features + bi_col
            np.add.at(feats, bkeys, 1.0)
            c = feats[bkeys]
            feats[bkeys] = 0.0
            tf = np.log(c) + 1.0
            share = tf / c
            b_weighted = np.take(self._word_ext, bi_col, axis=0)
            b_weighted *= share[:, None]
            b_weighted[:, -1] *= tf
            parts.append((bi_doc, b_weighted))
        result = _normalised(parts, n_docs)

        # character block: n-grams of the distinct words, weighted by the word counts
        if self.char_range is not None and d_id.size:
            begin = indptr[d_id]
            lengths = indptr[d_id + 1] - begin
            total = int(lengths.sum())
            if total:
                offsets = np.repeat(begin - (np.cumsum(lengths) - lengths), lengths)
                grams = indices[offsets + np.arange(total, dtype=np.int64)]
                g_doc = np.repeat(d_doc, lengths)
                g_w = np.repeat(d_n, lengths)
                gkeys = g_doc * len(self.chars) + grams
                np.add.at(feats, gkeys, g_w)
                c = feats[gkeys]
                feats[gkeys] = 0.0
                tf = np.log(c) + 1.0
                share = tf * (g_w / c)
                weighted = np.take(self._char_ext, grams, axis=0)
                weighted *= share[:, None]
                weighted[:, -1] *= tf
                char_part = _normalised([(g_doc, weighted)], n_docs)
                if self.char_weight != 1.0:
                    char_part *= self.char_weight
                result += char_part
        return result

    def _with_oov_grams(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """``gram_indptr`` / ``gram_indices`` extended with rows for unknown words."""
        cache = self._oov_grams
        if len(cache) > _OOV_CACHE_MAX:
            cache.clear()
        lengths = []
        extra: list[int] = []
        for word in words:
            grams = cache.get(word)
            if grams is None:
                grams = cache[word] = self.gram_ids(word)
            extra.extend(grams)
            lengths.append(len(grams))
        indptr = np.concatenate([self.gram_indptr,
                                 self.gram_indptr[-1] + np.cumsum(lengths, dtype=np.int64)])
        return indptr, np.concatenate([self.gram_indices, np.array(extra, dtype=np.int64)])

    # ------------------------------------------------------------ feature lookup
    def gram_ids(self, word: str) -> list[int]:
        """Indices (within the character block) of the known n-grams of ``word``."""
        if self.char_range is None:
            return []
        if self._char_id is None:
            self._char_id = {g: i for i, g in enumerate(self.chars)}
        get = self._char_id.get
        lo, hi = self.char_range
        return [i for i in (get(g) for g in char_ngrams(word, lo, hi)) if i is not None]

    def unigram_index(self, word: str) -> int | None:
        """Column of the unigram feature of a (tokenized) word, if it is a feature."""
        wid = self._word_id.get(word)
        col = -1 if wid is None else int(self.word_to_uni[wid])
        return col if col >= 0 else None

    def bigram_index(self, first: str, second: str) -> int | None:
        """Column of the bigram feature "first second", if it is a feature."""
        a, b = self._word_id.get(first), self._word_id.get(second)
        if a is None or b is None or not self.bigram_keys.size:
            return None
        key = (a << KEY_SHIFT) | b
        pos = int(np.searchsorted(self.bigram_keys, key))
        if pos < self.bigram_keys.size and int(self.bigram_keys[pos]) == key:
            return self.n_uni + pos
        return None

    def char_indices(self, word: str) -> list[int]:
        """Columns (after the word block) of the character n-grams of a word (may repeat)."""
        base = self.n_word_features
        return [base + i for i in self.gram_ids(word)]

    def features(self, text: str) -> dict[int, float]:
        """The tf-idf feature values of one text (column -> value), computed directly."""
        tokens = tokenize(text)
        word_counts: Counter[int] = Counter()
        for word, count in Counter(tokens).items():
            col = self.unigram_index(word)
            if col is not None:
                word_counts[col] += count
        if self.bigrams:
            for pair in pairwise(tokens):
                col = self.bigram_index(*pair)
                if col is not None:
                    word_counts[col] += 1
        values = _tfidf(word_counts, self.word_idf, 0, 1.0)
        if self.char_range is not None:
            char_counts: Counter[int] = Counter()
            for word, count in Counter(tokens).items():
                for i in self.gram_ids(word):
                    char_counts[i] += count
            values.update(_tfidf(char_counts, self.char_idf, self.n_word_features,
                                 self.char_weight))
        return values

    def feature_names(self) -> list[str]:
        """Unigrams, then "w1 w2" bigrams, then "char:<n-gram>" names (column order)."""
        unigrams = [""] * self.n_uni
        for word, col in zip(self.words, self.word_to_uni.tolist(), strict=True):
            if col >= 0:
                unigrams[col] = word
        mask = (1 << KEY_SHIFT) - 1
        bigrams = [f"{self.words[k >> KEY_SHIFT]} {self.words[k & mask]}"
                   for k in self.bigram_keys.tolist()]
        return unigrams + bigrams + [f"char:{g}" for g in self.chars]


def _doc_sums(doc: np.ndarray, values: np.ndarray, n_docs: int) -> np.ndarray:
    """Row sums of ``values`` per document; ``doc`` is sorted (documents may be absent)."""
    sums = np.zeros((n_docs, values.shape[1]))
    if doc.size:
        starts = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]])
        sums[doc[starts]] = np.add.reduceat(values, starts, axis=0)
    return sums


def _normalised(parts: list[tuple[np.ndarray, np.ndarray]], n_docs: int) -> np.ndarray:
    """Per-document dot products divided by the block's l2 norm (0 for empty rows).

    Each part is (sorted document index, entries x (labels + 1)) whose last column holds
    the entries' squared-norm contributions.
    """
    sums = _doc_sums(*parts[0], n_docs)
    for doc, values in parts[1:]:
        sums += _doc_sums(doc, values, n_docs)
    norms = np.sqrt(sums[:, -1])
    inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sums[:, :-1] * inverse[:, None]


def _tfidf(counts: Counter[int], idf: np.ndarray, offset: int, weight: float
           ) -> dict[int, float]:
    """Sublinear tf x idf, l2-normalised, times ``weight``; columns shifted by ``offset``."""
    values = {col: (1.0 + float(np.log(count))) * float(idf[col])
              for col, count in counts.items()}
    norm = float(np.sqrt(sum(v * v for v in values.values())))
    if norm == 0.0:
        return {}
    return {offset + col: weight * v / norm for col, v in values.items()}
