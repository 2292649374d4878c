"""Domain classifier: which of the taxonomy's labels (handhaving, ondermijning, sociaal
domein, omgevingswet, ...) a news item belongs to.

scikit-learn and scipy are imported only inside this package, and only to train: loading
a model (a plain ``.npz`` file), predicting and explaining use numpy alone. Training,
prediction and explanation share one feature transform (:mod:`.features`). Typical use::

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
from nieuwsradar.classify.evaluate import EvalReport, LabelMetrics, calibration, evaluate
from nieuwsradar.classify.model import DomainModel, load_model, read_meta
from nieuwsradar.classify.paths import (
    DEFAULT_CORPUS,
    DEFAULT_TOPICS,
    SEED_LABELS,
    SEEDS_DIR,
    default_model_path,
    default_topics_path,
)
from nieuwsradar.classify.text import FORMS, MAX_BODY_CHARS, feed_length, item_text, title_only
from nieuwsradar.taxonomy import Taxonomy, Topic, load_taxonomy

if TYPE_CHECKING:
    from nieuwsradar.classify.train import (
        CANDIDATES,
        DEFAULT_CONFIG,
        ModelConfig,
        TrainReport,
        compare,
        held_out,
        train_model,
    )

_TRAIN_NAMES = frozenset(
    {"CANDIDATES", "DEFAULT_CONFIG", "ModelConfig", "TrainReport", "compare", "held_out",
     "train_model"}
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
    "FORMS",
    "MAX_BODY_CHARS",
    "SEEDS_DIR",
    "SEED_LABELS",
    "DomainModel",
    "EvalReport",
    "Example",
    "LabelMetrics",
    "ModelConfig",
    "Taxonomy",
    "Topic",
    "TrainReport",
    "calibration",
    "check_labels",
    "compare",
    "default_model_path",
    "default_topics_path",
    "evaluate",
    "examples_from_dicts",
    "feed_length",
    "held_out",
    "item_text",
    "iter_jsonl",
    "label_counts",
    "load_corpus",
    "load_model",
    "load_seed_devset",
    "load_taxonomy",
    "merge_examples",
    "read_meta",
    "title_only",
    "train_model",
]
