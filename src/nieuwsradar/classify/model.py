"""The trained domain model: prediction with per-label thresholds, skops persistence.

A model file is a skops archive holding a dict: ``meta`` (a JSON string with labels,
version, scikit-learn version and training facts), ``thresholds`` (numpy array) and the
fitted scikit-learn ``pipeline`` (our :class:`WordCharVectorizer` followed by a
one-vs-rest linear classifier). Loading never unpickles: types are checked against
:data:`TRUSTED_TYPES` first, and ``meta`` is read from the archive's schema before any
object is built, so a model from an incompatible scikit-learn gives a clear ModelError.

scikit-learn and skops are imported only when a model is saved or loaded: importing this
module (and so the CLI and the web app) stays cheap.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Sequence
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nieuwsradar.classify.explain import top_terms
from nieuwsradar.errors import ModelError
from nieuwsradar.types import Prediction

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

    from nieuwsradar.classify.features import WordCharVectorizer

FORMAT = 1

#: The only non-default types a model file may contain. Anything else is refused.
TRUSTED_TYPES: tuple[str, ...] = (
    "nieuwsradar.classify.features.WordCharVectorizer",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.linear_model._stochastic_gradient.SGDClassifier",
    "sklearn.multiclass.OneVsRestClassifier",
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._label.LabelBinarizer",
    "sklearn.svm._classes.LinearSVC",
)

_RETRAIN = "run `nieuwsradar train` to make a new model"
_CHUNK = 4096


def sklearn_series(version: str) -> str:
    """The "major.minor" part of a scikit-learn version: models are compatible within it."""
    return ".".join(version.split(".")[:2])


class DomainModel:
    """A fitted pipeline plus its labels, per-label thresholds and version facts.

    :meth:`predict` takes model input strings made by
    :func:`~nieuwsradar.classify.text.item_text`.
    """

    def __init__(
        self, pipeline: Pipeline, labels: Sequence[str], thresholds: Sequence[float] | np.ndarray,
        *, version: str, info: dict[str, Any] | None = None,
        sklearn_version: str | None = None,
    ) -> None:
        if len(labels) != len(thresholds):
            raise ModelError(f"{len(labels)} labels but {len(thresholds)} thresholds")
        self.pipeline = pipeline
        self.labels: tuple[str, ...] = tuple(labels)
        self.thresholds = np.asarray(thresholds, dtype=np.float64)
        self.version = version
        self.info: dict[str, Any] = dict(info or {})
        self.sklearn_version = sklearn_version or installed_version("scikit-learn")
        self._vectorizer: WordCharVectorizer = pipeline.steps[0][1]
        self._coef, self._intercept = _linear_parts(pipeline.steps[-1][1], len(self.labels))

    # ------------------------------------------------------------------ prediction
    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Per-label probabilities, ``len(texts) x len(labels)``.

        Equal to ``pipeline.predict_proba`` but computed block by block without the
        pipeline's copies (ingest calls this on every new item).
        """
        out = np.empty((len(texts), len(self.labels)))
        for start in range(0, len(texts), _CHUNK):
            chunk = texts[start : start + _CHUNK]
            out[start : start + len(chunk)] = self._scores_chunk(chunk)
        return out

    def _scores_chunk(self, texts: Sequence[str]) -> np.ndarray:
        """Scores of at most one chunk of texts."""
        if self._coef is None or self._intercept is None:
            return np.asarray(self.pipeline.predict_proba(list(texts)), dtype=np.float64)
        decision = np.tile(self._intercept, (len(texts), 1))
        offset = 0
        for block in self._vectorizer.transform_blocks(texts):
            width = block.shape[1]
            decision += block @ self._coef[offset : offset + width]
            offset += width
        return 1.0 / (1.0 + np.exp(-decision))

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Labels over their threshold and all label scores, one Prediction per text."""
        if not texts:
            return []
        probs = self.scores(texts)
        chosen = probs >= self.thresholds
        labels = self.labels
        return [
            Prediction(
                labels=tuple(labels[j] for j in np.flatnonzero(row_chosen)),
                scores={label: float(p) for label, p in zip(labels, row, strict=True)},
            )
            for row, row_chosen in zip(probs, chosen, strict=True)
        ]

    def explain(self, text: str, label: str, k: int = 8) -> list[tuple[str, float]]:
        """Up to ``k`` terms of ``text`` that pushed it most towards ``label``, with weights.

        Word and character n-gram contributions are folded back onto the words of the
        text, so the web UI can show readable terms. Raises ModelError for an unknown label.
        """
        if label not in self.labels:
            raise ModelError(f"unknown label {label!r}; this model knows {', '.join(self.labels)}")
        if self._coef is None:
            raise ModelError("explain needs a linear model; " + _RETRAIN)
        return top_terms(self._vectorizer, self._coef[:, self.labels.index(label)], text, k)

    # ----------------------------------------------------------------- persistence
    def save(self, path: Path | str) -> Path:
        """Write the model atomically as a skops file (no pickle) and return its path."""
        import skops.io as sio

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": FORMAT, "labels": list(self.labels), "version": self.version,
            "sklearn_version": self.sklearn_version, "info": self.info,
        }
        payload = {"meta": json.dumps(meta, ensure_ascii=False), "thresholds": self.thresholds,
                   "pipeline": self.pipeline}
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        os.close(fd)
        try:
            sio.dump(payload, tmp)
            os.chmod(tmp, 0o644)  # mkstemp makes it private; a model is meant to be shared
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return path


def _linear_parts(clf: Any, n_labels: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Coefficient matrix (features x labels) and intercepts of a one-vs-rest logistic
    model, or (None, None) for classifiers that need ``predict_proba`` (calibrated ones)."""
    estimators = getattr(clf, "estimators_", None)
    if not estimators or len(estimators) != n_labels:
        return None, None
    if not all(type(e).__name__ == "LogisticRegression" for e in estimators):
        return None, None
    coef = np.column_stack([e.coef_.ravel() for e in estimators])
    intercept = np.array([float(e.intercept_[0]) for e in estimators])
    return coef, intercept


