"""Dutch stemming: domain word families meet, unrelated words stay apart."""

from __future__ import annotations

import pytest

from nieuwsradar.stemming import fold, split_words, stem_term, stem_text, tokens

FAMILIES = [
    ("handhaving", "handhavers", "handhaver", "handhaven"),
    ("gemeente", "gemeenten", "gemeentes"),
    ("boa", "boa's", "BOA’s"),
    ("ondermijning", "ondermijnende", "ondermijnen"),
    ("omgevingsvergunning", "omgevingsvergunningen"),
    ("bodycam", "bodycams"),
    ("jeugdhulp", "Jeugdhulp"),
    ("drugslab", "drugslabs"),
    ("boete", "boetes"),
    ("controle", "controles"),
    ("omgevingsplan", "omgevingsplannen"),
    ("woning", "woningen"),
    ("proces", "processen"),
    ("adres", "adressen"),
    ("huis", "huizen"),
    ("overtreder", "overtreders"),
    ("financiële", "Financiele"),
]

# Pairs that a careless stemmer merges (Snowball "dutch" turns gemeente into "meen").
APART = [
    ("gemeente", "menen"),
    ("gemeente", "meen"),
    ("handhaving", "hand"),
    ("meester", "meest"),
    ("water", "wat"),
    ("drugslab", "drugs"),
    ("bodycam", "body"),
    ("wijk", "wijkagent"),
]


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f[0])
def test_word_family_shares_one_stem(family: tuple[str, ...]) -> None:
    stems = {stem_term(word) for word in family}
    assert len(stems) == 1, dict(zip(family, map(stem_term, family), strict=True))


@pytest.mark.parametrize(("a", "b"), APART)
def test_unrelated_words_keep_different_stems(a: str, b: str) -> None:
    assert stem_term(a) != stem_term(b)


def test_stem_text_stems_every_token_in_order() -> None:
    text = "De Handhavers van de gemeenten vonden drugslabs."
    assert stem_text(text) == " ".join(stem_term(w) for w in text.rstrip(".").split())


def test_tokens_split_like_unicode61_and_drop_apostrophe_s() -> None:
    assert split_words("E-bike, C&A om 12:30 bij boa's") == [
        "e", "bike", "c", "a", "om", "12", "30", "bij", "boa", "s"]
    assert tokens("boa's en auto’s") == ["boa", "en", "auto"]


def test_fold_lowercases_and_strips_diacritics() -> None:
    assert fold("Financiële Ideeën ÇA") == "financiele ideeen ca"


def test_empty_and_punctuation_only_text() -> None:
    assert stem_text("") == ""
    assert stem_text("(( -- ** \x00") == ""
