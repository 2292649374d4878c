"""Tests of the domain classifier package (small models trained here, real files)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import zipfile
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import make_union

from nieuwsradar.classify import (
    DEFAULT_CONFIG,
    DEFAULT_TOPICS,
    SEED_LABELS,
    DomainModel,
    Example,
    Taxonomy,
    Topic,
    check_labels,
    evaluate,
    item_text,
    load_corpus,
    load_model,
    load_seed_devset,
    load_taxonomy,
    merge_examples,
    train_model,
)
from nieuwsradar.classify.evaluate import report_from_matrices
from nieuwsradar.classify.features import FeatureSpace, feature_tokens
from nieuwsradar.classify.model import FORMAT_VERSION, read_meta
from nieuwsradar.classify.text import (
    FEED_CHARS,
    MAX_BODY_CHARS,
    TITLE_REPEAT,
    char_ngrams,
    feed_length,
    title_only,
)
from nieuwsradar.classify.train import (
    THRESHOLD_MAX,
    THRESHOLD_MIN,
    feature_matrix,
    fit,
    tune_thresholds,
)
from nieuwsradar.config import DEFAULT_MODEL
from nieuwsradar.errors import ConfigError, InputError, ModelError

REPO = Path(__file__).resolve().parents[1]
SHARED_SEEDS = REPO.parent / "shared" / "seeds"
LABELS = ("handhaving", "ondermijning", "sociaal domein", "omgevingswet")

VOCAB = {
    "handhaving": ["boa", "handhavers", "parkeerboete", "overlast", "APV", "bodycam",
                   "dwangsom", "toezichthouder", "cameratoezicht", "afvaldumping"],
    "ondermijning": ["drugslab", "witwassen", "hennepkwekerij", "Bibob", "RIEC",
                     "mensenhandel", "ondermijning", "criminele", "Opiumwet", "drugsafval"],
    "sociaal domein": ["jeugdhulp", "Wmo", "bijstand", "schuldhulpverlening", "armoede",
                       "mantelzorg", "cliëntondersteuning", "Participatiewet", "jeugdwet",
                       "maatschappelijke"],
    "omgevingswet": ["omgevingsplan", "Omgevingswet", "omgevingsvergunning", "DSO",
                     "bestemmingsplan", "omgevingsdienst", "omgevingsvisie", "Wkb",
                     "vergunningverlening", "ruimtelijke"],
}
FILLER = ["gemeente", "wethouder", "raad", "college", "inwoners", "bericht", "week", "plan",
          "besluit", "regio", "samen", "nieuwe", "aanpak", "jaar", "project", "begroting",
          "sport", "cultuur", "verkiezingen", "onderwijs"]


def make_examples(n_per_label: int = 14, seed: int = 1) -> list[Example]:
    """A small separable multi-label corpus: domain words mixed with filler."""
    rng = random.Random(seed)
    examples: list[Example] = []
    combos = [(label,) for label in LABELS] + [()] + [("handhaving", "ondermijning")]
    for combo in combos:
        for i in range(n_per_label):
            words = [w for label in combo for w in rng.sample(VOCAB[label], 4)]
            words += rng.sample(FILLER, 8)
            rng.shuffle(words)
            title = " ".join(words[:5])
            examples.append(Example(f"{'-'.join(combo) or 'overig'}-{i}", title,
                                    " ".join(words) + ".", combo))
    return examples


TAXONOMY = Taxonomy(tuple(Topic(label, label, "") for label in LABELS))


@pytest.fixture(scope="module")
def trained() -> tuple[DomainModel, object]:
    return train_model(make_examples(), TAXONOMY, cv_folds=3, seed=0)


# --- text -----------------------------------------------------------------------------------

def test_item_text_repeats_title_and_truncates_long_bodies() -> None:
    text = item_text("Boa's krijgen bodycams", "woord " * 5000)
    assert text.count("Boa's krijgen bodycams") == TITLE_REPEAT
    assert len(text) < MAX_BODY_CHARS + 3 * 40
    assert item_text("", "") == ""
    assert item_text("  Titel\n met  spaties ", "") == " . ".join(["Titel met spaties"] * 2)


def tokenize(text: str) -> list[str]:
    return feature_tokens([text])[0]


def test_tokenize_folds_accents_and_drops_stop_words_and_numbers() -> None:
    tokens = tokenize("De cliënt-ondersteuning van de boa’s: Opiumwet 13b sinds 2024!")
    assert tokens == ["client", "ondersteuning", "boa", "opiumwet", "13b", "sinds"]
    assert tokenize("Привет мир") == []
    assert feature_tokens(["a\x00boa", "", "drugslab handhaver"]) == [
        ["boa"], [], ["drugslab", "handhaver"]]


def test_short_forms_are_item_text_of_a_shorter_body() -> None:
    """Feed-length and title-only items go through the same model input as full text."""
    body = "woord " * 200
    assert feed_length("Titel", body) == item_text("Titel", body[:FEED_CHARS].rstrip())
    assert len(feed_length("Titel", body)) < len(item_text("Titel", body))
    assert title_only("Titel", body) == item_text("Titel", "")


def test_vectorizer_matches_scikit_learn_tfidf_union() -> None:
    """The fast vectorizer computes exactly the features of two sklearn TfidfVectorizers."""
    docs = [item_text(ex.title, ex.text) for ex in make_examples(6)]
    unseen = ["onbekendewoorden zoals drugslabje handhavingsknelpunt 2024 cliënt",
              "", "Boa's en handhavers in de wijk"]

    def words(doc: str) -> list[str]:
        toks = tokenize(doc)
        return toks + [f"{a} {b}" for a, b in pairwise(toks)]

    def chars(doc: str) -> list[str]:
        return [g for tok in tokenize(doc) for g in char_ngrams(tok, 3, 5)]

    reference = make_union(
        TfidfVectorizer(analyzer=words, sublinear_tf=True, min_df=2, max_df=0.9),
        TfidfVectorizer(analyzer=chars, sublinear_tf=True, min_df=2, max_df=0.9),
    ).fit(docs)
    ours = FeatureSpace.fit(docs, min_df=2, max_df=0.9, char_range=(3, 5))
    ref_x, our_x = reference.transform(docs + unseen), feature_matrix(ours, docs + unseen)
    assert ref_x.shape == our_x.shape
    # Same features up to column order: compare the Gram matrices.
    np.testing.assert_allclose((our_x @ our_x.T).toarray(), (ref_x @ ref_x.T).toarray(),
                               atol=1e-12)


# --- taxonomy and corpus --------------------------------------------------------------------

def test_repo_taxonomy_has_the_four_labels_in_order() -> None:
    taxonomy = load_taxonomy(DEFAULT_TOPICS)
    assert taxonomy.labels == LABELS
    assert taxonomy.none_label == "overig"
    assert all(t.description and t.seed_terms for t in taxonomy.topics)


def test_taxonomy_errors_name_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "topics.toml"
    path.write_text('[[label]]\nid = "a"\n\n[[label]]\nid = "a"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"topics\.toml:2 \[label\[2\]\.id\]: .*twice"):
        load_taxonomy(path)
    path.write_text('[[label]]\nid = "a"\ncolour = "red"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown key.*colour"):
        load_taxonomy(path)
    path.write_text("none_label = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_taxonomy(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_taxonomy(tmp_path / "missing.toml")


@pytest.mark.parametrize(("line", "message"), [
    ("{bad json", r"part\.jsonl:2: not valid JSON"),
    ('{"id": "x", "title": "t", "labels": []}', r"part\.jsonl:2: missing field 'text'"),
    ('{"id": "x", "title": 3, "text": "", "labels": []}', r":2: field 'title' must be a string"),
    ('{"id": "x", "title": "", "text": "", "labels": "handhaving"}', r":2: field 'labels'"),
    ('["a"]', r":2: expected a JSON object"),
])
def test_corpus_errors_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "part.jsonl"
    good = json.dumps({"id": "ok", "title": "t", "text": "x", "labels": []})
    path.write_text(f"{good}\n{line}\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_corpus([tmp_path])


def test_corpus_rejects_duplicate_ids_and_unknown_labels(tmp_path: Path) -> None:
    record = {"id": "x", "title": "t", "text": "x", "labels": ["handhavng"]}
    (tmp_path / "a.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    examples = load_corpus([tmp_path / "a.jsonl"])
    with pytest.raises(InputError, match=r"'handhavng' \(1x, first at .*a\.jsonl:1\)"):
        check_labels(examples, TAXONOMY)
    (tmp_path / "b.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"b\.jsonl:1: id 'x' already used at .*a\.jsonl:1"):
        load_corpus([tmp_path])


def test_check_labels_treats_overig_as_no_label() -> None:
    [example] = check_labels([Example("1", "t", "x", ("overig",))], TAXONOMY)
    assert example.labels == ()


def test_human_examples_replace_corpus_examples_with_the_same_id() -> None:
    corpus = [Example("1", "t", "x", ()), Example("2", "t", "y", ("handhaving",))]
    merged = merge_examples(corpus, [Example("2", "t", "y", ("omgevingswet",))])
    assert [(e.id, e.labels) for e in merged] == [("1", ()), ("2", ("omgevingswet",))]


# --- training, thresholds, persistence ------------------------------------------------------

def test_training_is_deterministic(trained: tuple[DomainModel, object]) -> None:
    model, report = trained
    again, _ = train_model(make_examples(), TAXONOMY, cv_folds=3, seed=0)
    texts = [item_text(e.title, e.text) for e in make_examples(3, seed=7)]
    np.testing.assert_array_equal(model.scores(texts), again.scores(texts))
    assert model.version == again.version == report.version  # type: ignore[attr-defined]
    np.testing.assert_array_equal(model.thresholds, again.thresholds)


def test_model_learns_the_small_corpus(trained: tuple[DomainModel, object]) -> None:
    model, report = trained
    assert model.labels == LABELS
    assert report.cv["full"].macro_f1 > 0.9  # type: ignore[attr-defined]
    assert report.cv["title"].macro_f1 > 0.8  # type: ignore[attr-defined]
    held_out = make_examples(4, seed=99)
    assert evaluate(model, held_out).macro_f1 > 0.9
    [prediction] = model.predict([item_text("Drugslab opgerold", "Witwassen en Bibob.")])
    assert prediction.labels == ("ondermijning",)
    assert set(prediction.scores) == set(LABELS)


def test_prediction_equals_the_fitted_classifier() -> None:
    """The numpy-only scorer gives scikit-learn's predict_proba on the same features, in
    one batch and one text at a time."""
    examples = make_examples()
    y = np.array([[label in ex.labels for label in LABELS] for ex in examples], dtype=int)
    fitted = fit(examples, y, DEFAULT_CONFIG, seed=0)
    texts = [item_text(e.title, e.text) for e in make_examples(2, seed=5)] + [
        "", "xyz", "2024 13b", "Boa’s\x00en handhavers \x00 drugslabje", "Привет мир",
        "cliënt cliënt jeugdhulpaanbieder witwassen witwassen witwassen"]
    expected = fitted.classifier.predict_proba(feature_matrix(fitted.space, texts))
    np.testing.assert_allclose(fitted.scorer.probabilities(texts), expected, atol=1e-9, rtol=0)
    for text, row in zip(texts, expected, strict=True):
        np.testing.assert_allclose(fitted.scorer.probabilities([text])[0], row, atol=1e-9,
                                   rtol=0)


def test_prediction_equals_the_fitted_classifier_on_the_repo_corpus() -> None:
    """Same check with the real vocabulary sizes (many chunks, many unknown words)."""
    taxonomy = load_taxonomy(DEFAULT_TOPICS)
    examples = check_labels(load_corpus([REPO / "data" / "training"]), taxonomy)[::5]
    y = np.array([[label in ex.labels for label in taxonomy.labels] for ex in examples],
                 dtype=int)
    fitted = fit(examples, y, DEFAULT_CONFIG, seed=0)
    texts = [item_text(ex.title, ex.text) for ex in examples[1::7]]
    np.testing.assert_allclose(
        fitted.scorer.probabilities(texts),
        fitted.classifier.predict_proba(feature_matrix(fitted.space, texts)), atol=1e-9, rtol=0)


def test_save_load_round_trip(trained: tuple[DomainModel, object], tmp_path: Path) -> None:
    model, _ = trained
    path = model.save(tmp_path / "sub" / "m.npz")
    loaded = load_model(path)
    texts = [item_text(e.title, e.text) for e in make_examples(2, seed=3)]
    np.testing.assert_array_equal(loaded.scores(texts), model.scores(texts))
    assert loaded.predict(texts) == model.predict(texts)
    assert (loaded.version, loaded.labels) == (model.version, model.labels)
    np.testing.assert_array_equal(loaded.thresholds, model.thresholds)
    np.testing.assert_array_equal(loaded.short_thresholds, model.short_thresholds)
    np.testing.assert_array_equal(loaded.scorer.decision(texts), model.scorer.decision(texts))
    assert read_meta(path)["info"]["cv_folds"] == 3
    assert not list(path.parent.glob("*.tmp"))


def test_thresholds_are_applied_by_text_length(trained: tuple[DomainModel, object]) -> None:
    """Short input is judged by the short thresholds, longer input by the others."""
    model, _ = trained
    short = item_text("Boa's en overlast", "Handhavers schrijven een parkeerboete uit.")
    long = item_text("Boa's en overlast", "Handhavers schrijven een parkeerboete uit. " * 20)
    assert len(short) < model.short_chars <= len(long)
    j = model.labels.index("handhaving")
    original = model.thresholds.copy(), model.short_thresholds.copy()
    try:
        for text, table, other in ((short, model.short_thresholds, model.thresholds),
                                   (long, model.thresholds, model.short_thresholds)):
            score = float(model.scores([text])[0, j])
            other[j] = 0.0 if score > 0.5 else 1.0  # the other table must not matter
            table[j] = score + 1e-9
            assert "handhaving" not in model.predict([text])[0].labels
            table[j] = score
            assert "handhaving" in model.predict([text])[0].labels
            model.thresholds[:], model.short_thresholds[:] = original
    finally:
        model.thresholds[:], model.short_thresholds[:] = original


def test_tune_thresholds_maximises_f1_within_the_clamp() -> None:
    y = np.array([[1, 1, 1], [1, 0, 0], [0, 0, 0], [0, 0, 0]])
    scores = np.array([[0.9, 0.99, 0.95], [0.35, 0.98, 0.70], [0.3, 0.97, 0.85],
                       [0.1, 0.96, 0.10]])
    thresholds = tune_thresholds(y, scores)
    assert 0.30 < thresholds[0] <= 0.35  # separates the classes: F1 = 1
    assert thresholds[1] == 0.5  # every threshold in range ties: the one nearest 0.5
    # F1 = 1 would need a threshold above 0.85; within the clamp the best is just above 0.70
    assert thresholds[2] == pytest.approx(0.71)
    assert np.all((thresholds >= THRESHOLD_MIN) & (thresholds <= THRESHOLD_MAX))


def test_training_refuses_a_label_without_enough_examples() -> None:
    taxonomy = Taxonomy((*TAXONOMY.topics, Topic("openbare orde", "Openbare orde", "")))
    with pytest.raises(InputError, match="'openbare orde' has 0 example"):
        train_model(make_examples(), taxonomy, cv_folds=3)


def test_a_new_taxonomy_label_is_trained_without_code_changes() -> None:
    taxonomy = Taxonomy((*TAXONOMY.topics, Topic("openbare orde", "Openbare orde", "")))
    extra = [Example(f"oo-{i}", "Demonstratie en rellen", f"Noodbevel bij rellen {i} ME.",
                     ("openbare orde",)) for i in range(6)]
    model, report = train_model(make_examples(8) + extra, taxonomy, cv_folds=3)
    assert model.labels[-1] == "openbare orde"
    assert report.label_counts["openbare orde"] == 6
    [prediction] = model.predict([item_text("Rellen", "Noodbevel na rellen, ME grijpt in.")])
    assert "openbare orde" in prediction.labels


# --- loading errors -------------------------------------------------------------------------

def test_missing_and_corrupt_model_files_give_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"not found; run `nieuwsradar train`"):
        load_model(tmp_path / "nope.npz")
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"PK\x03\x04 this is not a model")
    with pytest.raises(ModelError, match=r"damaged.*nieuwsradar train"):
        load_model(corrupt)


def _rewrite(path: Path, target: Path, **changes: np.ndarray | None) -> Path:
    """A copy of the model file at ``path`` with arrays replaced (None removes one)."""
    with np.load(path, allow_pickle=False) as archive:
        values = {name: archive[name] for name in archive.files}
    for name, value in changes.items():
        if value is None:
            del values[name]
        else:
            values[name] = value
    np.savez(target, **values)  # type: ignore[arg-type]
    return target


def _meta_array(meta: dict[str, object]) -> np.ndarray:
    return np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)


def test_old_and_foreign_model_files_give_model_error(
    trained: tuple[DomainModel, object], tmp_path: Path
) -> None:
    """Another format version, the old skops file, someone else's npz, a pickled array:
    each a one-line error saying to retrain."""
    model, _ = trained
    path = model.save(tmp_path / "m.npz")
    meta = read_meta(path)
    older = _rewrite(path, tmp_path / "older.npz",
                     meta=_meta_array({**meta, "format_version": FORMAT_VERSION - 1}))
    with pytest.raises(ModelError, match=rf"model format {FORMAT_VERSION - 1}, this program "
                                         rf"reads format {FORMAT_VERSION}; run `nieuwsradar"):
        load_model(older)
    skops_like = tmp_path / "domain-model.skops"
    with zipfile.ZipFile(skops_like, "w") as archive:
        archive.writestr("schema.json", "{}")
    with pytest.raises(ModelError, match=r"an older \(skops\) model file.*nieuwsradar train"):
        load_model(skops_like)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, weights=np.ones(3))
    with pytest.raises(ModelError, match=r"not a nieuwsradar model.*nieuwsradar train"):
        load_model(foreign)
    not_ours = _rewrite(path, tmp_path / "not-ours.npz", meta=_meta_array({"format": "x"}))
    with pytest.raises(ModelError, match=r"not a nieuwsradar model file"):
        load_model(not_ours)
    pickled = _rewrite(path, tmp_path / "pickled.npz",
                       coef=np.array([Untrusted()], dtype=object))
    with pytest.raises(ModelError, match=r"damaged.*nieuwsradar train"):
        load_model(pickled)
    single = tmp_path / "single.npy"
    np.save(single, np.ones(3))
    with pytest.raises(ModelError, match=r"nieuwsradar train"):
        load_model(single)


def test_model_with_inconsistent_arrays_gives_model_error(
    trained: tuple[DomainModel, object], tmp_path: Path
) -> None:
    model, _ = trained
    path = model.save(tmp_path / "m.npz")
    with np.load(path) as archive:
        coef = archive["coef"]
    for name, changes in {"coef": {"coef": coef[:-3]}, "intercept": {"intercept": None},
                          "dtype": {"coef": coef.astype(np.float32)},
                          "words": {"words": np.zeros(3, dtype=np.int64)}}.items():
        broken = _rewrite(path, tmp_path / f"broken-{name}.npz", **changes)
        with pytest.raises(ModelError, match=r"damaged or incomplete.*nieuwsradar train"):
            load_model(broken)


def test_loading_and_predicting_do_not_import_scikit_learn(
    trained: tuple[DomainModel, object], tmp_path: Path
) -> None:
    model, _ = trained
    path = model.save(tmp_path / "m.npz")
    code = (
        "import sys\n"
        "import nieuwsradar.classify as c\n"
        f"m = c.load_model({str(path)!r})\n"
        "m.predict([c.item_text('Drugslab opgerold', 'Witwassen en Bibob.')])\n"
        "m.explain(c.item_text('Drugslab', 'witwassen'), 'ondermijning')\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('sklearn', 'scipy'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == ""


class Untrusted:
    """A type that no model file may contain."""


# --- explain and evaluate -------------------------------------------------------------------

def test_explain_returns_words_of_the_text(trained: tuple[DomainModel, object]) -> None:
    model, _ = trained
    text = item_text("Drugslab en witwassen", "De gemeente sloot een pand na hennepkwekerij.")
    terms = model.explain(text, "ondermijning", k=3)
    assert 1 <= len(terms) <= 3
    weights = [w for _, w in terms]
    assert weights == sorted(weights, reverse=True) and all(w > 0 for w in weights)
    text_tokens = set(tokenize(text))
    assert all(set(term.split()) <= text_tokens for term, _ in terms)
    assert terms[0][0] in {"drugslab", "witwassen", "hennepkwekerij"}
    with pytest.raises(ModelError, match="unknown label"):
        model.explain(text, "sport")


@pytest.mark.parametrize("text", [
    item_text("Drugslab en witwassen", "De gemeente sloot een pand na hennepkwekerij."),
    item_text("Boa’s handhavingsknelpunt", "cliënt cliënt jeugdhulpaanbieder Wmo 2024"),
    "", "Привет мир",
])
def test_explanation_terms_add_up_to_the_decision_score(
    trained: tuple[DomainModel, object], text: str
) -> None:
    """Every term's contribution plus the intercept is the model's own decision value,
    for every label (unknown words and shared character n-grams included)."""
    model, _ = trained
    decision = model.scorer.decision([text])[0]
    for j, label in enumerate(model.labels):
        terms = model.contributions(text, label)
        assert set(terms) <= set(tokenize(text)) | {
            f"{a} {b}" for a, b in pairwise(tokenize(text))}
        assert sum(terms.values()) + model.intercept(label) == pytest.approx(decision[j],
                                                                              abs=1e-9)
        probability = 1 / (1 + np.exp(-decision[j]))
        assert model.scores([text])[0, j] == pytest.approx(probability, abs=1e-12)


def test_report_from_matrices_counts() -> None:
    truth = np.array([[1, 0], [1, 1], [0, 0], [0, 1]], dtype=bool)
    pred = np.array([[1, 0], [0, 1], [1, 0], [0, 1]], dtype=bool)
    report = report_from_matrices(truth, pred, ["a", "b"])
    a, b = report.labels
    assert (a.tp, a.fp, a.fn, a.support) == (1, 1, 1, 2)
    assert a.precision == a.recall == a.f1 == 0.5
    assert (b.precision, b.recall, b.f1) == (1.0, 1.0, 1.0)
    assert report.macro_f1 == 0.75
    assert report.micro_f1 == pytest.approx(2 * 3 / (2 * 3 + 1 + 1))


# --- the real seed dev set and the shipped model --------------------------------------------

needs_seeds = pytest.mark.skipif(not SHARED_SEEDS.is_dir(),
                                 reason=f"seed texts not present at {SHARED_SEEDS}")


@needs_seeds
def test_seed_devset_rebuilds_the_labelled_items() -> None:
    dev = load_seed_devset(SHARED_SEEDS, SEED_LABELS)
    by_id = {ex.id: ex for ex in dev}
    assert len(dev) == 24
    assert by_id["003#01"].title.startswith("Handhaving registratie- en legitimatieplicht")
    assert by_id["003#08"].labels == ("ondermijning",)
    assert by_id["004"].labels == ("handhaving", "sociaal domein")
    assert "Categorieën" not in by_id["003#20"].text
    assert all(ex.text for ex in dev)


@needs_seeds
def test_seed_devset_detects_changed_seed_titles(tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text('\n{"id": "000", "title_sha1": "0000", "labels": []}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"labels\.jsonl:2: the title of seed item '000'"):
        load_seed_devset(SHARED_SEEDS, labels)


@needs_seeds
def test_shipped_model_on_the_seed_devset() -> None:
    model_path = DEFAULT_MODEL
    if not model_path.is_file():
        pytest.skip(f"no trained model at {model_path}; run `nieuwsradar train`")
    report = evaluate(load_model(model_path), load_seed_devset(SHARED_SEEDS, SEED_LABELS))
    assert report.macro_f1 >= 0.85


def test_model_and_taxonomy_ship_inside_the_package(tmp_path: Path) -> None:
    """The defaults are package data (an installed wheel finds them), not checkout paths;
    NIEUWSRADAR_TOPICS and NIEUWSRADAR_MODEL override them."""
    import nieuwsradar
    from nieuwsradar.config import DEFAULT_TOPICS as topics
    from nieuwsradar.config import Settings

    package = Path(nieuwsradar.__file__).resolve().parent
    assert DEFAULT_MODEL.parent == package / "models" and DEFAULT_MODEL.is_file()
    assert topics == package / "topics.toml" and topics.is_file()
    assert (DEFAULT_MODEL.parent / "README.md").is_file()  # the model card beside the model
    assert Settings().topics == topics and Settings().model == DEFAULT_MODEL
    settings = Settings.from_env({"NIEUWSRADAR_TOPICS": str(tmp_path / "t.toml"),
                                  "NIEUWSRADAR_MODEL": str(tmp_path / "m")})
    assert (settings.topics, settings.model) == (tmp_path / "t.toml", tmp_path / "m")
