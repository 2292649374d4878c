"""Near-duplicate detection and story clustering (pure: no I/O, no database).

The same press release published by VNG, Binnenlands Bestuur and a gemeente site should
become one story with three sources, while two different stories on the same topic must
stay apart even when they share boilerplate. The method:

1. :func:`shingles`: the text is normalised (NFKC, case-folded, split on word
   characters) and cut into overlapping word 3-shingles, each hashed to 64 bits with a
   stable hash (crc32 per word, mixed in numpy; never Python's salted ``hash()``).
2. :func:`signature`: a 128-value MinHash of those shingles, computed as one numpy array
   operation (~40 µs for an 80-word text; datasketch's per-shingle update takes ~140 µs).
   The permutations come from a fixed seed, so a signature stored today matches one
   computed by another process next year. Texts under :data:`MIN_WORDS` words get the
   empty signature, which never matches ("Meer informatie" stubs must not merge).
3. :class:`StoryIndex`: LSH banding over recent signatures finds candidates whose
   Jaccard similarity is likely above ``threshold``; each candidate is then verified
   from the full signatures: the estimated Jaccard, or the estimated containment of the
   smaller text in the larger (an edited intro or an extra paragraph lowers Jaccard much
   more than containment), must reach ``verify_threshold``. The set sizes needed for
   containment are themselves estimated from the signatures (the minima of k uniform
   hashes tell the size of the set), so nothing but the signature has to be stored.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = [
    "MIN_WORDS",
    "NUM_PERM",
    "SIGNATURE_BYTES",
    "StoryIndex",
    "empty_signature",
    "is_empty",
    "shingles",
    "signature",
    "signature_bytes",
    "signature_from_bytes",
    "signature_matrix",
    "signatures",
]

Signature = npt.NDArray[np.uint32]

NUM_PERM = 128
"""Number of MinHash permutations (values in a signature)."""
MIN_WORDS = 8
"""Texts with fewer words get the empty signature and never match anything."""
SIGNATURE_BYTES = NUM_PERM * 4
"""Size of :func:`signature_bytes` output (little-endian uint32 values)."""

_WORDS = re.compile(r"\w+")
_M64 = (1 << 64) - 1
_EMPTY_VALUE = np.uint32(0xFFFFFFFF)
_CHUNK = 2048  # shingles per array step: bounds memory for very long texts
_U64 = np.uint64
_K1, _K2 = _U64(0x9E3779B97F4A7C15), _U64(0xC2B2AE3D27D4EB4F)
_MIX1, _MIX2 = _U64(0xBF58476D1CE4E5B9), _U64(0x94D049BB133111EB)
_S27, _S30, _S31, _S32 = _U64(27), _U64(30), _U64(31), _U64(32)


def _splitmix64(count: int, seed: int) -> list[int]:
    """``count`` pseudo-random 64-bit integers from ``seed`` (SplitMix64: fixed forever,
    unlike numpy's generators, whose streams may change between numpy versions)."""
    out = []
    state = seed
    for _ in range(count):
        state = (state + 0x9E3779B97F4A7C15) & _M64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
        out.append(z ^ (z >> 31))
    return out


# Permutation i maps a shingle hash x to the high 32 bits of (a_i * x + b_i) mod 2**64
# (multiply-shift hashing); the a_i are odd so each map is a bijection on 64-bit values.
_PERM_A = np.array([v | 1 for v in _splitmix64(NUM_PERM, 0x6E69657577)], dtype=np.uint64)
_PERM_B = np.array(_splitmix64(NUM_PERM, 0x7261646172), dtype=np.uint64)
# Odd multipliers that mix the values of one LSH band into one bucket key.
_BAND_MIX = np.array([v | 1 for v in _splitmix64(NUM_PERM, 0x62616E64)], dtype=np.uint64)


def _words(text: str) -> list[str]:
    return _WORDS.findall(unicodedata.normalize("NFKC", text).casefold())


def _shingle_hashes(words: list[str]) -> npt.NDArray[np.uint64]:
    """64-bit hashes of the word 3-shingles (empty for fewer than three words)."""
    if len(words) < 3:
        return np.empty(0, dtype=np.uint64)
    h = np.array([zlib.crc32(w.encode()) for w in words], dtype=np.uint64)
    x = h[:-2] * _K1 + h[1:-1] * _K2 + h[2:]
    # SplitMix64 finaliser: spreads the combined word hashes over all 64 bits.
    x ^= x >> _S30
    x *= _MIX1
    x ^= x >> _S27
    x *= _MIX2
    x ^= x >> _S31
    return x


def shingles(text: str) -> set[int]:
    """The hashed word 3-shingles of ``text`` (stable across processes and versions).

    Empty for texts of fewer than three words.
    """
    return set(_shingle_hashes(_words(text)).tolist())


def empty_signature() -> Signature:
    """The signature of a text too short to compare: it never matches anything."""
    return np.full(NUM_PERM, _EMPTY_VALUE, dtype=np.uint32)


def signature(text: str) -> Signature:
    """The 128-value MinHash signature (uint32) of ``text``'s word 3-shingles.

    Texts with fewer than :data:`MIN_WORDS` words get :func:`empty_signature`.
    """
    return signatures([text])[0]


def signatures(texts: Sequence[str]) -> npt.NDArray[np.uint32]:
    """:func:`signature` of each text, as the rows of one array.

    The shingles of many texts go through the permutations together (one array operation
    per block of about :data:`_CHUNK` shingles, minima per text with ``reduceat``), which
    is several times cheaper than one call per text for short texts such as a feed's items.
    """
    out = np.full((len(texts), NUM_PERM), _EMPTY_VALUE, dtype=np.uint32)
    rows: list[int] = []
    hashes: list[npt.NDArray[np.uint64]] = []
    for row, text in enumerate(texts):
        words = _words(text)
        if len(words) >= MIN_WORDS:
            rows.append(row)
            hashes.append(_shingle_hashes(words))
    start = 0
    while start < len(rows):
        stop, size = start, 0
        while stop < len(rows) and (stop == start or size + len(hashes[stop]) <= _CHUNK):
            size += len(hashes[stop])
            stop += 1
        block = hashes[start:stop]
        if len(block) == 1 and len(block[0]) > _CHUNK:  # one long text: in chunks
            mins = _long_minima(block[0])[None, :]
        else:
            offsets = np.cumsum([0] + [len(h) for h in block[:-1]])
            part = np.concatenate(block)[:, None] * _PERM_A
            part += _PERM_B
            mins = np.minimum.reduceat(part, offsets, axis=0)
        out[rows[start:stop]] = (mins >> _S32).astype(np.uint32)
        start = stop
    return out


def _long_minima(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """Per-permutation minima of one long text's shingle hashes, in bounded memory."""
    mins: npt.NDArray[np.uint64] | None = None
    for start in range(0, len(x), _CHUNK):
        part = x[start:start + _CHUNK, None] * _PERM_A
        part += _PERM_B
        low = part.min(axis=0)
        mins = low if mins is None else np.minimum(mins, low)
    assert mins is not None  # MIN_WORDS >= 3 guarantees at least one shingle
    return mins


def is_empty(sig: Signature) -> bool:
    """True for the signature of a too-short text."""
    # A real minimum equals 0xFFFFFFFF with probability ~n / 2**32: test one value first.
    return bool(sig[0] == _EMPTY_VALUE and (sig == _EMPTY_VALUE).all())


def signature_bytes(sig: Signature) -> bytes:
    """The signature as :data:`SIGNATURE_BYTES` little-endian bytes, for storage."""
    return np.asarray(sig, dtype="<u4").tobytes()


def signature_matrix(stored: Sequence[bytes]) -> npt.NDArray[np.uint32]:
    """Signatures written by :func:`signature_bytes` as the rows of one array."""
    if any(len(data) != SIGNATURE_BYTES for data in stored):
        raise ValueError(f"a stored signature must be {SIGNATURE_BYTES} bytes; recompute it "
                         "with dedupe.signature(text)")
    joined = np.frombuffer(b"".join(stored), dtype="<u4").astype(np.uint32)
    return joined.reshape(len(stored), NUM_PERM)


def signature_from_bytes(data: bytes) -> Signature:
    """Read a signature written by :func:`signature_bytes`."""
    if len(data) != SIGNATURE_BYTES:
        raise ValueError(
            f"a stored signature must be {SIGNATURE_BYTES} bytes ({NUM_PERM} uint32 values), "
            f"got {len(data)}; recompute it with dedupe.signature(text)"
        )
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)


def _exponentials(sig: Signature) -> npt.NDArray[np.float32]:
    """-ln(1 - u) of each signature value u (scaled to [0, 1)).

    Each value is the minimum of n uniform hashes, so these are exponential with rate n and
    (k - 1) / sum estimates n, the number of distinct shingles (relative error ~9 % for
    k = 128). The transform is monotonic, so the element-wise minimum of two transformed
    signatures is the transformed signature of the union of the two texts.
    """
    u = (sig.astype(np.float64) + 0.5) / 2.0**32
    return np.asarray(-np.log1p(-u), dtype=np.float32)


def _banding(threshold: float) -> tuple[int, int]:
    """(bands, rows) of the strictest LSH banding whose candidate threshold
    (1/bands)**(1/rows) is at or below ``threshold``: favours recall, verification then
    restores precision."""
    best = (NUM_PERM, 1)
    for rows in range(1, NUM_PERM + 1):
        bands = NUM_PERM // rows
        if (1 / bands) ** (1 / rows) <= threshold:
            best = (bands, rows)
    return best


class StoryIndex:
    """In-memory LSH index of recent items; the caller loads recent signatures from storage.

    Typical use for each new item: ``cid = index.match(sig)``; when it is None start a new
    story (cluster) ``cid``; then ``index.add(item_id, cid, sig)``.
    """

    def __init__(self, *, threshold: float = 0.5, verify_threshold: float = 0.7) -> None:
        if not 0 < threshold <= verify_threshold <= 1:
            raise ValueError(
                "need 0 < threshold <= verify_threshold <= 1, got "
                f"threshold={threshold}, verify_threshold={verify_threshold}"
            )
        self.threshold = threshold
        self.verify_threshold = verify_threshold
        self.bands, self.rows = _banding(threshold)
        # Per band: bucket key → the latest row with that key. Keeping one row per key
        # (not all) lets a whole batch be indexed with dict.update; older rows with the
        # same band values are near-duplicates of the latest, and other bands still
        # point at them.
        self._buckets: list[dict[int, int]] = [{} for _ in range(self.bands)]
        self._sigs = np.empty((64, NUM_PERM), dtype=np.uint32)
        self._exps = np.empty((64, NUM_PERM), dtype=np.float32)
        self._sizes = np.empty(64, dtype=np.float64)
        self._item_ids: list[int] = []
        self._cluster_ids: list[int] = []

    def __len__(self) -> int:
        return len(self._item_ids)

    def add(self, item_id: int, cluster_id: int, sig: Signature) -> None:
        """Index an item's signature under its story; empty signatures are not indexed."""
        self.add_many([item_id], [cluster_id], np.asarray(sig, dtype=np.uint32)[None, :])

    def add_many(self, item_ids: Sequence[int], cluster_ids: Sequence[int],
                 sigs: npt.NDArray[np.uint32]) -> None:
        """Index many signatures (one row each) at once; empty ones are skipped."""
        keep = ~(sigs == _EMPTY_VALUE).all(axis=1)
        if not keep.all():
            sigs = sigs[keep]
            item_ids = [i for i, k in zip(item_ids, keep, strict=True) if k]
            cluster_ids = [c for c, k in zip(cluster_ids, keep, strict=True) if k]
        count = len(sigs)
        if not count:
            return
        first = len(self._item_ids)
        while first + count > len(self._sigs):
            self._sigs = np.concatenate([self._sigs, np.empty_like(self._sigs)])
            self._exps = np.concatenate([self._exps, np.empty_like(self._exps)])
            self._sizes = np.concatenate([self._sizes, np.empty_like(self._sizes)])
        exps = _exponentials(sigs)
        self._sigs[first:first + count] = sigs
        self._exps[first:first + count] = exps
        self._sizes[first:first + count] = (NUM_PERM - 1) / exps.sum(axis=1, dtype=np.float64)
        self._item_ids.extend(item_ids)
        self._cluster_ids.extend(cluster_ids)
        rows = range(first, first + count)
        for bucket, keys in zip(self._buckets, self._band_keys(sigs).T.tolist(), strict=True):
            bucket.update(zip(keys, rows, strict=True))

    def match(self, sig: Signature) -> int | None:
        """The cluster id of the most similar verified near-duplicate, or None.

        A candidate is verified when its estimated Jaccard similarity, or the estimated
        containment of the smaller text in the larger, reaches ``verify_threshold``.
        """
        return self.match_many(np.asarray(sig, dtype=np.uint32)[None, :])[0]

    def match_many(self, sigs: npt.NDArray[np.uint32]) -> list[int | None]:
        """:meth:`match` for each row of ``sigs`` (the index is not changed)."""
        found: list[int | None] = [None] * len(sigs)
        if not self._item_ids or not len(sigs):
            return found
        keys = self._band_keys(sigs).T.tolist()
        hits = [list(map(bucket.get, band_keys))
                for bucket, band_keys in zip(self._buckets, keys, strict=True)]
        for n, row_hits in enumerate(zip(*hits, strict=True)):
            candidates = set(row_hits)
            candidates.discard(None)
            if candidates and not is_empty(sigs[n]):
                found[n] = self._verify(sigs[n], candidates)
        return found

    def _verify(self, sig: Signature, candidates: set[int]) -> int | None:
        idx = np.fromiter(candidates, dtype=np.intp, count=len(candidates))
        jaccard = np.count_nonzero(self._sigs[idx] == sig, axis=1) / NUM_PERM
        best = int(jaccard.argmax())
        if jaccard[best] >= self.verify_threshold:
            return self._cluster_ids[int(idx[best])]
        containment = self._containment(sig, idx, jaccard)
        best = int(containment.argmax())
        if containment[best] >= self.verify_threshold:
            return self._cluster_ids[int(idx[best])]
        return None

    def _band_keys(self, sigs: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint64]:
        """One 64-bit bucket key per band and row: the band's values mixed together.

        Two bands with equal values always share a key; a rare collision of different
        bands only adds a candidate, which verification then rejects.
        """
        bands = sigs[:, :self.bands * self.rows].reshape(len(sigs), self.bands, self.rows)
        mixed = (bands.astype(np.uint64) * _BAND_MIX[:self.rows]).sum(axis=2, dtype=np.uint64)
        mixed ^= mixed >> _S31
        return mixed

    def _containment(
        self, sig: Signature, idx: npt.NDArray[np.intp], jaccard: npt.NDArray[np.float64],
    ) -> npt.NDArray[np.float64]:
        """Estimated |A ∩ B| / min(|A|, |B|) of ``sig`` against the rows ``idx``."""
        exps = _exponentials(sig)
        union = (NUM_PERM - 1) / np.minimum(self._exps[idx], exps).sum(axis=1, dtype=np.float64)
        size = (NUM_PERM - 1) / float(exps.sum())
        smaller = np.minimum(self._sizes[idx], size)
        return np.asarray(np.minimum(jaccard * union / smaller, 1.0), dtype=np.float64)
