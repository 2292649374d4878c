"""Training: pipeline construction, cross-validated thresholds, model comparison.

Per-label thresholds come from out-of-fold predictions: every example is scored by a model
that did not see it, each label's threshold is set where its F1 is highest, clamped to
[``THRESHOLD_MIN``, ``THRESHOLD_MAX``] so a small corpus cannot push it to an extreme.
Everything is seeded, so the same corpus gives the same model.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import KFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from nieuwsradar.classify.corpus import Example, label_counts
from nieuwsradar.classify.evaluate import EvalReport, label_matrix, report_from_matrices
from nieuwsradar.classify.features import WordCharVectorizer
from nieuwsradar.classify.model import DomainModel
from nieuwsradar.classify.text import item_text
from nieuwsradar.errors import InputError
from nieuwsradar.taxonomy import Taxonomy

THRESHOLD_MIN = 0.2
THRESHOLD_MAX = 0.8


@dataclass(frozen=True, slots=True)
class ModelConfig:
    """One model variant: features and classifier with its regularisation ``c``."""

    name: str
    classifier: Literal["logreg", "svm", "sgd"] = "logreg"
    c: float = 10.0
    bigrams: bool = True
    char_range: tuple[int, int] | None = (3, 5)
    char_weight: float = 1.0
    min_df: int = 2
    max_df: float = 0.9


DEFAULT_CONFIG = ModelConfig("logreg word 1-2 + char 4-5, C=10", char_range=(4, 5))

#: The variants compared in the model card (``nieuwsradar.classify.train.compare``).
CANDIDATES: tuple[ModelConfig, ...] = (
    ModelConfig("starting point: logreg word 1-2 + char 3-5, C=1", c=1.0),
    ModelConfig("logreg word 1-2 + char 3-5, C=10"),
    DEFAULT_CONFIG,
    ModelConfig("logreg word 1-2 + char 4-5, C=30", char_range=(4, 5), c=30.0),
    ModelConfig("logreg word 1-2 + char 4-6, C=10", char_range=(4, 6)),
    ModelConfig("logreg word 1 + char 4-5, C=10", char_range=(4, 5), bigrams=False),
    ModelConfig("logreg words 1-2 only, C=10", char_range=None),
    ModelConfig("calibrated LinearSVC word 1-2 + char 4-5", classifier="svm", c=0.5,
                char_range=(4, 5)),
    ModelConfig("SGD modified_huber word 1-2 + char 4-5", classifier="sgd", c=1e-4,
                char_range=(4, 5)),
)


@dataclass(frozen=True, slots=True)
class TrainReport:
    """What training did: data, thresholds and cross-validated quality."""

    version: str
    config: ModelConfig
    n_examples: int
    label_counts: dict[str, int]
    thresholds: dict[str, float]
    cv: EvalReport
    cv_at_half: EvalReport
    cv_folds: int
    elapsed_s: float
    oof_scores: np.ndarray = field(repr=False)
    cv_confusion: list[dict[str, Any]] = field(default_factory=list)
    cv_errors: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """JSON-ready facts for the metadata file beside the model and the model card."""
        return {
            "version": self.version, "config": asdict(self.config),
            "n_examples": self.n_examples, "label_counts": self.label_counts,
            "thresholds": self.thresholds, "cv_folds": self.cv_folds,
            "cv": self.cv.to_dict(), "cv_at_0.5": self.cv_at_half.to_dict(),
            "elapsed_s": round(self.elapsed_s, 2), "cv_confusion": self.cv_confusion,
            "cv_errors": self.cv_errors,
        }


def build_pipeline(config: ModelConfig, seed: int = 0) -> Pipeline:
    """An unfitted pipeline for ``config``: vectorizer, then one-vs-rest classifier."""
    clf: ClassifierMixin
    if config.classifier == "logreg":
        clf = LogisticRegression(C=config.c, class_weight="balanced", solver="liblinear",
                                 random_state=seed)
    elif config.classifier == "svm":
        clf = CalibratedClassifierCV(
            LinearSVC(C=config.c, class_weight="balanced", random_state=seed),
            method="sigmoid", cv=3)
    else:
        clf = SGDClassifier(loss="modified_huber", alpha=config.c, class_weight="balanced",
                            max_iter=50, tol=None, random_state=seed)
    vectorizer = WordCharVectorizer(min_df=config.min_df, max_df=config.max_df,
                                    bigrams=config.bigrams, char_range=config.char_range,
                                    char_weight=config.char_weight)
    return Pipeline([("features", vectorizer), ("clf", OneVsRestClassifier(clf))])


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
    texts: Sequence[str], y: np.ndarray, config: ModelConfig, *, folds: int, seed: int
) -> np.ndarray:
    """Out-of-fold probabilities: each row scored by a model trained without it."""
    scores = np.zeros(y.shape, dtype=np.float64)
    splitter = KFold(n_splits=folds, shuffle=True, random_state=seed)
    text_arr = np.array(texts, dtype=object)
    for train_idx, test_idx in splitter.split(text_arr):
        pipeline = build_pipeline(config, seed).fit(list(text_arr[train_idx]), y[train_idx])
        scores[test_idx] = pipeline.predict_proba(list(text_arr[test_idx]))
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
    """Examples whose out-of-fold label set is wrong, with their scores, for review."""
    errors = []
    for ex, row in zip(examples, scores, strict=True):
        predicted = [label for label, s, t in zip(labels, row, thresholds, strict=True) if s >= t]
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
    config: ModelConfig = DEFAULT_CONFIG,
) -> tuple[DomainModel, TrainReport]:
    """Cross-validate, tune thresholds and fit the final model on all examples.

    ``examples`` must already be checked against the taxonomy
    (:func:`~nieuwsradar.classify.corpus.check_labels`). Raises InputError when a label
    has too few examples to cross-validate.
    """
    started = time.perf_counter()
    labels = taxonomy.labels
    texts = [item_text(ex.title, ex.text) for ex in examples]
    y = label_matrix([ex.labels for ex in examples], labels).astype(np.int64)
    if cv_folds < 2:
        raise InputError(f"cv_folds must be at least 2, got {cv_folds}")
    _check_trainable(y, labels, cv_folds)
    if config.classifier != "logreg":
        raise InputError(f"{config.name}: only logistic regression ('logreg') models can be "
                         "trained as the domain model; the others are for compare()")

    scores = oof_scores(texts, y, config, folds=cv_folds, seed=seed)
    thresholds = tune_thresholds(y, scores)
    cv = report_from_matrices(y.astype(bool), scores >= thresholds, labels)
    cv_half = report_from_matrices(y.astype(bool), scores >= 0.5, labels)

    pipeline = build_pipeline(config, seed).fit(texts, y)
    version = model_version(examples, taxonomy, config)
    counts = label_counts(examples, taxonomy)
    info = {
        "config": config.name, "none_label": taxonomy.none_label,
        "n_examples": len(examples), "label_counts": counts,
        "cv_folds": cv_folds, "cv_macro_f1": round(cv.macro_f1, 4),
        "cv_micro_f1": round(cv.micro_f1, 4), "seed": seed,
    }
    model = DomainModel.from_pipeline(pipeline, labels, thresholds, version=version, info=info)
    report = TrainReport(
        version=version, config=config, n_examples=len(examples), label_counts=counts,
        thresholds={label: float(t) for label, t in zip(labels, thresholds, strict=True)},
        cv=cv, cv_at_half=cv_half, cv_folds=cv_folds,
        elapsed_s=time.perf_counter() - started, oof_scores=scores,
        cv_confusion=confusion(
            [ex.labels for ex in examples],
            [[lab for lab, hit in zip(labels, row, strict=True) if hit]
             for row in scores >= thresholds],
            taxonomy.none_label),
        cv_errors=cv_error_list(examples, scores, thresholds, labels),
    )
    return model, report


def compare(
    examples: Sequence[Example], taxonomy: Taxonomy, configs: Sequence[ModelConfig] = CANDIDATES,
    *, cv_folds: int = 5, seed: int = 0,
) -> list[tuple[ModelConfig, EvalReport, EvalReport]]:
    """Cross-validate each config: (config, report at tuned thresholds, report at 0.5).

    The tuned report uses thresholds tuned on the same out-of-fold scores, so it is
    slightly optimistic; the 0.5 report is not tuned at all. Both rank configs fairly.
    """
    labels = taxonomy.labels
    texts = [item_text(ex.title, ex.text) for ex in examples]
    y = label_matrix([ex.labels for ex in examples], labels).astype(np.int64)
    _check_trainable(y, labels, cv_folds)
    results = []
    for config in configs:
        scores = oof_scores(texts, y, config, folds=cv_folds, seed=seed)
        tuned = report_from_matrices(y.astype(bool), scores >= tune_thresholds(y, scores), labels)
        results.append((config, tuned, report_from_matrices(y.astype(bool), scores >= 0.5,
                                                             labels)))
    return results
