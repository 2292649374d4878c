"""Default locations of the classifier's files, relative to the repository root."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
MODEL_ENV = "NIEUWSRADAR_MODEL"


def default_model_path() -> Path:
    """``$NIEUWSRADAR_MODEL`` if set, else ``models/domain-model.skops`` in the repo."""
    env = os.environ.get(MODEL_ENV)
    return Path(env) if env else REPO_ROOT / "models" / "domain-model.skops"


DEFAULT_TOPICS = REPO_ROOT / "topics.toml"
DEFAULT_CORPUS = REPO_ROOT / "data" / "training"
SEED_LABELS = REPO_ROOT / "data" / "dev" / "seed-labels.jsonl"
SEEDS_DIR = REPO_ROOT.parent / "shared" / "seeds"
