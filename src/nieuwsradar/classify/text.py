"""Model input text: how a title and body become the string the classifier reads.

:func:`item_text` is the single place that builds model input, so training, the CLI and
ingest all feed the model exactly the same thing. :func:`tokenize` is the single place that
turns that string into word tokens (lower-cased, diacritics folded, Dutch stop words,
single letters and bare numbers dropped).
"""

from __future__ import annotations

import unicodedata

#: Body characters the model reads. The lead of a news item carries its subject; reading
#: more costs time (ingest classifies every new item) and adds little signal.
MAX_BODY_CHARS = 2000

#: How often the title is repeated in the model input: the title names the subject, so it
#: weighs more than a sentence of body text.
TITLE_REPEAT = 2


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


#: ASCII letters and digits stay (lower-cased), everything else becomes a space.
ASCII_TABLE = str.maketrans({
    chr(c): (chr(c).lower() if chr(c).isalnum() else " ") for c in range(128)
})


def raw_tokens(text: str) -> list[str]:
    """Lower-cased ASCII word tokens, diacritics folded, stop words and numbers kept.

    Accents are dropped via NFKD ("cliënt" gives "client"), other non-ASCII characters
    are dropped, apostrophes and ASCII punctuation separate tokens ("boa’s" gives "boa",
    "s"). Only C-level string methods are used because ingest tokenizes every item.
    """
    if not text.isascii():
        text = text.replace("\u2019", " ").replace("\u2018", " ")
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return text.translate(ASCII_TABLE).split()


def is_feature_token(token: str) -> bool:
    """False for stop words, single letters and bare numbers: they carry no domain."""
    return token not in STOP_WORDS and not token.isdigit()


def item_text(title: str, text: str) -> str:
    """Build the classifier input for one item from its title and plain-text body.

    The title is repeated :data:`TITLE_REPEAT` times (it names the subject) and the body is
    cut at a word boundary after :data:`MAX_BODY_CHARS` characters so very long items cost
    no more than an average one. Whitespace is collapsed. Both parts may be empty.
    """
    title = " ".join((title or "").split())
    body = text or ""
    if len(body) > MAX_BODY_CHARS:
        cut = body.rfind(" ", MAX_BODY_CHARS - 200, MAX_BODY_CHARS)
        body = body[: cut if cut > 0 else MAX_BODY_CHARS]
    body = " ".join(body.split())
    parts = [title] * TITLE_REPEAT if title else []
    if body:
        parts.append(body)
    return " . ".join(parts)


def tokenize(text: str) -> list[str]:
    """Word tokens the model uses: :func:`raw_tokens` without stop words, single letters
    and bare numbers ("13b" stays, "2024" goes)."""
    return [t for t in raw_tokens(text) if is_feature_token(t)]


def char_ngrams(word: str, lo: int, hi: int) -> list[str]:
    """Character n-grams of one word padded with spaces, like scikit-learn's ``char_wb``."""
    padded = f" {word} "
    size = len(padded)
    grams: list[str] = []
    for n in range(lo, hi + 1):
        if n > size:
            break
        grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return grams


def split_lines(joined: str) -> list[str]:
    """Inverse of ``"\\n".join`` (stored vocabularies) that maps "" to an empty list."""
    return joined.split("\n") if joined else []

