"""The trained domain model: prediction with per-label thresholds, skops persistence.

A model file is a skops archive (written by ``skops.io.dump``, no pickle) holding one dict
of plain values only: ``meta`` (a JSON string with format, labels, version, the
scikit-learn version used for training, feature settings and training facts),
``thresholds`` and the prediction state of :class:`~nieuwsradar.classify.scorer.
LinearScorer` (vocabularies as newline-joined strings, idf vectors, the coefficient matrix
and intercepts as numpy arrays). No scikit-learn object is stored, so a model predicts the
same under any scikit-learn version.

Loading reads that archive directly (``schema.json`` plus ``.npy`` members through
``numpy.load(allow_pickle=False)``) and accepts only the node types in
:data:`TRUSTED_TYPES`; anything else is refused before any value is built. Importing
``skops.io`` imports all of scikit-learn (1-2 s), so neither importing this package nor
loading a model imports skops, scikit-learn or scipy; ``skops.io.load`` reads the same
files (tests check both readers agree). Saving imports skops.
"""

from __future__ import annotations

import io
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
from nieuwsradar.classify.scorer import ARRAY_FIELDS, TEXT_FIELDS, LinearScorer
from nieuwsradar.errors import ModelError
from nieuwsradar.types import Prediction

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

FORMAT = 2

#: The only types a model file may contain (as skops names them); all are plain values
#: that skops itself trusts by default. Anything else is refused.
TRUSTED_TYPES: tuple[str, ...] = ("builtins.dict", "builtins.str", "numpy.ndarray")

_RETRAIN = "run `nieuwsradar train` to make a new model"
_CHUNK = 4096
#: skops node loaders for the trusted types (anything else means an unexpected file).
_LOADERS = {"builtins.dict": "DictNode", "builtins.str": "JsonNode",
            "numpy.ndarray": "NdArrayNode"}
_FEATURE_KEYS = ("bigrams", "char_range", "char_weight")


class DomainModel:
    """A linear prediction state plus its labels, per-label thresholds and version facts.

    :meth:`predict` takes model input strings made by
    :func:`~nieuwsradar.classify.text.item_text`. A model fresh from training also keeps
    the fitted scikit-learn ``pipeline`` (to compare with); a loaded one has ``None``.
    """

    def __init__(
        self, scorer: LinearScorer, labels: Sequence[str],
        thresholds: Sequence[float] | np.ndarray, *, version: str,
        info: dict[str, Any] | None = None, sklearn_version: str | None = None,
        pipeline: Pipeline | None = None,
    ) -> None:
        if len(labels) != len(thresholds):
            raise ModelError(f"{len(labels)} labels but {len(thresholds)} thresholds")
        if scorer.n_labels != len(labels):
            raise ModelError(f"{len(labels)} labels but {scorer.n_labels} weight columns")
        self.scorer = scorer
        self.pipeline = pipeline
        self.labels: tuple[str, ...] = tuple(labels)
        self.thresholds = np.asarray(thresholds, dtype=np.float64)
        self.version = version
        self.info: dict[str, Any] = dict(info or {})
        self.sklearn_version = sklearn_version or installed_version("scikit-learn")

    @classmethod
    def from_pipeline(
        cls, pipeline: Pipeline, labels: Sequence[str], thresholds: Sequence[float] | np.ndarray,
        *, version: str, info: dict[str, Any] | None = None,
    ) -> DomainModel:
        """Take the prediction state out of a fitted vectorizer + one-vs-rest logistic
        regression pipeline (the pipeline is kept on the model, not saved)."""
        coef, intercept = _linear_parts(pipeline.steps[-1][1], len(labels))
        if coef is None or intercept is None:
            raise ModelError("the domain model needs one logistic regression per label; "
                             "other classifiers are for comparison only")
        scorer = LinearScorer.from_fitted(pipeline.steps[0][1], coef, intercept)
        return cls(scorer, labels, thresholds, version=version, info=info, pipeline=pipeline)

    # ------------------------------------------------------------------ prediction
    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Per-label probabilities, ``len(texts) x len(labels)``.

        Equal to the training pipeline's ``predict_proba`` (within 1e-12), computed with
        numpy only (ingest calls this on every new item).
        """
        if len(texts) <= _CHUNK:
            return self.scorer.probabilities(texts)
        out = np.empty((len(texts), len(self.labels)))
        for start in range(0, len(texts), _CHUNK):
            chunk = texts[start : start + _CHUNK]
            out[start : start + len(chunk)] = self.scorer.probabilities(chunk)
        return out

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Labels over their threshold and all label scores, one Prediction per text."""
        if not texts:
            return []
        probs = self.scores(texts)
        chosen = (probs >= self.thresholds).tolist()
        labels = self.labels
        return [
            Prediction(
                labels=tuple(label for label, hit in zip(labels, row_chosen, strict=True)
                             if hit),
                scores=dict(zip(labels, row, strict=True)),
            )
            for row, row_chosen in zip(probs.tolist(), chosen, strict=True)
        ]

    def explain(self, text: str, label: str, k: int = 8) -> list[tuple[str, float]]:
        """Up to ``k`` terms of ``text`` that pushed it most towards ``label``, with weights.

        Word and character n-gram contributions are folded back onto the words of the
        text, so the web UI can show readable terms. Raises ModelError for an unknown label.
        """
        if label not in self.labels:
            raise ModelError(f"unknown label {label!r}; this model knows {', '.join(self.labels)}")
        return top_terms(self.scorer, self.scorer.coef[:, self.labels.index(label)], text, k)

    def feature_names(self) -> list[str]:
        """Names of the feature columns (rows of ``scorer.coef``)."""
        return self.scorer.feature_names()

    # ----------------------------------------------------------------- persistence
    def save(self, path: Path | str) -> Path:
        """Write the model atomically as a skops file (no pickle) and return its path."""
        import skops.io as sio

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        state = self.scorer.state()
        meta = {
            "format": FORMAT, "labels": list(self.labels), "version": self.version,
            "sklearn_version": self.sklearn_version,
            "features": {key: state.pop(key) for key in _FEATURE_KEYS},
            "info": self.info,
        }
        payload: dict[str, Any] = {"meta": json.dumps(meta, ensure_ascii=False),
                                   "thresholds": self.thresholds.copy()}
        payload.update({key: str(state[key]) for key in TEXT_FIELDS})
        payload.update({key: np.ascontiguousarray(state[key], dtype=dtype)
                        for key, dtype in ARRAY_FIELDS.items()})
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


