"""Model input text: how a title and body become the string the classifier reads.

:func:`item_text` is the single place that builds model input, so training, the CLI and
ingest all feed the model exactly the same thing; :func:`feed_length` and
:func:`title_only` make the shortened forms feeds deliver (training learns from them and
the evaluation reports them). Tokenizing that string is the feature transform's job
(:func:`nieuwsradar.classify.features.feature_tokens`).
"""

from __future__ import annotations

#: Body characters the model reads. The lead of a news item carries its subject; reading
#: more costs time (ingest classifies every new item) and adds little signal.
MAX_BODY_CHARS = 2000

#: Body characters of a feed-length item: feeds deliver a title plus a sentence or two.
FEED_CHARS = 300

#: Model input shorter than this (in characters) counts as short: a title with at most a
#: sentence or two. Short input gets its own thresholds (tuned on short input), because a
#: short text has fewer features and so less extreme scores than a full article.
SHORT_CHARS = 600

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


def item_text(title: str, text: str) -> str:
    """Build the classifier input for one item from its title and plain-text body.

    The title is repeated :data:`TITLE_REPEAT` times (it names the subject) and the body is
    cut at a word boundary after :data:`MAX_BODY_CHARS` characters so very long items cost
    no more than an average one. Whitespace is collapsed. Both parts may be empty.
    """
    title = " ".join((title or "").split())
    body = " ".join(cut(text or "", MAX_BODY_CHARS).split())
    parts = [title] * TITLE_REPEAT if title else []
    if body:
        parts.append(body)
    return " . ".join(parts)


def cut(text: str, limit: int) -> str:
    """``text`` cut at the last space within its first ``limit`` characters (at ``limit``
    itself when no space lies in the last 200 characters before it)."""
    if len(text) <= limit:
        return text
    space = text.rfind(" ", max(limit - 200, 0), limit)
    return text[: space if space > 0 else limit]


def feed_length(title: str, text: str) -> str:
    """Model input for the item as a summary-only feed delivers it: the title and the
    first :data:`FEED_CHARS` characters of the body."""
    return item_text(title, cut(text or "", FEED_CHARS))


def title_only(title: str, text: str) -> str:
    """Model input for the item as a title-only feed delivers it."""
    return item_text(title, "")


#: The forms of an item the model is trained on and measured in, by name.
FORMS = {"full": item_text, "feed": feed_length, "title": title_only}


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