def read_meta(path: Path | str) -> dict[str, Any]:
    """Read a model file's metadata without building any object from it."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file {path} not found; {_RETRAIN} (or pass --model / set "
                         "NIEUWSRADAR_MODEL)")
    try:
        with zipfile.ZipFile(path) as archive:
            schema = json.loads(archive.read("schema.json"))
        meta = json.loads(json.loads(schema["content"]["meta"]["content"]))
        if not isinstance(meta, dict):
            raise TypeError("metadata is not an object")
        missing = [k for k in ("labels", "version", "sklearn_version") if k not in meta]
        if missing:
            raise KeyError(", ".join(missing))
    except (zipfile.BadZipFile, KeyError, TypeError, ValueError, OSError) as exc:
        raise ModelError(f"{path} is not a nieuwsradar model file or is damaged ({exc}); "
                         f"{_RETRAIN}") from None
    if meta.get("format") != FORMAT:
        raise ModelError(f"{path} has model format {meta.get('format')}, this program reads "
                         f"format {FORMAT}; {_RETRAIN}")
    return dict(meta)


def load_model(path: Path | str) -> DomainModel:
    """Load a model file made by :meth:`DomainModel.save`, refusing anything unexpected.

    Raises ModelError when the file is missing, damaged, contains types outside
    :data:`TRUSTED_TYPES`, or was made with another scikit-learn series.
    """
    import skops.io as sio
    from sklearn.pipeline import Pipeline

    from nieuwsradar.classify.features import WordCharVectorizer

    path = Path(path)
    meta = read_meta(path)
    made_with, have = meta["sklearn_version"], installed_version("scikit-learn")
    if sklearn_series(made_with) != sklearn_series(have):
        raise ModelError(f"{path} was made with scikit-learn {made_with}, this installation has "
                         f"{have}; {_RETRAIN}")
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # skops raises plain exceptions for unreadable archives
        raise ModelError(f"{path} is damaged ({exc}); {_RETRAIN}") from None
    refused = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if refused:
        raise ModelError(f"{path} contains untrusted types {', '.join(refused)}; refusing to "
                         f"load it. Use a model made by nieuwsradar: {_RETRAIN}")
    try:
        payload = sio.load(path, trusted=[t for t in untrusted if t in TRUSTED_TYPES])
        pipeline = payload["pipeline"]
        thresholds = payload["thresholds"]
    except Exception as exc:  # any failure to rebuild the objects means an unusable file
        raise ModelError(f"{path} could not be loaded ({type(exc).__name__}: {exc}); "
                         f"{_RETRAIN}") from None
    if not isinstance(pipeline, Pipeline) or not isinstance(pipeline.steps[0][1],
                                                            WordCharVectorizer):
        raise ModelError(f"{path} does not hold a nieuwsradar pipeline; {_RETRAIN}")
    return DomainModel(pipeline, meta["labels"], thresholds, version=meta["version"],
                       info=meta.get("info", {}), sklearn_version=made_with)
