"""Domain classifier: which of the taxonomy's labels (handhaving, ondermijning, sociaal
domein, omgevingswet, ...) a news item belongs to.

scikit-learn and skops are imported only inside this package, and only to train or save a
model: loading a model and predicting use numpy alone (:mod:`.scorer`). Typical use::

    model = load_model(default_model_path())
    predictions = model.predict([item_text(title, body) for title, body in items])

Training (``nieuwsradar train``)::

    taxonomy = load_taxonomy(default_topics_path())
    examples = check_labels(load_corpus(["data/training"]), taxonomy)
    model, report = train_model(examples, taxonomy)
    model.save(default_model_path())
"""

from typing import TYPE_CHECKING, Any

from nieuwsradar.classify.corpus import (
    Example,
    check_labels,
    examples_from_dicts,
    iter_jsonl,
    label_counts,
    load_corpus,
    merge_examples,
)
from nieuwsradar.classify.devset import load_seed_devset
from nieuwsradar.classify.evaluate import EvalReport, LabelMetrics, evaluate
from nieuwsradar.classify.model import TRUSTED_TYPES, DomainModel, load_model, read_meta
from nieuwsradar.classify.paths import (
    DEFAULT_CORPUS,
    DEFAULT_TOPICS,
    SEED_LABELS,
    SEEDS_DIR,
    default_model_path,
    default_topics_path,
)
from nieuwsradar.classify.text import MAX_BODY_CHARS, item_text
from nieuwsradar.taxonomy import Taxonomy, Topic, load_taxonomy

if TYPE_CHECKING:
    from nieuwsradar.classify.train import (
        CANDIDATES,
        DEFAULT_CONFIG,
        ModelConfig,
        TrainReport,
        compare,
        train_model,
    )

_TRAIN_NAMES = frozenset(
    {"CANDIDATES", "DEFAULT_CONFIG", "ModelConfig", "TrainReport", "compare", "train_model"}
)


def __getattr__(name: str) -> Any:
    """Import the training API (scikit-learn) only when it is used: prediction and the
    rest of the application do not pay for importing scikit-learn."""
    if name in _TRAIN_NAMES:
        from nieuwsradar.classify import train

        return getattr(train, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "CANDIDATES",
    "DEFAULT_CONFIG",
    "DEFAULT_CORPUS",
    "DEFAULT_TOPICS",
    "MAX_BODY_CHARS",
    "SEEDS_DIR",
    "SEED_LABELS",
    "TRUSTED_TYPES",
    "DomainModel",
    "EvalReport",
    "Example",
    "LabelMetrics",
    "ModelConfig",
    "Taxonomy",
    "Topic",
    "TrainReport",
    "check_labels",
    "compare",
    "default_model_path",
    "default_topics_path",
    "evaluate",
    "examples_from_dicts",
    "item_text",
    "iter_jsonl",
    "label_counts",
    "load_corpus",
    "load_model",
    "load_seed_devset",
    "load_taxonomy",
    "merge_examples",
    "read_meta",
    "train_model",
]
