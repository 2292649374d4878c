"""Classifier quality: per-label precision, recall and F1, micro and macro averages, and
the calibration of the scores (the digest ranks items by them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from nieuwsradar.classify.text import FORMS

if TYPE_CHECKING:
    from nieuwsradar.classify.corpus import Example
    from nieuwsradar.classify.model import DomainModel


@dataclass(frozen=True, slots=True)
class LabelMetrics:
    """Scores of one label (``support`` = number of true examples)."""

    label: str
    precision: float
    recall: float
    f1: float
    support: int
    tp: int
    fp: int
    fn: int


@dataclass(frozen=True, slots=True)
class EvalReport:
    """Per-label metrics with micro averages and the macro F1 over labels."""

    labels: tuple[LabelMetrics, ...]
    micro_precision: float
    micro_recall: float
    micro_f1: float
    macro_f1: float
    n_examples: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``labels`` keyed by label name)."""
        return {
            "n_examples": self.n_examples,
            "labels": {m.label: {k: v for k, v in asdict(m).items() if k != "label"}
                       for m in self.labels},
            "micro": {"precision": self.micro_precision, "recall": self.micro_recall,
                      "f1": self.micro_f1},
            "macro_f1": self.macro_f1,
        }


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall, F1 with 0 for empty denominators (and F1 = 1 when nothing to find
    and nothing found, so a label absent from a small set does not look broken)."""
    if tp == fp == fn == 0:
        return 1.0, 1.0, 1.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def report_from_matrices(
    y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str]
) -> EvalReport:
    """Build an EvalReport from boolean ``n_examples x n_labels`` truth and prediction."""
    y_true = np.asarray(y_true, dtype=bool)
    y_pred = np.asarray(y_pred, dtype=bool)
    per_label = []
    for j, label in enumerate(labels):
        tp = int(np.sum(y_true[:, j] & y_pred[:, j]))
        fp = int(np.sum(~y_true[:, j] & y_pred[:, j]))
        fn = int(np.sum(y_true[:, j] & ~y_pred[:, j]))
        p, r, f = _prf(tp, fp, fn)
        per_label.append(LabelMetrics(label, p, r, f, tp + fn, tp, fp, fn))
    mp, mr, mf = _prf(sum(m.tp for m in per_label), sum(m.fp for m in per_label),
                      sum(m.fn for m in per_label))
    macro = float(np.mean([m.f1 for m in per_label])) if per_label else 0.0
    return EvalReport(tuple(per_label), mp, mr, mf, macro, int(y_true.shape[0]))


def label_matrix(label_sets: Sequence[Sequence[str]], labels: Sequence[str]) -> np.ndarray:
    """Boolean indicator matrix of label sets in the given label order."""
    index = {label: j for j, label in enumerate(labels)}
    matrix = np.zeros((len(label_sets), len(labels)), dtype=bool)
    for i, row in enumerate(label_sets):
        for label in row:
            if label in index:
                matrix[i, index[label]] = True
    return matrix


#: Reliability table bins: upper edges of the score ranges.
CALIBRATION_BINS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def calibration(y_true: np.ndarray, scores: np.ndarray) -> dict[str, Any]:
    """Brier score (mean squared error of the probabilities, per label and overall) and a
    reliability table over all labels: per score bin the number of (item, label) pairs, the
    mean score and the fraction that truly had the label. Well calibrated: the two match."""
    truth = np.asarray(y_true, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    squared = (scores - truth) ** 2
    flat_s, flat_t = scores.ravel(), truth.ravel()
    bins = np.searchsorted(np.array(CALIBRATION_BINS), flat_s, side="left")
    table = []
    lower = 0.0
    for k, upper in enumerate(CALIBRATION_BINS):
        inside = bins == k
        n = int(inside.sum())
        table.append({"bin": f"{lower:.1f}-{upper:.1f}", "n": n,
                      "mean_score": round(float(flat_s[inside].mean()), 4) if n else None,
                      "positive_rate": round(float(flat_t[inside].mean()), 4) if n else None})
        lower = upper
    return {"brier": round(float(squared.mean()), 5) if squared.size else 0.0,
            "brier_per_label": [round(float(v), 5) for v in squared.mean(axis=0)]
            if squared.size else [],
            "reliability": table}


def evaluate(model: DomainModel, examples: Sequence[Example], form: str = "full"
             ) -> EvalReport:
    """Score ``model`` on labelled examples in one form ("full", "feed" = title + first
    300 characters, "title"); labels outside the model's set are ignored."""
    make = FORMS[form]
    predictions = model.predict([make(ex.title, ex.text) for ex in examples])
    y_true = label_matrix([ex.labels for ex in examples], model.labels)
    y_pred = label_matrix([p.labels for p in predictions], model.labels)
    return report_from_matrices(y_true, y_pred, model.labels)
