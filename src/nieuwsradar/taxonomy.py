"""The label set (taxonomy) of the domain classifier, read from topics.toml.

The taxonomy is configuration, not code: a coordinator can add a label (say "openbare
orde") to topics.toml, label examples with it and retrain. Training takes its label set and
label order from here. File format::

    none_label = "overig"          # the name shown for items without any label

    [[label]]
    id = "handhaving"              # the label as it appears in corpora and the database
    name = "Toezicht en handhaving"
    description = "Korte Nederlandse omschrijving."
    seed_terms = ["boa", "handhaver"]   # optional
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nieuwsradar.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Topic:
    """One label of the taxonomy."""

    id: str
    name: str
    description: str
    seed_terms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """The ordered label set; ``none_label`` names items without any label."""

    topics: tuple[Topic, ...]
    none_label: str = "overig"

    @property
    def labels(self) -> tuple[str, ...]:
        """Label ids in taxonomy order (the model's column order)."""
        return tuple(t.id for t in self.topics)


def load_taxonomy(path: Path | str) -> Taxonomy:
    """Read and validate topics.toml; raise ConfigError naming the file, line and field."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the taxonomy ({exc.strerror}); create it or pass "
                          "the right path", path=str(path)) from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=str(path)) from None
    return _parse(data, raw, str(path))


def _parse(data: dict[str, Any], raw: str, where: str) -> Taxonomy:
    """Validate the decoded TOML document."""
    none_label = data.get("none_label", "overig")
    if not isinstance(none_label, str) or not none_label.strip():
        raise ConfigError("none_label must be a non-empty string", path=where,
                          line=_line_of(raw, "none_label"), field="none_label")
    entries = data.get("label")
    if not isinstance(entries, list) or not entries:
        raise ConfigError("no labels: add at least one [[label]] table with an id", path=where,
                          field="label")
    topics: list[Topic] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, start=1):
        field = f"label[{n}]"
        label_id = entry.get("id")
        if not isinstance(label_id, str) or not label_id.strip():
            raise ConfigError("every [[label]] needs a non-empty string id", path=where,
                              field=f"{field}.id")
        line = _line_of(raw, f'"{label_id}"')
        if label_id != label_id.strip() or label_id in seen or label_id == none_label:
            reason = ("is listed twice" if label_id in seen else
                      "equals none_label" if label_id == none_label else
                      "has leading or trailing spaces")
            raise ConfigError(f"label id {label_id!r} {reason}", path=where, line=line,
                              field=f"{field}.id")
        seen.add(label_id)
        name = entry.get("name", label_id)
        description = entry.get("description", "")
        terms = entry.get("seed_terms", [])
        for key, value in (("name", name), ("description", description)):
            if not isinstance(value, str):
                raise ConfigError(f"{key} must be a string", path=where, line=line,
                                  field=f"{field}.{key}")
        if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
            raise ConfigError("seed_terms must be a list of strings", path=where, line=line,
                              field=f"{field}.seed_terms")
        unknown = sorted(set(entry) - {"id", "name", "description", "seed_terms"})
        if unknown:
            raise ConfigError(f"unknown key(s) {', '.join(unknown)}; allowed are id, name, "
                              "description, seed_terms", path=where, line=line, field=field)
        topics.append(Topic(label_id, name, description, tuple(terms)))
    return Taxonomy(tuple(topics), none_label)


def _line_of(raw: str, needle: str) -> int | None:
    """1-based number of the first line containing ``needle``, for error messages."""
    for number, text in enumerate(raw.splitlines(), start=1):
        if needle in text:
            return number
    return None
