"""Model predictions as stored labels (by the writer, and when reclassifying)."""

from __future__ import annotations

from nieuwsradar.types import Label, Prediction


def model_labels(prediction: Prediction, version: str | None) -> list[Label]:
    """The labels of one prediction, with their scores and the model's version."""
    return [Label(label=name, score=prediction.scores.get(name, 1.0), origin="model",
                  model_version=version) for name in prediction.labels]
