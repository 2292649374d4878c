"""A fast word + character n-gram tf-idf vectorizer for the domain model.

It computes the same kind of features as a union of scikit-learn's
``TfidfVectorizer(ngram_range=(1, 2))`` and ``TfidfVectorizer(analyzer="char_wb")``
(sublinear tf, smoothed idf, each block l2-normalised) but about 30x faster, because ingest
classifies every new item:

* character n-grams are computed once per distinct word, not once per occurrence: every
  known word has a precomputed row of n-gram counts (``word x n-gram`` sparse matrix) and a
  document's n-gram counts are the product of its word counts with that matrix;
* word bigrams are looked up with one vectorised ``searchsorted`` per batch;
* the only per-token Python work is one dictionary lookup.

Words never seen in training still get their character n-grams (that is what lets the
model generalise to new Dutch compounds such as "handhavingsknelpunt"); those rows are
cached. The state is stored as plain strings and numpy arrays so skops can persist it
without pickle and load it in milliseconds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from nieuwsradar.classify.text import (
    STOP_WORDS,
    char_ngrams,
    raw_tokens,
    split_lines,
    tokenize,
)

_KEY_SHIFT = 31
_SKIP = -2  # id of tokens that are not features (stop words, numbers)
_OOV_CACHE_MAX = 200_000


def _tfidf_block(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear tf (1 + log tf), multiply by idf, l2-normalise each row, in place.

    ``counts`` must have no duplicate entries (a matrix product or ``sum_duplicates``).
    """
    data = counts.data
    np.log(data, out=data)
    data += 1.0
    data *= idf[counts.indices]
    squares = sp.csr_matrix((data * data, counts.indices, counts.indptr), shape=counts.shape)
    norms = np.sqrt(squares @ np.ones(counts.shape[1]))
    inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    data *= np.repeat(inverse, np.diff(counts.indptr))
    return counts


def _idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    """Smoothed idf as scikit-learn computes it: ln((1 + n) / (1 + df)) + 1."""
    return np.log((1.0 + n_docs) / (1.0 + df)) + 1.0


