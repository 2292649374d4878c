"""The trained domain model: prediction with per-label thresholds, ``.npz`` persistence.

A model file is a numpy ``.npz`` archive of plain arrays, read with
``numpy.load(allow_pickle=False)``: no pickle, no object of another library, no private
API. It holds

* ``meta``: UTF-8 JSON (as a ``uint8`` array) with ``format`` (:data:`FORMAT_NAME`),
  ``format_version`` (:data:`FORMAT_VERSION`), the labels, the version, the feature
  settings and training facts;
* ``words`` and ``chars``: the vocabularies as newline-joined UTF-8 (``uint8`` arrays);
* the numeric arrays of the feature space (:data:`~nieuwsradar.classify.features.
  ARRAY_FIELDS`), ``coef``, ``intercept``, ``thresholds`` and ``short_thresholds`` (for
  model input shorter than ``short_chars`` characters, stored in the metadata).

Loading a file of another format version, an older skops model or any other file gives a
:class:`~nieuwsradar.errors.ModelError` that says to run ``nieuwsradar train``. Neither
loading nor predicting imports scikit-learn or scipy.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nieuwsradar.classify.features import ARRAY_FIELDS, TEXT_FIELDS, FeatureSpace
from nieuwsradar.classify.scorer import LinearScorer
from nieuwsradar.classify.text import SHORT_CHARS
from nieuwsradar.errors import ModelError
from nieuwsradar.types import Prediction

FORMAT_NAME = "nieuwsradar-domain-model"
FORMAT_VERSION = 3
#: File name suffix of model files.
SUFFIX = ".npz"

_RETRAIN = "run `nieuwsradar train` to make a new model"
_CHUNK = 4096
_MODEL_ARRAYS: dict[str, type] = {**ARRAY_FIELDS, "coef": np.float64,
                                  "intercept": np.float64, "thresholds": np.float64,
                                  "short_thresholds": np.float64}


class DomainModel:
    """A linear scorer plus its labels, per-label thresholds and version facts.

    :meth:`predict` takes model input strings made by
    :func:`~nieuwsradar.classify.text.item_text`. Input shorter than ``short_chars``
    characters is judged by ``short_thresholds`` (default: the same as ``thresholds``).
    """

    def __init__(
        self, scorer: LinearScorer, labels: Sequence[str],
        thresholds: Sequence[float] | np.ndarray, *, version: str,
        short_thresholds: Sequence[float] | np.ndarray | None = None,
        short_chars: int = SHORT_CHARS, info: dict[str, Any] | None = None,
    ) -> None:
        short = thresholds if short_thresholds is None else short_thresholds
        if not len(labels) == len(thresholds) == len(short):
            raise ModelError(f"{len(labels)} labels but {len(thresholds)} thresholds")
        if scorer.n_labels != len(labels):
            raise ModelError(f"{len(labels)} labels but {scorer.n_labels} weight columns")
        self.scorer = scorer
        self.labels: tuple[str, ...] = tuple(labels)
        self.thresholds = np.asarray(thresholds, dtype=np.float64)
        self.short_thresholds = np.asarray(short, dtype=np.float64)
        self.short_chars = int(short_chars)
        self.version = version
        self.info: dict[str, Any] = dict(info or {})

    # ------------------------------------------------------------------ prediction
    def scores(self, texts: Sequence[str], seen: np.ndarray | None = None) -> np.ndarray:
        """Per-label probabilities, ``len(texts) x len(labels)`` (numpy only: ingest
        calls this on every new item). ``seen``, when given, is set True for the texts
        with any feature the model knows."""
        if len(texts) <= _CHUNK:
            return self.scorer.probabilities(texts, seen)
        out = np.empty((len(texts), len(self.labels)))
        for start in range(0, len(texts), _CHUNK):
            chunk = texts[start : start + _CHUNK]
            part = None if seen is None else seen[start : start + len(chunk)]
            out[start : start + len(chunk)] = self.scorer.probabilities(chunk, part)
        return out

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Labels over their threshold and all label scores, one Prediction per text.

        A text without a single known feature (empty, another language) gets no label:
        its scores are only the base rates, not evidence."""
        if not texts:
            return []
        seen = np.zeros(len(texts), dtype=bool)
        probs = self.scores(texts, seen)
        chosen = ((probs >= self.thresholds_for(texts)) & seen[:, None]).tolist()
        labels = self.labels
        return [
            Prediction(
                labels=tuple(label for label, hit in zip(labels, row_chosen, strict=True)
                             if hit),
                scores=dict(zip(labels, row, strict=True)),
            )
            for row, row_chosen in zip(probs.tolist(), chosen, strict=True)
        ]

    def thresholds_for(self, texts: Sequence[str]) -> np.ndarray:
        """``len(texts) x labels``: each text's thresholds, by its length."""
        short = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) < self.short_chars
        return np.where(short[:, None], self.short_thresholds, self.thresholds)

    def contributions(self, text: str, label: str) -> dict[str, float]:
        """Every term of ``text`` with its part of the decision value for ``label``; the
        parts plus :meth:`intercept` add up to the decision value. ModelError for an
        unknown label."""
        return self.scorer.contributions(text, self._label_index(label))

    def intercept(self, label: str) -> float:
        """The decision value of a text without any known feature, for ``label``."""
        return float(self.scorer.intercept[self._label_index(label)])

    def explain(self, text: str, label: str, k: int = 8) -> list[tuple[str, float]]:
        """Up to ``k`` terms of ``text`` that pushed it most towards ``label``, with weights
        (rounded to 4 decimals, largest first). Character n-grams count for the words
        they came from, so the web UI shows readable terms."""
        terms = self.contributions(text, label)
        ranked = sorted(((t, w) for t, w in terms.items() if w > 0), key=lambda tw: -tw[1])
        return [(term, round(weight, 4)) for term, weight in ranked[:k]]

    def feature_names(self) -> list[str]:
        """Names of the feature columns (rows of ``scorer.coef``)."""
        return self.scorer.features.feature_names()

    def _label_index(self, label: str) -> int:
        if label not in self.labels:
            raise ModelError(f"unknown label {label!r}; this model knows {', '.join(self.labels)}")
        return self.labels.index(label)

    # ----------------------------------------------------------------- persistence
    def save(self, path: Path | str) -> Path:
        """Write the model atomically as an ``.npz`` file and return its path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays, texts, settings = self.scorer.features.state()
        meta = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION,
                "labels": list(self.labels), "version": self.version,
                "short_chars": self.short_chars, "features": settings, "info": self.info}
        payload: dict[str, np.ndarray] = {
            "meta": _utf8(json.dumps(meta, ensure_ascii=False)),
            **{key: _utf8(texts[key]) for key in TEXT_FIELDS},
            **{key: np.ascontiguousarray(value, dtype=ARRAY_FIELDS[key])
               for key, value in arrays.items()},
            "coef": self.scorer.coef, "intercept": self.scorer.intercept,
            "thresholds": self.thresholds, "short_thresholds": self.short_thresholds,
        }
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                np.savez_compressed(handle, allow_pickle=False, **payload)
            os.chmod(tmp, 0o644)  # mkstemp makes it private; a model is meant to be shared
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return path


def _utf8(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _text(array: np.ndarray) -> str:
    if array.dtype != np.uint8 or array.ndim != 1:
        raise TypeError(f"expected UTF-8 bytes, got {array.dtype} array")
    return array.tobytes().decode("utf-8")


def _open(path: Path) -> dict[str, np.ndarray]:
    """Every array of a model file; ModelError for anything that is not one."""
    if not path.is_file():
        raise ModelError(f"model file {path} not found; {_RETRAIN} (or pass --model / set "
                         "NIEUWSRADAR_MODEL)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise TypeError("a single array, not a model archive")
            names = set(archive.files)
            if "meta" not in names:
                old = "schema.json" in names
                raise _Foreign("an older (skops) model file" if old
                               else f"not a nieuwsradar model (members {sorted(names)[:5]})")
            return {name: archive[name] for name in names}
    except _Foreign as exc:
        raise ModelError(f"{path} is {exc}; this program reads {FORMAT_NAME} format "
                         f"{FORMAT_VERSION}: {_RETRAIN}") from None
    except (zipfile.BadZipFile, ValueError, TypeError, OSError, EOFError, KeyError) as exc:
        raise ModelError(f"{path} is not a nieuwsradar model file or is damaged "
                         f"({type(exc).__name__}: {exc}); {_RETRAIN}") from None


class _Foreign(Exception):
    """A readable archive that is not a model of this program."""


def _meta(path: Path, values: dict[str, np.ndarray]) -> dict[str, Any]:
    try:
        meta = json.loads(_text(values["meta"]))
    except (TypeError, ValueError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path} has unreadable metadata ({exc}); {_RETRAIN}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ModelError(f"{path} is not a nieuwsradar model file; {_RETRAIN}")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{path} has model format {meta.get('format_version')}, this "
                         f"program reads format {FORMAT_VERSION}; {_RETRAIN}")
    return meta


def read_meta(path: Path | str) -> dict[str, Any]:
    """A model file's metadata (labels, version, settings, training facts)."""
    path = Path(path)
    return _meta(path, _open(path))


def load_model(path: Path | str) -> DomainModel:
    """Load a model file made by :meth:`DomainModel.save`.

    Raises ModelError when the file is missing, damaged, of another format version or not
    a model of this program. Imports neither scikit-learn nor scipy.
    """
    path = Path(path)
    values = _open(path)
    meta = _meta(path, values)
    try:
        for key, dtype in _MODEL_ARRAYS.items():
            if values[key].dtype != dtype:
                raise TypeError(f"{key} has dtype {values[key].dtype}")
        features = FeatureSpace.from_state(
            {key: values[key] for key in ARRAY_FIELDS},
            {key: _text(values[key]) for key in TEXT_FIELDS}, meta["features"])
        scorer = LinearScorer(features, values["coef"], values["intercept"])
        return DomainModel(scorer, meta["labels"], values["thresholds"],
                           short_thresholds=values["short_thresholds"],
                           short_chars=int(meta["short_chars"]),
                           version=str(meta["version"]), info=meta.get("info") or {})
    except (KeyError, TypeError, ValueError, UnicodeDecodeError, ModelError) as exc:
        raise ModelError(f"{path} is damaged or incomplete ({type(exc).__name__}: {exc}); "
                         f"{_RETRAIN}") from None
