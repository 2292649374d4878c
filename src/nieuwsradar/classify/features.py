"""Word + character n-gram tf-idf features: the one transform of the domain model.

Training, prediction and explanation all call :meth:`FeatureSpace.entries`, so the
features the model was fitted on are, by construction, the features it predicts and
explains with. The features are those of a union of scikit-learn's
``TfidfVectorizer(ngram_range=(1, 2))`` and ``TfidfVectorizer(analyzer="char_wb")``
(sublinear tf, smoothed idf, each block l2-normalised, the character block scaled by
``char_weight``), computed with numpy alone because ingest classifies every new item:

* all texts are joined with a NUL separator and tokenized in one pass of C-level string
  methods; one dictionary lookup per token gives word ids (stop words, the separator and
  unknown words get negative ids);
* per document, the distinct words and their counts are found with a dense accumulator
  (``np.add.at`` into a ``docs x words`` array that is reset after use);
* character n-grams are precomputed per known word (``gram_indptr``/``gram_indices``) and
  computed once per batch for unknown words (that is what lets the model read Dutch
  compounds it never saw, such as "handhavingsknelpunt");
* character n-gram and bigram counts are sums over entries; the sublinear tf of a
  (document, feature) pair is divided among the entries of that pair, so no sort or
  ``unique`` is needed and the entries of a feature add up to its value.

The transform yields *entries* ``(document, column, value)``; one feature of a document
may be spread over several entries (a character n-gram shared by two words of the text),
and the feature's value is their sum. A matrix built from the entries (scipy sums
duplicates) is the tf-idf matrix; a dot product of the entries with a weight vector is the
decision value; and each entry knows the word it came from, which is what explanations show.
"""

from __future__ import annotations

import threading
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise, repeat
from typing import Any

import numpy as np

from nieuwsradar.classify.text import ASCII_TABLE, STOP_WORDS, char_ngrams, split_lines

#: Bigram keys are ``first_word_id << KEY_SHIFT | second_word_id``.
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

#: The arrays of a feature space, with their dtypes (persisted as they are).
ARRAY_FIELDS: dict[str, type] = {
    "word_to_uni": np.int64, "bigram_keys": np.int64, "word_idf": np.float64,
    "char_idf": np.float64, "gram_indptr": np.int64, "gram_indices": np.int64,
}
#: The vocabularies of a feature space (persisted as newline-joined UTF-8 text).
TEXT_FIELDS = ("words", "chars")
#: The settings of a feature space (persisted in the model's JSON metadata).
SETTING_FIELDS = ("bigrams", "char_range", "char_weight")


def joined_tokens(texts: Sequence[str]) -> list[str]:
    """Raw tokens of all texts in order, with one ``"\\x00"`` token between two texts.

    Lower-cased ASCII, accents folded via NFKD ("cliënt" gives "client"), other non-ASCII
    characters dropped, apostrophes and punctuation separate tokens. A NUL inside a text is
    treated as a space.
    """
    big = _JOINER.join(texts)
    if big.count(_SEP_CHAR) != max(len(texts) - 1, 0):
        big = _JOINER.join(t.replace(_SEP_CHAR, " ") for t in texts)
    if not big.isascii():
        big = big.replace("\u2019", " ").replace("\u2018", " ")
        big = unicodedata.normalize("NFKD", big).encode("ascii", "ignore").decode("ascii")
    return big.translate(_TABLE).split()


def feature_tokens(texts: Sequence[str]) -> list[list[str]]:
    """Per text, the word tokens features are made of: no stop words, single letters or
    bare numbers ("13b" stays, "2024" goes)."""
    docs: list[list[str]] = [[] for _ in texts]
    if not texts:
        return docs
    current = 0
    for token in joined_tokens(texts):
        if token == _SEP_CHAR:
            current += 1
        elif token not in STOP_WORDS and not token.isdigit():
            docs[current].append(token)
    return docs


def _idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    """Smoothed idf as scikit-learn computes it: ln((1 + n) / (1 + df)) + 1."""
    return np.log((1.0 + n_docs) / (1.0 + df)) + 1.0


#: One block of feature entries: (document, column, raw value, source word id) arrays and
#: the block's per-document scale (l2 normalisation and block weight); an entry's value is
#: ``raw value x scale[document]``.
Part = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True, slots=True)
class Entries:
    """Feature entries of a batch: entry ``i`` adds ``value[i]`` to feature ``col[i]`` of
    document ``doc[i]``. ``source[i]`` is the word id the entry came from (unigram and
    character entries; bigram entries have -1); ids from ``n_known`` on are the batch's
    unknown words, ``oov[id - n_known]``."""

    doc: np.ndarray
    col: np.ndarray
    value: np.ndarray
    source: np.ndarray
    oov: tuple[str, ...]
    n_docs: int


