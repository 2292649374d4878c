"""Model input text: how a title and body become the string the classifier reads.

:func:`item_text` is the single place that builds model input, so training, the CLI and
ingest all feed the model exactly the same thing. :func:`tokenize` is the single place that
turns that string into word tokens (lower-cased, diacritics folded, Dutch stop words,
single letters and bare numbers dropped).
"""

from __future__ import annotations

import re
import unicodedata

#: Body characters the model reads. The lead of a news item carries its subject; reading
#: more costs time (ingest classifies every new item) and adds little signal.
MAX_BODY_CHARS = 2000

#: How often the title is repeated in the model input: the title names the subject, so it
#: weighs more than a sentence of body text.
TITLE_REPEAT = 2

_WORD_RE = re.compile(r"\d*[^\W\d_]\w*")
_SPACE_RE = re.compile(r"\s+")

#: Standard Dutch function words (the Snowball list) plus single letters. Domain words such
#: as "gemeente" are deliberately not here: they are features, not noise.
_STOP_WORDS_TEXT = """
    aan al alles als altijd andere ben bij daar dan dat de der deze die dit doch doen door dus
    een eens en er ge geen geweest haar had heb hebben heeft hem het hier hij hoe hun iemand
    iets ik in is ja je kan kon kunnen maar me meer men met mij mijn moet na naar niet niets
    nog nu of om omdat onder ons ook op over reeds te tegen toch toen tot u uit uw van veel
    voor want waren was wat werd wezen wie wil worden wordt zal ze zelf zich zij zijn zo
    zonder zou
    a b c d e f g h i j k l m n o p q r s t u v w x y z
"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORDS_TEXT.split())


def _fold_table() -> dict[int, str]:
    """Map every accented Latin letter in Latin-1/Latin Extended-A to its base letter."""
    table: dict[int, str] = {}
    for code in range(0xC0, 0x180):
        base = unicodedata.normalize("NFKD", chr(code))[0]
        if base.isascii() and base.isalpha() and base != chr(code):
            table[code] = base
    table.update({ord("’"): "'", ord("‘"): "'"})
    return table


_FOLD = _fold_table()
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")


def _fold(match: re.Match[str]) -> str:
    """Replacement for one non-ASCII character: its base letter, or itself."""
    char = match.group()
    return _FOLD.get(ord(char), char)


def item_text(title: str, text: str) -> str:
    """Build the classifier input for one item from its title and plain-text body.

    The title is repeated :data:`TITLE_REPEAT` times (it names the subject) and the body is
    cut at a word boundary after :data:`MAX_BODY_CHARS` characters so very long items cost
    no more than an average one. Whitespace is collapsed. Both parts may be empty.
    """
    title = _SPACE_RE.sub(" ", title or "").strip()
    body = text or ""
    if len(body) > MAX_BODY_CHARS:
        cut = body.rfind(" ", MAX_BODY_CHARS - 200, MAX_BODY_CHARS)
        body = body[: cut if cut > 0 else MAX_BODY_CHARS]
    body = _SPACE_RE.sub(" ", body).strip()
    parts = [title] * TITLE_REPEAT if title else []
    if body:
        parts.append(body)
    return " . ".join(parts)


def tokenize(text: str) -> list[str]:
    """Split model input into lower-cased, diacritic-folded word tokens without stop words.

    A token contains at least one letter ("13b" stays, "2024" goes); "boa's" gives "boa".
    """
    text = text.lower()
    if not text.isascii():
        text = _NON_ASCII_RE.sub(_fold, text)
    stop = STOP_WORDS
    return [t for t in _WORD_RE.findall(text) if t not in stop]