def read_state(path: Path | str) -> dict[str, Any]:
    """The values of a model archive, refusing any type outside :data:`TRUSTED_TYPES`.

    Reads the skops format directly (``schema.json`` and ``.npy`` members, arrays through
    ``numpy.load(allow_pickle=False)``) so loading needs neither skops nor scikit-learn.
    Raises ModelError for unreadable files and untrusted types.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            schema = json.loads(archive.read("schema.json"))
            if not isinstance(schema, dict) or not isinstance(schema.get("content"), dict):
                raise TypeError("the archive does not hold a dict")
            key_types = schema.get("key_types", {}).get("content", [])
            if not all(isinstance(n, dict) and n.get("__loader__") == "TypeNode"
                       and _type_name(n) == "builtins.str" for n in key_types):
                raise TypeError("dict keys must be strings")
            nodes = [schema, *_nodes(schema["content"])]
            refused = sorted({name for name in map(_type_name, nodes)
                              if name not in TRUSTED_TYPES})
            if refused:
                raise _Untrusted(", ".join(refused))
            if (_type_name(schema), schema.get("__loader__")) != ("builtins.dict", "DictNode"):
                raise TypeError("the archive does not hold a dict")
            values: dict[str, Any] = {}
            for key, node in schema["content"].items():
                name = _type_name(node)
                if node.get("__loader__") != _LOADERS[name]:
                    raise TypeError(f"unexpected {node.get('__loader__')} for {key!r}")
                if name == "builtins.dict":
                    raise TypeError(f"nested dict at {key!r}")
                if name == "builtins.str":
                    value = json.loads(node["content"])
                    if not node.get("is_json") or not isinstance(value, str):
                        raise TypeError(f"{key!r} is not a string")
                    values[key] = value
                else:
                    if node.get("type") != "numpy":
                        raise TypeError(f"{key!r} is not a plain numpy array")
                    array = np.load(io.BytesIO(archive.read(node["file"])), allow_pickle=False)
                    if array.dtype.kind not in "biuf":
                        raise TypeError(f"{key!r} has dtype {array.dtype}")
                    values[key] = array
    except _Untrusted as exc:
        raise ModelError(f"{path} contains untrusted types {exc}; refusing to load it. Use a "
                         f"model made by nieuwsradar: {_RETRAIN}") from None
    except (zipfile.BadZipFile, KeyError, TypeError, ValueError, OSError, EOFError) as exc:
        raise ModelError(f"{path} is damaged ({type(exc).__name__}: {exc}); "
                         f"{_RETRAIN}") from None
    return values


class _Untrusted(Exception):
    """A model archive holds a type outside TRUSTED_TYPES."""


def _type_name(node: Any) -> str:
    if not isinstance(node, dict):
        raise TypeError("malformed schema")
    return f"{node.get('__module__')}.{node.get('__class__')}"


def _nodes(node: Any) -> list[Any]:
    """Every typed node of a skops schema (``key_types`` included)."""
    found: list[Any] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "__class__" in item or "__module__" in item:
                found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def load_model(path: Path | str) -> DomainModel:
    """Load a model file made by :meth:`DomainModel.save`, refusing anything unexpected.

    Raises ModelError when the file is missing, damaged, of another format, or contains
    types outside :data:`TRUSTED_TYPES`. Imports neither skops nor scikit-learn.
    """
    path = Path(path)
    meta = read_meta(path)
    values = read_state(path)
    try:
        features = meta["features"]
        state = {**{key: features[key] for key in _FEATURE_KEYS},
                 **{key: values[key] for key in (*TEXT_FIELDS, *ARRAY_FIELDS)}}
        scorer = LinearScorer.from_state(state)
        thresholds = np.asarray(values["thresholds"], dtype=np.float64)
        return DomainModel(scorer, meta["labels"], thresholds, version=meta["version"],
                           info=meta.get("info", {}), sklearn_version=meta["sklearn_version"])
    except (KeyError, TypeError, ValueError, ModelError) as exc:
        raise ModelError(f"{path} is damaged or incomplete ({type(exc).__name__}: {exc}); "
                         f"{_RETRAIN}") from None
