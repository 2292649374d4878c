"""Dutch stemming shared by indexing and querying.

The full-text index keeps a shadow copy of every item's text in stemmed form, and a query
term is stemmed the same way, so "handhavers" finds "handhaving" and "gemeenten" finds
"gemeente". Both sides must call the functions here; when the rules change,
:data:`STEM_VERSION` changes too and storage rebuilds its stemmed index.

Choice of algorithm (measured on PyStemmer 3.1): Snowball ``dutch`` (the Kraaij-Pohlmann
style algorithm since Snowball 3) strips the ``ge-`` prefix, so "gemeente" becomes "meen"
and collides with "menen", and "schuld"/"schulden" split apart. Snowball ``dutch_porter``
keeps words recognisable but misses some plurals and the agent noun. We use
``dutch_porter`` with a few small, documented rules around it:

* before stemming: a possessive/plural ``'s`` is dropped ("boa's" → "boa"), and a plural
  ``-es`` loses its ``s`` for words of six letters or more ("boetes" → "boete",
  "organisaties" → "organisatie"), except stems that end in ``-es`` themselves (proces,
  adres, congres, ...);
* after stemming: the agent-noun ``-er`` is removed from stems of eight letters or more
  ("handhaver" → "handhav"; short words such as "meester" keep it, so it never meets
  "meest"), a final ``v``/``z`` becomes ``f``/``s`` as in Dutch spelling
  ("handhav" → "handhaf" = "handhaaf", "huiz" → "huis"), and a doubled final consonant is
  undoubled ("omgevingsplann" → "omgevingsplan").

Known, accepted collision (from dutch_porter's vowel undoubling): "raad" and "rad" share
the stem "rad". tests/test_stemming.py keeps the domain word families and the pairs that
must stay apart.

Text is lowercased and diacritics are folded first (like the FTS5 tokenizer
``unicode61 remove_diacritics 2``), and it is split into letters-and-digits tokens the
way that tokenizer splits it.
"""

from __future__ import annotations

import re
import unicodedata

import Stemmer

STEM_VERSION = f"dutch_porter+nr1/{Stemmer.version()}"
"""Identifies the stemming rules (our rules and the PyStemmer release); stored with the
index so a change triggers a rebuild. It must be the same in every process: it is a
plain value, never the repr of an object (that holds a memory address)."""

_STEMMER = Stemmer.Stemmer("dutch_porter")
_TOKEN = re.compile(r"[^\W_]+")
_COMBINING = re.compile(r"[\u0300-\u036f]")
_APOSTROPHE_S = re.compile(r"['’‘`]s\b")
_KEEP_ES = frozenset(
    {"proces", "adres", "congres", "exces", "succes", "abces", "kompres", "expres"}
)
# Fast path: for ASCII text, str.translate + split tokenizes ~4x faster than the regex.
_ASCII_SEPARATORS = str.maketrans({chr(i): " " for i in range(128) if not chr(i).isalnum()})
# Non-ASCII punctuation and spaces, each replaced by a space. A regex, not str.translate:
# on non-ASCII text translate takes its slow path, 14 times slower (74 vs 5 us for 1.2 KB).
_PUNCTUATION = re.compile("[’‘“”„‚–—―…•·«»‹›€£°§©®™\u00a0\u2009\u202f]")
_DOUBLED = re.compile(r"([bdfgklmnprst])\1$")
_CACHE: dict[str, str] = {}
_CACHE_MAX = 200_000


def fold(text: str) -> str:
    """Lowercase ``text`` and strip diacritics ("Financiële" → "financiele")."""
    text = text.lower()
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def _stem_word(word: str) -> str:
    """Stem one folded token (no cache)."""
    if len(word) >= 6 and word.endswith("es") and word not in _KEEP_ES:
        word = word[:-1]
    stem: str = _STEMMER.stemWord(word)
    if len(stem) >= 8 and stem.endswith("er"):
        stem = stem[:-2]
    if stem.endswith("v"):
        stem = stem[:-1] + "f"
    elif stem.endswith("z"):
        stem = stem[:-1] + "s"
    return _DOUBLED.sub(r"\1", stem)


def _split(folded: str) -> list[str]:
    if not folded.isascii():
        folded = _PUNCTUATION.sub(" ", folded)
        if not folded.isascii():
            return _TOKEN.findall(folded)
    return folded.translate(_ASCII_SEPARATORS).split()


def split_words(text: str) -> list[str]:
    """Fold ``text`` and split it into words the way FTS5's unicode61 tokenizer does
    (letters and digits are word characters, everything else separates)."""
    return _split(fold(text))


def tokens(text: str) -> list[str]:
    """Fold ``text`` and split it into words, dropping a trailing ``'s`` ("boa's" → "boa")."""
    text = fold(text)
    if "'" in text or not text.isascii():
        text = _APOSTROPHE_S.sub("", text)
    return _split(text)


def stem_words(text: str) -> list[str]:
    """Return the stems of all tokens of ``text``, in order (never an empty one).

    Stems are memoised per word (news vocabulary is small), which makes this a few times
    faster than stemming every token. Callers that need the stems themselves (ingest's
    vocabulary keys and topic keys) use this rather than splitting :func:`stem_text`.
    """
    words = tokens(text)
    try:
        return list(map(_CACHE.__getitem__, words))
    except KeyError:
        missing = set(words).difference(_CACHE)
        if len(_CACHE) + len(missing) > _CACHE_MAX:
            _CACHE.clear()
            missing = set(words)
        _CACHE.update(zip(missing, map(_stem_word, missing), strict=True))
        return list(map(_CACHE.__getitem__, words))


def stem_text(text: str) -> str:
    """Return the stems of all tokens of ``text``, separated by single spaces.

    This is what goes into the stemmed shadow columns of the full-text index.
    """
    return " ".join(stem_words(text))


def stem_term(term: str) -> str:
    """Stem one query term; a term that splits into several tokens ("e-bike") yields a
    space-separated sequence that storage searches as a phrase."""
    return stem_text(term)
