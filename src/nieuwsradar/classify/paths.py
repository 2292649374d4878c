"""Default locations of the classifier's files, relative to the repository root."""

from __future__ import annotations

import os
from pathlib import Path

from nieuwsradar.config import DEFAULT_MODEL, repo_root

REPO_ROOT = repo_root()
MODEL_ENV = "NIEUWSRADAR_MODEL"


def default_model_path() -> Path:
    """``$NIEUWSRADAR_MODEL`` if set, else ``models/domain-model.skops`` in the repo."""
    env = os.environ.get(MODEL_ENV)
    return Path(env) if env else DEFAULT_MODEL


DEFAULT_TOPICS = REPO_ROOT / "topics.toml"
DEFAULT_CORPUS = REPO_ROOT / "data" / "training"
SEED_LABELS = REPO_ROOT / "data" / "dev" / "seed-labels.jsonl"
SEEDS_DIR = REPO_ROOT.parent / "shared" / "seeds"
