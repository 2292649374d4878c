"""Near-duplicate detection: signatures, storage round trip and story clustering."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nieuwsradar.dedupe import (
    MIN_WORDS,
    NUM_PERM,
    SIGNATURE_BYTES,
    StoryIndex,
    is_empty,
    shingles,
    signature,
    signature_bytes,
    signature_from_bytes,
)

PERSBERICHT = (
    "De gemeente Tilburg sluit per direct een woning aan de Ringbaan-Oost voor de duur van "
    "drie maanden. Bij een doorzoeking door de politie op 12 februari werden ruim twee kilo "
    "harddrugs, een weegschaal en een grote hoeveelheid contant geld aangetroffen. "
    "Burgemeester Weterings heeft daarop besloten de woning te sluiten op grond van artikel "
    "13b van de Opiumwet. Volgens de burgemeester vormt de handel in drugs vanuit woningen "
    "een ernstige bedreiging voor de veiligheid en leefbaarheid in de wijk. Omwonenden "
    "hadden eerder al meldingen gedaan van overlast en verdachte bezoekjes op late uren."
)
BOILERPLATE = (
    "Vermoedt u ondermijning of drugshandel in uw buurt? Meld het dan anoniem bij Meld "
    "Misdaad Anoniem via 0800-7000 of bel de politie via 0900-8844. Bij spoed belt u altijd "
    "112. Samen houden we de stad veilig."
)
ANDER_VERHAAL = (
    "Gemeente Breda heeft een loods op een bedrijventerrein aan de Minervum gesloten nadat "
    "toezichthouders een illegale hennepkwekerij met meer dan vijfhonderd planten ontdekten. "
    "De eigenaar van het pand krijgt een last onder dwangsom en moet de stroomvoorziening "
    "laten herstellen. De burgemeester wijst erop dat verhuurders van bedrijfspanden zelf "
    "verantwoordelijk zijn voor controle op hun huurders."
)


def indexed(*texts: str) -> StoryIndex:
    """An index with each text as its own story (cluster id = position + 1)."""
    index = StoryIndex()
    for i, text in enumerate(texts, start=1):
        index.add(i, i, signature(text))
    return index


def test_signature_shape_dtype_and_determinism() -> None:
    sig = signature(PERSBERICHT)
    assert sig.shape == (NUM_PERM,) and sig.dtype == np.uint32
    assert np.array_equal(sig, signature(PERSBERICHT))
    assert not is_empty(sig)


def test_signature_is_stable_across_processes() -> None:
    """No salted hash(): another interpreter (other PYTHONHASHSEED) gives the same values."""
    code = ("from nieuwsradar.dedupe import signature, shingles; import sys; "
            "t = sys.stdin.read(); print(signature(t).tolist()); print(sorted(shingles(t))[:5])")
    out = subprocess.run([sys.executable, "-c", code], input=PERSBERICHT, capture_output=True,
                         text=True, check=True, env={"PYTHONHASHSEED": "12345"}).stdout
    sig_line, shingle_line = out.splitlines()
    assert sig_line == str(signature(PERSBERICHT).tolist())
    assert shingle_line == str(sorted(shingles(PERSBERICHT))[:5])


def test_signature_values_are_pinned() -> None:
    """Stored signatures must stay comparable: changing the hashing breaks every database."""
    sig = signature("een twee drie vier vijf zes zeven acht negen tien")
    assert sig[:4].tolist() == [115154804, 998055848, 50062886, 1046280080]
    assert sorted(shingles("een twee drie vier")) == [1196715809591872601, 4181359936831630899]


def test_normalisation_ignores_case_punctuation_and_unicode_form() -> None:
    shouting = PERSBERICHT.upper().replace(".", " !! ")
    assert np.array_equal(signature(shouting), signature(PERSBERICHT))
    composed, decomposed = "Café " * 3 + PERSBERICHT, "Cafe\u0301 " * 3 + PERSBERICHT
    assert np.array_equal(signature(composed), signature(decomposed))


def test_shingles_are_word_trigrams() -> None:
    assert len(shingles("a b c d e")) == 3
    assert shingles("a b c") == shingles("A, b; c!")
    assert shingles("a b") == set()
    assert shingles("a b c") != shingles("c b a")


def test_signature_bytes_round_trip_and_validation() -> None:
    sig = signature(PERSBERICHT)
    raw = signature_bytes(sig)
    assert len(raw) == SIGNATURE_BYTES
    assert np.array_equal(signature_from_bytes(raw), sig)
    with pytest.raises(ValueError, match=f"must be {SIGNATURE_BYTES} bytes"):
        signature_from_bytes(raw[:-4])


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=0, max_size=400))
def test_equal_texts_give_equal_signatures(text: str) -> None:
    first, second = signature(text), signature(str(text))
    assert np.array_equal(first, second)
    assert np.array_equal(signature_from_bytes(signature_bytes(first)), first)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["gemeente", "boa", "toezicht", "wijk", "pand", "drugs",
                                 "sluiting", "burgemeester", "raad", "zorg"]),
                min_size=MIN_WORDS, max_size=60))
def test_a_text_always_matches_its_own_story(words: list[str]) -> None:
    text = " ".join(words)
    index = indexed(text)
    assert index.match(signature(text)) == 1


def test_exact_copy_matches() -> None:
    assert indexed(ANDER_VERHAAL, PERSBERICHT).match(signature(PERSBERICHT)) == 2


def test_copy_with_edited_intro_matches() -> None:
    edited = ("TILBURG - Een drugspand in Tilburg gaat dicht, zo maakte de gemeente "
              "dinsdag bekend." + PERSBERICHT.split(".", 1)[1])
    assert indexed(ANDER_VERHAAL, PERSBERICHT).match(signature(edited)) == 2


def test_copy_with_extra_paragraph_matches() -> None:
    longer = (PERSBERICHT + " De woning is eigendom van een woningcorporatie, die de "
              "huurovereenkomst inmiddels heeft opgezegd. Het is de vierde woningsluiting in "
              "Tilburg dit jaar. " + BOILERPLATE)
    assert indexed(ANDER_VERHAAL, PERSBERICHT).match(signature(longer)) == 2


def test_different_stories_with_shared_boilerplate_do_not_match() -> None:
    index = indexed(PERSBERICHT + " " + BOILERPLATE)
    assert index.match(signature(ANDER_VERHAAL + " " + BOILERPLATE)) is None
    assert index.match(signature(ANDER_VERHAAL)) is None


def test_short_texts_never_match() -> None:
    stub = "Meer informatie leest u op onze website."
    assert len(stub.split()) < MIN_WORDS
    assert is_empty(signature(stub)) and is_empty(signature(""))
    index = indexed(stub, PERSBERICHT)
    assert len(index) == 1  # the stub was not indexed
    assert index.match(signature(stub)) is None


def test_best_cluster_wins_when_several_candidates_verify() -> None:
    index = StoryIndex()
    index.add(1, 10, signature(PERSBERICHT + " " + BOILERPLATE))
    index.add(2, 20, signature(PERSBERICHT))
    assert index.match(signature(PERSBERICHT)) == 20


def test_long_texts_are_hashed_in_chunks_with_the_same_result() -> None:
    long_text = " ".join(f"woord{i}" for i in range(10_000))
    sig = signature(long_text)
    assert not is_empty(sig)
    index = indexed(long_text)
    assert index.match(sig) == 1


def test_index_grows_and_banding_follows_threshold() -> None:
    texts = [f"bericht {i} " + " ".join(f"w{i}x{j}" for j in range(20)) for i in range(200)]
    index = indexed(*texts)
    assert len(index) == 200
    assert all(index.match(signature(t)) == i for i, t in enumerate(texts, start=1))
    assert (index.bands, index.rows) == (32, 4)
    strict = StoryIndex(threshold=0.8, verify_threshold=0.9)
    assert (1 / strict.bands) ** (1 / strict.rows) <= 0.8 and strict.rows > 4
    with pytest.raises(ValueError, match="verify_threshold"):
        StoryIndex(threshold=0.8, verify_threshold=0.5)
