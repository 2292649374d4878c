"""Training: features, one logistic regression per label, thresholds, quality by length.

The training set is every corpus example in three forms: the full item, the item as a
summary-only feed delivers it (title + first :data:`~nieuwsradar.classify.text.FEED_CHARS`
characters) and the title alone. Feeds deliver mostly the short forms, and a model that
only saw full articles loses recall on them. The vocabulary and idf weights are learned
from the full items only (a shortened copy is not a new document).

Quality is measured out of fold: every example (with its two shortened forms, kept in the
same fold) is scored by a model that did not see it. Per-label thresholds are set where F1
over all forms is highest, clamped to [``THRESHOLD_MIN``, ``THRESHOLD_MAX``] so a small
corpus cannot push them to an extreme; short model input (under
:data:`~nieuwsradar.classify.text.SHORT_CHARS` characters) gets thresholds of its own, tuned
on the short inputs, because fewer features give less extreme scores.
Everything is seeded, so the same corpus gives the same model.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.multiclass import OneVsRestClassifier

from nieuwsradar.classify.corpus import Example, label_counts
from nieuwsradar.classify.evaluate import (
    EvalReport,
    calibration,
    label_matrix,
    report_from_matrices,
)
from nieuwsradar.classify.features import FeatureSpace
from nieuwsradar.classify.model import DomainModel
from nieuwsradar.classify.scorer import LinearScorer
from nieuwsradar.classify.text import FORMS, SHORT_CHARS
from nieuwsradar.errors import InputError
from nieuwsradar.taxonomy import Taxonomy

THRESHOLD_MIN = 0.2
THRESHOLD_MAX = 0.8



@dataclass(frozen=True, slots=True)
class ModelConfig:
    """One model variant: features, the logistic regressions' regularisation ``c``, and
    which shortened forms of each example are added to training."""

    name: str
    c: float = 10.0
    bigrams: bool = True
    char_range: tuple[int, int] | None = (4, 5)
    char_weight: float = 1.0
    min_df: int = 2
    max_df: float = 0.9
    train_forms: tuple[str, ...] = ("full", "feed", "title")


DEFAULT_CONFIG = ModelConfig("logreg word 1-2 + char 4-5, C=10, full + feed + title forms")

#: The variants compared in the model card (``nieuwsradar.classify.train.compare``).
CANDIDATES: tuple[ModelConfig, ...] = (
    ModelConfig("previous model: full items only", train_forms=("full",)),
    ModelConfig("full + feed-length forms", train_forms=("full", "feed")),
    DEFAULT_CONFIG,
    ModelConfig("full + feed + title forms, C=30", c=30.0),
    ModelConfig("full + feed + title forms, char 3-5", char_range=(3, 5)),
)


@dataclass(frozen=True, slots=True)
class TrainReport:
    """What training did: data, thresholds and cross-validated quality per form."""

    version: str
    config: ModelConfig
    n_examples: int
    n_human: int
    label_counts: dict[str, int]
    thresholds: dict[str, float]
    short_thresholds: dict[str, float]
    cv: dict[str, EvalReport]
    cv_folds: int
    elapsed_s: float
    calibration: dict[str, dict[str, Any]]
    oof_scores: dict[str, np.ndarray] = field(repr=False)
    cv_confusion: list[dict[str, Any]] = field(default_factory=list)
    cv_errors: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """JSON-ready facts for the summary file beside the model and the model card."""
        return {
            "version": self.version, "config": asdict(self.config),
            "n_examples": self.n_examples, "n_human_labels": self.n_human,
            "label_counts": self.label_counts, "thresholds": self.thresholds,
            "short_thresholds": self.short_thresholds, "short_chars": SHORT_CHARS,
            "cv_folds": self.cv_folds,
            "cv": {form: report.to_dict() for form, report in self.cv.items()},
            "calibration": self.calibration,
            "elapsed_s": round(self.elapsed_s, 2), "cv_confusion": self.cv_confusion,
            "cv_errors": self.cv_errors,
        }


def _classifier(config: ModelConfig, seed: int) -> OneVsRestClassifier:
    """An unfitted one-vs-rest logistic regression for ``config``."""
    return OneVsRestClassifier(LogisticRegression(
        C=config.c, class_weight="balanced", solver="liblinear", random_state=seed))


def feature_matrix(space: FeatureSpace, texts: Sequence[str]) -> sp.csr_matrix:
    """The tf-idf matrix of ``texts``: the feature entries, duplicates summed."""
    entries = space.entries(texts)
    return sp.csr_matrix((entries.value, (entries.doc, entries.col)),
                         shape=(len(texts), space.n_features))


def forms_of(examples: Sequence[Example], form: str) -> list[str]:
    """Model input of every example in one form ("full", "feed" or "title")."""
    make = FORMS[form]
    return [make(ex.title, ex.text) for ex in examples]


@dataclass(frozen=True, slots=True)
class Fitted:
    """A fitted feature space, the fitted scikit-learn classifier and the numpy scorer
    made from it (the scorer is what predicts; the classifier is kept for comparison)."""

    space: FeatureSpace
    classifier: OneVsRestClassifier
    scorer: LinearScorer


def fit(examples: Sequence[Example], y: np.ndarray, config: ModelConfig, seed: int) -> Fitted:
    """Fit features on the full items, the classifier on every training form."""
    space = FeatureSpace.fit(forms_of(examples, "full"), min_df=config.min_df,
                             max_df=config.max_df, bigrams=config.bigrams,
                             char_range=config.char_range, char_weight=config.char_weight)
    texts = [text for form in config.train_forms for text in forms_of(examples, form)]
    labels = np.vstack([y] * len(config.train_forms))
    classifier = _classifier(config, seed).fit(feature_matrix(space, texts), labels)
    coef = np.column_stack([e.coef_.ravel() for e in classifier.estimators_])
    intercept = np.array([float(e.intercept_[0]) for e in classifier.estimators_])
    return Fitted(space, classifier, LinearScorer(space, coef, intercept))


def _check_trainable(y: np.ndarray, labels: Sequence[str], folds: int) -> None:
    """Every label needs positives for every fold and at least one negative."""
    if y.shape[0] < max(folds, 2):
        raise InputError(f"only {y.shape[0]} examples; need at least {max(folds, 2)}")
    for j, label in enumerate(labels):
        positives = int(y[:, j].sum())
        if positives < max(folds, 2):
            raise InputError(f"label {label!r} has {positives} example(s); need at least "
                             f"{max(folds, 2)}. Add examples or remove it from topics.toml")
        if positives == y.shape[0]:
            raise InputError(f"every example has label {label!r}; add examples without it")


def oof_scores(
    examples: Sequence[Example], y: np.ndarray, config: ModelConfig, *, folds: int, seed: int
) -> dict[str, np.ndarray]:
    """Out-of-fold probabilities per form: each example (all its forms) scored by a model
    trained without it."""
    scores = {form: np.zeros(y.shape, dtype=np.float64) for form in FORMS}
    splitter = KFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(np.zeros(len(examples))):
        fitted = fit([examples[i] for i in train_idx], y[train_idx], config, seed)
        held_out = [examples[i] for i in test_idx]
        for form, out in scores.items():
            out[test_idx] = fitted.scorer.probabilities(forms_of(held_out, form))
    return scores


def tune_thresholds(y: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Per label, the threshold in [THRESHOLD_MIN, THRESHOLD_MAX] with the best F1.

    Ties go to the threshold nearest 0.5, so flat regions do not drift to the clamps.
    """
    grid = np.round(np.arange(THRESHOLD_MIN, THRESHOLD_MAX + 1e-9, 0.01), 2)
    best = np.full(y.shape[1], 0.5)
    for j in range(y.shape[1]):
        truth = y[:, j].astype(bool)
        predicted = scores[:, j][None, :] >= grid[:, None]
        tp = (predicted & truth).sum(axis=1)
        fp = (predicted & ~truth).sum(axis=1)
        fn = (~predicted & truth).sum(axis=1)
        f1 = np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)
        top = np.flatnonzero(np.isclose(f1, f1.max()))
        best[j] = grid[top[np.argmin(np.abs(grid[top] - 0.5))]]
    return best


