"""Default locations of the classifier's files.

The model and the taxonomy ship inside the package (:data:`nieuwsradar.config.DEFAULT_MODEL`,
:data:`nieuwsradar.config.DEFAULT_TOPICS`), so an installed package finds them. The training
corpus and the dev labels are development data: they live in the repository checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

from nieuwsradar.config import DEFAULT_MODEL, DEFAULT_TOPICS, repo_root

REPO_ROOT = repo_root()
MODEL_ENV = "NIEUWSRADAR_MODEL"
TOPICS_ENV = "NIEUWSRADAR_TOPICS"


def default_model_path() -> Path:
    """``$NIEUWSRADAR_MODEL`` if set, else the model shipped in the package."""
    env = os.environ.get(MODEL_ENV)
    return Path(env) if env else DEFAULT_MODEL


def default_topics_path() -> Path:
    """``$NIEUWSRADAR_TOPICS`` if set, else the taxonomy shipped in the package."""
    env = os.environ.get(TOPICS_ENV)
    return Path(env) if env else DEFAULT_TOPICS


DEFAULT_CORPUS = REPO_ROOT / "data" / "training"
SEED_LABELS = REPO_ROOT / "data" / "dev" / "seed-labels.jsonl"
SEEDS_DIR = REPO_ROOT.parent / "shared" / "seeds"