class FeatureSpace:
    """Fitted vocabularies, idf weights and settings of the word + character features.

    Build it with :meth:`fit` (training) or :meth:`from_state` (a saved model); transform
    with :meth:`entries` / :meth:`iter_entries`. Columns: unigrams, then bigrams, then
    character n-grams.
    """

    def __init__(
        self, *, words: Sequence[str], word_to_uni: np.ndarray, bigram_keys: np.ndarray,
        chars: Sequence[str], word_idf: np.ndarray, char_idf: np.ndarray,
        gram_indptr: np.ndarray, gram_indices: np.ndarray, bigrams: bool,
        char_range: Sequence[int] | None, char_weight: float,
    ) -> None:
        self.words = list(words)
        self.chars = list(chars)
        self.word_to_uni = np.asarray(word_to_uni, dtype=np.int64)
        self.bigram_keys = np.asarray(bigram_keys, dtype=np.int64)
        self.word_idf = np.asarray(word_idf, dtype=np.float64)
        self.char_idf = np.asarray(char_idf, dtype=np.float64)
        self.gram_indptr = np.asarray(gram_indptr, dtype=np.int64)
        self.gram_indices = np.asarray(gram_indices, dtype=np.int64)
        self.bigrams = bool(bigrams)
        self.char_range = (int(char_range[0]), int(char_range[1])) if char_range else None
        self.char_weight = float(char_weight)
        self._check()

        self.n_known = len(self.words)
        self.n_uni = int(np.count_nonzero(self.word_to_uni >= 0))
        self.n_word_features = self.n_uni + self.bigram_keys.size
        self.n_features = self.n_word_features + len(self.chars)
        self._lookup: dict[str, int] = {**dict.fromkeys(STOP_WORDS, _SKIP),
                                        **{w: i for i, w in enumerate(self.words)},
                                        _SEP_CHAR: _SEP}
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
        problems = [
            (self.word_to_uni.shape != (n_words,), "word_to_uni"),
            (self.word_idf.shape != (n_uni + self.bigram_keys.size,), "word_idf"),
            (self.char_idf.shape != (n_chars,), "char_idf"),
            (self.gram_indptr.shape != (n_words + 1,), "gram_indptr"),
            (self.bigram_keys.ndim != 1 or self.gram_indices.ndim != 1, "shapes"),
        ]
        bad = [name for wrong, name in problems if wrong]
        if not bad and n_words:
            indptr, indices = self.gram_indptr, self.gram_indices
            if indptr[0] != 0 or indptr[-1] != indices.size or np.any(np.diff(indptr) < 0):
                bad.append("gram_indptr")
            elif indices.size and (indices.min() < 0 or indices.max() >= n_chars):
                bad.append("gram_indices")
            uni = self.word_to_uni[self.word_to_uni >= 0]
            if uni.size and (uni.max() >= n_uni or np.bincount(uni).max() > 1):
                bad.append("word_to_uni")
            keys = self.bigram_keys
            if keys.size and (np.any(np.diff(keys) <= 0) or keys.min() < 0
                              or (keys >> KEY_SHIFT).max() >= n_words
                              or (keys & ((1 << KEY_SHIFT) - 1)).max() >= n_words):
                bad.append("bigram_keys")
        if bad:
            raise ValueError(f"inconsistent feature state ({', '.join(bad)})")

    # ------------------------------------------------------------------ fit and state
    @classmethod
    def fit(
        cls, texts: Sequence[str], *, min_df: int = 2, max_df: float = 0.9,
        bigrams: bool = True, char_range: tuple[int, int] | None = (4, 5),
        char_weight: float = 1.0,
    ) -> FeatureSpace:
        """Learn vocabularies and idf weights from model input strings.

        A feature is kept when its document frequency is at least ``min_df`` and at most
        ``max_df`` (a fraction of the documents). Every training word keeps its character
        n-grams, also words too rare to be a unigram feature.
        """
        docs = feature_tokens(texts)
        n_docs = len(docs)
        max_count = max_df * n_docs

        word_df: Counter[str] = Counter()
        for toks in docs:
            word_df.update(set(toks))
        words = sorted(word_df)
        word_id = {w: i for i, w in enumerate(words)}
        unigrams = [w for w in words if min_df <= word_df[w] <= max_count]
        uni_id = {w: i for i, w in enumerate(unigrams)}

        bigram_keys: list[int] = []
        bigram_df_list: list[int] = []
        if bigrams:
            bigram_df: Counter[int] = Counter()
            for toks in docs:
                ids = [word_id[t] for t in toks]
                bigram_df.update({(a << KEY_SHIFT) | b for a, b in pairwise(ids)})
            bigram_keys = sorted(k for k, c in bigram_df.items() if min_df <= c <= max_count)
            bigram_df_list = [bigram_df[k] for k in bigram_keys]

        chars: list[str] = []
        char_df_arr = np.zeros(0)
        word_grams: dict[str, list[str]] = {}
        if char_range is not None:
            lo, hi = char_range
            word_grams = {w: char_ngrams(w, lo, hi) for w in words}
            char_df: Counter[str] = Counter()
            for toks in docs:
                grams: set[str] = set()
                for w in set(toks):
                    grams.update(word_grams[w])
                char_df.update(grams)
            chars = sorted(g for g, c in char_df.items() if min_df <= c <= max_count)
            char_df_arr = np.array([char_df[g] for g in chars], dtype=np.float64)
        char_id = {g: i for i, g in enumerate(chars)}
        indptr = [0]
        indices: list[int] = []
        for w in words:
            indices.extend(i for i in map(char_id.get, word_grams.get(w, ())) if i is not None)
            indptr.append(len(indices))

        uni_df = np.array([word_df[w] for w in unigrams], dtype=np.float64)
        return cls(
            words=words, chars=chars,
            word_to_uni=np.array([uni_id.get(w, -1) for w in words], dtype=np.int64),
            bigram_keys=np.array(bigram_keys, dtype=np.int64),
            word_idf=_idf(np.concatenate([uni_df, np.array(bigram_df_list, dtype=np.float64)]),
                          n_docs),
            char_idf=_idf(char_df_arr, n_docs),
            gram_indptr=np.array(indptr, dtype=np.int64),
            gram_indices=np.array(indices, dtype=np.int64),
            bigrams=bigrams, char_range=char_range, char_weight=char_weight,
        )

    @classmethod
    def from_state(cls, arrays: dict[str, np.ndarray], texts: dict[str, str],
                   settings: dict[str, Any]) -> FeatureSpace:
        """Rebuild from :meth:`state` output. Raises KeyError/ValueError/TypeError when a
        part is missing or does not fit."""
        return cls(
            words=split_lines(texts["words"]), chars=split_lines(texts["chars"]),
            **{name: arrays[name] for name in ARRAY_FIELDS},
            bigrams=bool(settings["bigrams"]), char_range=settings["char_range"],
            char_weight=float(settings["char_weight"]),
        )

    def state(self) -> tuple[dict[str, np.ndarray], dict[str, str], dict[str, Any]]:
        """(arrays, newline-joined vocabularies, JSON-ready settings)."""
        return (
            {name: getattr(self, name) for name in ARRAY_FIELDS},
            {"words": "\n".join(self.words), "chars": "\n".join(self.chars)},
            {"bigrams": self.bigrams,
             "char_range": list(self.char_range) if self.char_range else None,
             "char_weight": self.char_weight},
        )

    # ------------------------------------------------------------------ transform
    def entries(self, texts: Sequence[str], *, sources: bool = False) -> Entries:
        """All feature entries of ``texts`` (see :class:`Entries`), sorted by document
        within each block. With ``sources`` the originating word ids are filled in."""
        parts = list(self.iter_entries(texts, sources=sources))
        oov = parts[-1][1].oov if parts else ()
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return Entries(empty, empty, np.zeros(0), empty, (), len(texts))
        return Entries(
            doc=np.concatenate([p.doc + start for start, p in parts]),
            col=np.concatenate([p.col for _, p in parts]),
            value=np.concatenate([p.value for _, p in parts]),
            source=np.concatenate([p.source for _, p in parts]),
            oov=oov, n_docs=len(texts),
        )

    def iter_entries(self, texts: Sequence[str], *, sources: bool = False
                     ) -> Iterator[tuple[int, Entries]]:
        """Entries in chunks of documents: ``(first document, entries of the chunk)``
        with document indices relative to the chunk. Chunks keep the dense accumulators
        small; :meth:`entries` concatenates them."""
        for start, size, parts, oov in self.iter_parts(texts, sources=sources):
            yield start, Entries(
                doc=np.concatenate([p[0] for p in parts]),
                col=np.concatenate([p[1] for p in parts]),
                value=np.concatenate([p[2] * p[4][p[0]] for p in parts]),
                source=np.concatenate([p[3] for p in parts]),
                oov=oov, n_docs=size)

    def iter_parts(self, texts: Sequence[str], *, sources: bool = False
                   ) -> Iterator[tuple[int, int, list[Part], tuple[str, ...]]]:
        """The entries of :meth:`iter_entries` before concatenation: per chunk (first
        document, number of documents, parts, unknown words), where each part (see
        :data:`Part`) holds one block (unigrams, bigrams, character n-grams) sorted by
        document. Prediction sums each part per document and scales the sums, without
        copying or scaling every entry."""
        n_docs = len(texts)
        if not n_docs:
            return
        ids, doc, oov = self._token_ids(texts)
        if not ids.size:
            return
        n_ids = self.n_known + len(oov)
        uni_of = self.word_to_uni
        indptr, indices = self.gram_indptr, self.gram_indices
        if oov:
            uni_of = np.concatenate([uni_of, np.full(len(oov), -1, dtype=np.int64)])
            if self.char_range is not None:
                indptr, indices = self._with_oov_grams(list(oov))
        bi_doc, bi_col = self._bigram_entries(ids, doc)
        oov_words = tuple(oov)

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
            yield d0, size, self._chunk(ids[t0:t1], doc[t0:t1] - d0, bi_doc[b0:b1] - d0,
                                        bi_col[b0:b1], size, n_ids, uni_of, indptr, indices,
                                        sources), oov_words

    def _token_ids(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
        """Ids of the feature tokens of all texts, their document index, and the batch's
        unknown words (id ``n_known + k`` for the k-th)."""
        tokens = joined_tokens(texts)
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
        sources: bool,
    ) -> list[Part]:
        """The entries of ``n_docs`` documents of one chunk, as parts."""
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

        # word block: unigrams (one entry per distinct pair) and bigrams (shared entries)
        uni = uni_of[d_id]
        has = uni >= 0
        u_doc, u_col = d_doc[has], uni[has]
        u_tf = np.log(d_n[has]) + 1.0
        u_val = u_tf * self.word_idf[u_col]
        squares = np.bincount(u_doc, u_val * u_val, minlength=n_docs)
        b_val = np.zeros(0)
        if bi_col.size:
            bkeys = bi_doc * self.n_word_features + bi_col
            np.add.at(feats, bkeys, 1.0)
            c = feats[bkeys]
            feats[bkeys] = 0.0
            tf_idf = (np.log(c) + 1.0) * self.word_idf[bi_col]
            b_val = tf_idf / c
            squares += np.bincount(bi_doc, b_val * tf_idf, minlength=n_docs)
        inverse = _inverse_norms(squares)
        no_source = np.zeros(0, dtype=np.int64)
        parts: list[Part] = [
            (u_doc, u_col, u_val, d_id[has] if sources else no_source, inverse),
            (bi_doc, bi_col, b_val,
             np.full(bi_doc.size, -1, dtype=np.int64) if sources else no_source, inverse),
        ]

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
                tf_idf = (np.log(c) + 1.0) * self.char_idf[grams]
                g_val = tf_idf * (g_w / c)
                scale = _inverse_norms(np.bincount(g_doc, g_val * tf_idf, minlength=n_docs))
                if self.char_weight != 1.0:
                    scale *= self.char_weight
                parts.append((g_doc, self.n_word_features + grams, g_val,
                              np.repeat(d_id, lengths) if sources else no_source, scale))
        return parts

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
                grams = cache[word] = self._gram_ids(word)
            extra.extend(grams)
            lengths.append(len(grams))
        indptr = np.concatenate([self.gram_indptr,
                                 self.gram_indptr[-1] + np.cumsum(lengths, dtype=np.int64)])
        return indptr, np.concatenate([self.gram_indices, np.array(extra, dtype=np.int64)])

    def _gram_ids(self, word: str) -> list[int]:
        """Indices (within the character block) of the known n-grams of ``word``."""
        if self.char_range is None:
            return []
        if self._char_id is None:
            self._char_id = {g: i for i, g in enumerate(self.chars)}
        get = self._char_id.get
        lo, hi = self.char_range
        return [i for i in map(get, char_ngrams(word, lo, hi)) if i is not None]

    # ------------------------------------------------------------------ names
    def word(self, word_id: int, oov: Sequence[str] = ()) -> str:
        """The word of a word id (ids from ``n_known`` on index ``oov``)."""
        return self.words[word_id] if word_id < self.n_known else oov[word_id - self.n_known]

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

    def bigram_name(self, col: int) -> str:
        """The "w1 w2" name of a bigram column."""
        key = int(self.bigram_keys[col - self.n_uni])
        return f"{self.words[key >> KEY_SHIFT]} {self.words[key & ((1 << KEY_SHIFT) - 1)]}"


def _inverse_norms(squares: np.ndarray) -> np.ndarray:
    """1 / sqrt(squares), 0 where a document has no entries."""
    norms = np.sqrt(squares)
    return np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