def _is_short(examples: Sequence[Example], form: str) -> np.ndarray:
    """Per example, whether its model input in ``form`` counts as short."""
    return np.array([len(text) < SHORT_CHARS for text in forms_of(examples, form)], dtype=bool)


def _applied(examples: Sequence[Example], form: str, thresholds: np.ndarray,
             short_thresholds: np.ndarray) -> np.ndarray:
    """``examples x labels`` thresholds as the model applies them to ``form``."""
    return np.where(_is_short(examples, form)[:, None], short_thresholds, thresholds)


def tune_by_length(examples: Sequence[Example], y: np.ndarray, scores: dict[str, np.ndarray]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(thresholds, short thresholds), each tuned on the out-of-fold scores of the model
    inputs (of every form) of that length. A length class with fewer than 20 inputs takes
    the thresholds tuned on all inputs."""
    short = np.concatenate([_is_short(examples, form) for form in scores])
    truth = np.vstack([y] * len(scores))
    pooled = np.vstack(list(scores.values()))
    everything = tune_thresholds(truth, pooled)
    tuned = [tune_thresholds(truth[mask], pooled[mask]) if mask.sum() >= 20 else everything
             for mask in (~short, short)]
    return tuned[0], tuned[1]


def confusion(
    gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], none_label: str,
) -> list[dict[str, Any]]:
    """Multi-label confusion as label-set pairs: how often each gold label set was
    predicted as each other set (mismatches only, most frequent first). An empty set is
    shown as ``none_label``; sets are joined with " + "."""
    counts: Counter[tuple[str, str]] = Counter()
    for gold_set, predicted_set in zip(gold, predicted, strict=True):
        if set(gold_set) != set(predicted_set):
            counts[(" + ".join(sorted(gold_set)) or none_label,
                    " + ".join(sorted(predicted_set)) or none_label)] += 1
    return [{"gold": g, "predicted": p, "count": n} for (g, p), n in counts.most_common()]


def cv_error_list(
    examples: Sequence[Example], scores: np.ndarray, thresholds: np.ndarray,
    labels: Sequence[str],
) -> list[dict[str, Any]]:
    """Examples whose out-of-fold label set is wrong, with their scores, for review.
    ``thresholds`` has one row per example (as applied to it)."""
    errors = []
    for ex, row, limits in zip(examples, scores, thresholds, strict=True):
        predicted = [label for label, s, t in zip(labels, row, limits, strict=True) if s >= t]
        if set(predicted) != set(ex.labels):
            errors.append({"id": ex.id, "title": ex.title, "gold": list(ex.labels),
                           "predicted": predicted, "kind": ex.kind,
                           "scores": {label: round(float(s), 3)
                                      for label, s in zip(labels, row, strict=True)}})
    return errors


def model_version(examples: Sequence[Example], taxonomy: Taxonomy, config: ModelConfig,
                  today: datetime | None = None) -> str:
    """"YYYY.MM.DD-<8 hex>": training date and a hash of labels, config and corpus."""
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(repr((taxonomy.labels, config)).encode())
    for ex in sorted(examples, key=lambda e: e.id):
        digest.update(repr((ex.id, ex.title, ex.text, sorted(ex.labels))).encode())
    day = (today or datetime.now(UTC)).strftime("%Y.%m.%d")
    return f"{day}-{digest.hexdigest()[:8]}"


def train_model(
    examples: Sequence[Example], taxonomy: Taxonomy, *, cv_folds: int = 5, seed: int = 0,
    config: ModelConfig = DEFAULT_CONFIG, n_human: int = 0,
) -> tuple[DomainModel, TrainReport]:
    """Cross-validate, tune thresholds and fit the final model on all examples.

    ``examples`` must already be checked against the taxonomy
    (:func:`~nieuwsradar.classify.corpus.check_labels`); ``n_human`` of them are human
    labels from the database (reported in the model's facts). Raises InputError when a
    label has too few examples to cross-validate.
    """
    started = time.perf_counter()
    labels = taxonomy.labels
    y = label_matrix([ex.labels for ex in examples], labels).astype(np.int64)
    if cv_folds < 2:
        raise InputError(f"cv_folds must be at least 2, got {cv_folds}")
    _check_trainable(y, labels, cv_folds)

    scores = oof_scores(examples, y, config, folds=cv_folds, seed=seed)
    thresholds, short_thresholds = tune_by_length(examples, y, scores)
    truth = y.astype(bool)
    applied = {form: _applied(examples, form, thresholds, short_thresholds) for form in FORMS}
    cv = {form: report_from_matrices(truth, s >= applied[form], labels)
          for form, s in scores.items()}
    cv["full @0.5"] = report_from_matrices(truth, scores["full"] >= 0.5, labels)

    fitted = fit(examples, y, config, seed)
    version = model_version(examples, taxonomy, config)
    counts = label_counts(examples, taxonomy)
    info = {
        "config": config.name, "none_label": taxonomy.none_label,
        "n_examples": len(examples), "n_human_labels": n_human, "label_counts": counts,
        "cv_folds": cv_folds, "seed": seed,
        **{f"cv_macro_f1_{form}": round(cv[form].macro_f1, 4) for form in FORMS},
    }
    model = DomainModel(fitted.scorer, labels, thresholds, short_thresholds=short_thresholds,
                        version=version, info=info)
    report = TrainReport(
        version=version, config=config, n_examples=len(examples), n_human=n_human,
        label_counts=counts,
        thresholds={label: float(t) for label, t in zip(labels, thresholds, strict=True)},
        short_thresholds={label: float(t)
                          for label, t in zip(labels, short_thresholds, strict=True)},
        cv=cv, cv_folds=cv_folds, elapsed_s=time.perf_counter() - started,
        calibration={form: calibration(truth, s) for form, s in scores.items()},
        oof_scores=scores,
        cv_confusion=confusion(
            [ex.labels for ex in examples],
            [[lab for lab, hit in zip(labels, row, strict=True) if hit]
             for row in scores["feed"] >= applied["feed"]],
            taxonomy.none_label),
        cv_errors=cv_error_list(examples, scores["feed"], applied["feed"], labels),
    )
    return model, report


def held_out(
    examples: Sequence[Example], taxonomy: Taxonomy, part: Collection[str], *,
    cv_folds: int = 5, seed: int = 0, config: ModelConfig = DEFAULT_CONFIG,
) -> dict[str, EvalReport]:
    """Train on the examples whose id is not in ``part`` and report every form on those
    that are: a check on text unlike the rest of the corpus (e.g. one file of long items)."""
    inside = [ex for ex in examples if ex.id in part]
    outside = [ex for ex in examples if ex.id not in part]
    if not inside or not outside:
        raise InputError("the held-out part must hold some but not all examples")
    model, _ = train_model(outside, taxonomy, cv_folds=cv_folds, seed=seed, config=config)
    truth = label_matrix([ex.labels for ex in inside], taxonomy.labels)
    reports = {}
    for form in FORMS:
        texts = forms_of(inside, form)
        reports[form] = report_from_matrices(
            truth, model.scores(texts) >= model.thresholds_for(texts), taxonomy.labels)
    return reports


def compare(
    examples: Sequence[Example], taxonomy: Taxonomy, configs: Sequence[ModelConfig] = CANDIDATES,
    *, cv_folds: int = 5, seed: int = 0,
) -> list[tuple[ModelConfig, dict[str, EvalReport]]]:
    """Cross-validate each config: per form, the report at thresholds tuned by length on
    the same out-of-fold scores (slightly optimistic, but fair between configs)."""
    labels = taxonomy.labels
    y = label_matrix([ex.labels for ex in examples], labels).astype(np.int64)
    _check_trainable(y, labels, cv_folds)
    results = []
    for config in configs:
        scores = oof_scores(examples, y, config, folds=cv_folds, seed=seed)
        thresholds, short = tune_by_length(examples, y, scores)
        results.append((config, {
            form: report_from_matrices(y.astype(bool),
                                       s >= _applied(examples, form, thresholds, short), labels)
            for form, s in scores.items()}))
    return results