class WordCharVectorizer(TransformerMixin, BaseEstimator):
    """Word uni/bigram and character n-gram tf-idf features for model input strings.

    ``min_df`` and ``max_df`` filter features by document frequency (count / fraction);
    ``char_range`` is the (min, max) character n-gram length (``None`` disables them);
    ``bigrams`` adds word bigrams; ``char_weight`` scales the character block against the
    word block.
    """

    def __init__(
        self,
        *,
        min_df: int = 2,
        max_df: float = 0.9,
        bigrams: bool = True,
        char_range: tuple[int, int] | None = (3, 5),
        char_weight: float = 1.0,
    ) -> None:
        self.min_df = min_df
        self.max_df = max_df
        self.bigrams = bigrams
        self.char_range = char_range
        self.char_weight = char_weight

    # ----------------------------------------------------------------------------- fit
    def fit(self, X: Iterable[str], y: Any = None) -> WordCharVectorizer:
        """Learn the vocabularies and idf weights from model input strings."""
        docs = [tokenize(doc) for doc in X]
        n_docs = len(docs)
        max_count = self.max_df * n_docs if isinstance(self.max_df, float) else self.max_df

        word_df: Counter[str] = Counter()
        for toks in docs:
            word_df.update(set(toks))
        words = sorted(word_df)
        word_id = {w: i for i, w in enumerate(words)}
        unigrams = [w for w in words if self.min_df <= word_df[w] <= max_count]

        bigram_keys: list[int] = []
        bigram_df_list: list[int] = []
        if self.bigrams:
            bigram_df: Counter[int] = Counter()
            for toks in docs:
                ids = [word_id[t] for t in toks]
                bigram_df.update({(a << _KEY_SHIFT) | b for a, b in pairwise(ids)})
            kept = sorted(k for k, c in bigram_df.items() if self.min_df <= c <= max_count)
            bigram_keys = kept
            bigram_df_list = [bigram_df[k] for k in kept]

        chars: list[str] = []
        char_df_arr = np.zeros(0)
        if self.char_range is not None:
            lo, hi = self.char_range
            word_grams = {w: set(char_ngrams(w, lo, hi)) for w in words}
            char_df: Counter[str] = Counter()
            for toks in docs:
                grams: set[str] = set()
                for w in set(toks):
                    grams |= word_grams[w]
                char_df.update(grams)
            chars = sorted(g for g, c in char_df.items() if self.min_df <= c <= max_count)
            char_df_arr = np.array([char_df[g] for g in chars], dtype=np.float64)

        uni_df = np.array([word_df[w] for w in unigrams], dtype=np.float64)
        word_idf = _idf(np.concatenate([uni_df, np.array(bigram_df_list, dtype=np.float64)]),
                        n_docs)
        self._set_vocab(
            words=words,
            unigrams=unigrams,
            bigram_keys=np.array(bigram_keys, dtype=np.int64),
            chars=chars,
            word_idf=word_idf,
            char_idf=_idf(char_df_arr, n_docs),
        )
        return self

    def _set_vocab(
        self, *, words: Sequence[str], unigrams: Sequence[str], bigram_keys: np.ndarray,
        chars: Sequence[str], word_idf: np.ndarray, char_idf: np.ndarray,
    ) -> None:
        """Install fitted vocabularies and build the lookup structures used by transform."""
        self.words_ = list(words)
        self.unigrams_ = list(unigrams)
        self.bigram_keys_ = bigram_keys
        self.chars_ = list(chars)
        self.word_idf_ = word_idf
        self.char_idf_ = char_idf
        self._word_id = {w: i for i, w in enumerate(self.words_)}
        self._lookup: dict[str, int] = {**dict.fromkeys(STOP_WORDS, _SKIP), **self._word_id}
        self._char_id = {g: i for i, g in enumerate(self.chars_)}
        uni_id = {w: i for i, w in enumerate(self.unigrams_)}
        self._word_to_uni = np.array([uni_id.get(w, -1) for w in self.words_], dtype=np.int64)
        self._oov_grams: dict[str, list[int]] = {}
        self._word_chars = self._char_rows(self.words_)

    def _char_rows(self, words: Sequence[str]) -> sp.csr_matrix:
        """The ``len(words) x n_char_features`` matrix of character n-gram counts."""
        indptr = [0]
        indices: list[int] = []
        for w in words:
            indices.extend(self._grams_of(w))
            indptr.append(len(indices))
        data = np.ones(len(indices), dtype=np.float64)
        rows = sp.csr_matrix(
            (data, np.array(indices, dtype=np.int64), np.array(indptr, dtype=np.int64)),
            shape=(len(words), len(self.chars_)),
        )
        rows.sum_duplicates()
        return rows

    def _grams_of(self, word: str) -> list[int]:
        """Feature indices of the known character n-grams of ``word`` (may repeat)."""
        if self.char_range is None:
            return []
        lo, hi = self.char_range
        get = self._char_id.get
        return [i for i in (get(g) for g in char_ngrams(word, lo, hi)) if i is not None]

    # ----------------------------------------------------------------------- transform
    @property
    def n_word_features_(self) -> int:
        """Number of word (unigram + bigram) features; character features follow them."""
        return len(self.unigrams_) + len(self.bigram_keys_)

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        """Turn model input strings into a CSR tf-idf matrix (one row per string)."""
        blocks = self.transform_blocks(X)
        return blocks[0] if len(blocks) == 1 else sp.hstack(blocks, format="csr")

    def transform_blocks(self, X: Iterable[str]) -> list[sp.csr_matrix]:
        """The word block and (when enabled) the character block, not yet concatenated.

        The model multiplies each block with its slice of the coefficients, which saves
        copying the large character block into one matrix.
        """
        get = self._lookup.get
        n_known = len(self.words_)
        oov: dict[str, int] = {}
        ids: list[int] = []
        lengths: list[int] = []
        for doc in X:
            toks = raw_tokens(doc)
            found = list(map(get, toks))
            doc_ids = self._resolve_unknown(toks, found, oov, n_known) if None in found else found
            ids.extend(doc_ids)  # type: ignore[arg-type]  # no None left after resolving
            lengths.append(len(doc_ids))
        n_docs = len(lengths)
        id_arr = np.array(ids, dtype=np.int64)
        doc_arr = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        keep = id_arr != _SKIP
        id_arr, doc_of = id_arr[keep], doc_arr[keep]
        len_arr = np.bincount(doc_of, minlength=n_docs)
        indptr = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum(len_arr, out=indptr[1:])

        word_counts = self._word_counts(id_arr, doc_of, n_known, n_docs)
        word_counts.sum_duplicates()
        blocks = [_tfidf_block(word_counts, self.word_idf_)]
        if self.char_range is not None:
            counts = sp.csr_matrix(
                (np.ones(id_arr.size), id_arr, indptr), shape=(n_docs, n_known + len(oov))
            )
            rows = self._word_chars
            if oov:
                rows = sp.vstack([rows, self._oov_rows(list(oov))], format="csr")
            char_block = _tfidf_block(counts @ rows, self.char_idf_)
            if self.char_weight != 1.0:
                char_block.data *= self.char_weight
            blocks.append(char_block)
        return blocks

    @staticmethod
    def _resolve_unknown(
        tokens: list[str], doc_ids: list[int | None], oov: dict[str, int], n_known: int,
    ) -> list[int]:
        """Replace unknown-token ids: bare numbers are skipped, new words get batch ids."""
        pos = doc_ids.index(None)
        while True:
            tok = tokens[pos]
            doc_ids[pos] = _SKIP if tok.isdigit() else n_known + oov.setdefault(tok, len(oov))
            try:
                pos = doc_ids.index(None, pos + 1)
            except ValueError:
                return doc_ids  # type: ignore[return-value]  # every None was replaced

    def _word_counts(
        self, id_arr: np.ndarray, doc_of: np.ndarray, n_known: int, n_docs: int,
    ) -> sp.csr_matrix:
        """Raw unigram + bigram counts per document."""
        known = id_arr < n_known
        uni = np.full(id_arr.size, -1, dtype=np.int64)
        uni[known] = self._word_to_uni[id_arr[known]]
        cols = [uni]
        rows = [doc_of]
        if self.bigrams and id_arr.size > 1 and self.bigram_keys_.size:
            same_doc = doc_of[1:] == doc_of[:-1]
            keys = (id_arr[:-1] << _KEY_SHIFT) | id_arr[1:]
            pos = np.searchsorted(self.bigram_keys_, keys)
            pos[pos >= self.bigram_keys_.size] = 0
            hit = same_doc & (self.bigram_keys_[pos] == keys)
            cols.append(np.where(hit, len(self.unigrams_) + pos, -1))
            rows.append(doc_of[:-1])
        col = np.concatenate(cols)
        row = np.concatenate(rows)
        keep = col >= 0
        return sp.csr_matrix(
            (np.ones(int(keep.sum())), (row[keep], col[keep])),
            shape=(n_docs, self.n_word_features_),
        )

    def _oov_rows(self, words: list[str]) -> sp.csr_matrix:
        """Character n-gram rows for words unseen in training, with a bounded cache."""
        cache = self._oov_grams
        if len(cache) > _OOV_CACHE_MAX:
            cache.clear()
        indptr = [0]
        indices: list[int] = []
        for w in words:
            grams = cache.get(w)
            if grams is None:
                grams = cache[w] = self._grams_of(w)
            indices.extend(grams)
            indptr.append(len(indices))
        return sp.csr_matrix(
            (np.ones(len(indices)), np.array(indices, dtype=np.int64),
             np.array(indptr, dtype=np.int64)),
            shape=(len(words), len(self.chars_)),
        )

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Feature names: unigrams, then "w1 w2" bigrams, then "char:<n-gram>" names."""
        mask = (1 << _KEY_SHIFT) - 1
        bigrams = [
            f"{self.words_[int(k) >> _KEY_SHIFT]} {self.words_[int(k) & mask]}"
            for k in self.bigram_keys_
        ]
        chars = [f"char:{g}" for g in self.chars_]
        return np.array(self.unigrams_ + bigrams + chars, dtype=object)

    # ----------------------------------------------------------------- persistence
    def __getstate__(self) -> dict[str, Any]:
        """Persist parameters and vocabularies as strings and arrays (skops-friendly)."""
        state: dict[str, Any] = {
            "min_df": self.min_df,
            "max_df": self.max_df,
            "bigrams": self.bigrams,
            "char_range": list(self.char_range) if self.char_range else None,
            "char_weight": self.char_weight,
        }
        if hasattr(self, "words_"):
            state.update(
                words="\n".join(self.words_),
                unigrams="\n".join(self.unigrams_),
                chars="\n".join(self.chars_),
                bigram_keys=self.bigram_keys_,
                word_idf=self.word_idf_,
                char_idf=self.char_idf_,
            )
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Rebuild the lookup structures from a state made by :meth:`__getstate__`."""
        char_range = state["char_range"]
        self.min_df = state["min_df"]
        self.max_df = state["max_df"]
        self.bigrams = state["bigrams"]
        self.char_range = (int(char_range[0]), int(char_range[1])) if char_range else None
        self.char_weight = state["char_weight"]
        if "words" in state:
            self._set_vocab(
                words=split_lines(state["words"]),
                unigrams=split_lines(state["unigrams"]),
                bigram_keys=np.asarray(state["bigram_keys"], dtype=np.int64),
                chars=split_lines(state["chars"]),
                word_idf=np.asarray(state["word_idf"], dtype=np.float64),
                char_idf=np.asarray(state["char_idf"], dtype=np.float64),
            )


