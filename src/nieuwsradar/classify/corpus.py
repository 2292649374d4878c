"""Labelled examples: reading JSONL corpora and checking their labels against the taxonomy.

A corpus line is a JSON object with ``id``, ``title``, ``text`` and ``labels`` (a list of
label ids; empty means "overig"), optionally ``kind`` and ``near_miss``. Every error names
the file and line and says what is wrong, so a corpus writer can fix it at once.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from nieuwsradar.errors import InputError
from nieuwsradar.taxonomy import Taxonomy


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled item. ``origin`` is "file:line" (or "database") for messages."""

    id: str
    title: str
    text: str
    labels: tuple[str, ...]
    kind: str = ""
    near_miss: str | None = None
    origin: str = ""


#: Deepest JSON nesting a corpus line may have (a record is an object holding a list).
MAX_DEPTH = 32


def iter_jsonl(lines: Iterable[str | bytes], name: str, *, labelled: bool
               ) -> Iterator[dict[str, Any]]:
    """Parse and validate JSON lines (id, title, text and, if ``labelled``, labels).

    Lines may be bytes (decoded as UTF-8 here, so a file in another encoding fails on its
    own line) or text. Blank lines are skipped. Raises InputError "name:line: problem" on
    the first bad line, for anything at all: bad encoding, bad JSON, nesting deeper than
    :data:`MAX_DEPTH`, numbers too long to read, a lone surrogate in a string, a missing or
    wrongly typed field. Yields dicts with an added ``_line`` key (the 1-based line number).
    """
    for number, raw in enumerate(lines, start=1):
        where = f"{name}:{number}"
        line = _decode(raw, where) if isinstance(raw, bytes) else raw
        if not line.strip():
            continue
        record = _parse(line, where)
        if not isinstance(record, dict):
            raise InputError(f"{where}: expected a JSON object, got {type(record).__name__}")
        fields = ("id", "title", "text", "labels") if labelled else ("id", "title", "text")
        for key in fields:
            if key not in record:
                raise InputError(f"{where}: missing field {key!r} (need {', '.join(fields)})")
        item_id = record["id"]
        if not isinstance(item_id, str | int) or isinstance(item_id, bool):
            raise InputError(f"{where}: field 'id' must be a string or an integer")
        if isinstance(item_id, int) and len(str(abs(item_id))) > MAX_ID_DIGITS:
            raise InputError(f"{where}: field 'id' is a number of more than {MAX_ID_DIGITS} "
                             "digits; use a shorter id or a string")
        for key in ("title", "text"):
            if not isinstance(record[key], str):
                raise InputError(f"{where}: field {key!r} must be a string, "
                                 f"got {type(record[key]).__name__}")
        if labelled and not (isinstance(record["labels"], list)
                             and all(isinstance(x, str) for x in record["labels"])):
            raise InputError(f"{where}: field 'labels' must be a list of strings")
        for key in fields:
            _check_unicode(record[key], key, where)
        record["_line"] = number
        yield record


#: Longest integer id (in digits) a corpus line may have.
MAX_ID_DIGITS = 30


def _decode(raw: bytes, where: str) -> str:
    """A line of bytes as UTF-8 text; InputError naming the first bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at column "
                         f"{exc.start + 1}); save the file as UTF-8") from None


def _parse(line: str, where: str) -> Any:
    """One JSON value; InputError for bad JSON, deep nesting and overlong numbers."""
    if line.count("[") + line.count("{") > MAX_DEPTH and _max_depth(line) > MAX_DEPTH:
        raise InputError(f"{where}: JSON nested more than {MAX_DEPTH} levels deep; a record "
                         "is one object with a list of labels")
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise InputError(f"{where}: JSON nested too deeply") from None
    except ValueError:  # a number of thousands of digits
        raise InputError(f"{where}: not valid JSON (a number too long to read); use a "
                         "shorter number or a string") from None


def _max_depth(line: str) -> int:
    """Upper bound of the nesting depth of a JSON text: the deepest run of brackets,
    counting brackets inside strings too (cheap, and never too low)."""
    depth = deepest = 0
    for char in line:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
    return deepest


def _check_unicode(value: Any, key: str, where: str) -> None:
    """InputError when a string (or a list of strings) holds a lone surrogate, which no
    file or terminal can encode."""
    for text in value if isinstance(value, list) else [value]:
        if isinstance(text, str):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise InputError(f"{where}: field {key!r} holds an invalid character (a lone "
                                 f"surrogate \\u{ord(text[exc.start]):04x} at position "
                                 f"{exc.start + 1}); fix the JSON escape") from None


def _example(record: dict[str, Any], origin: str) -> Example:
    """Build an Example from a validated record."""
    near_miss = record.get("near_miss")
    return Example(
        id=str(record["id"]), title=record["title"], text=record["text"],
        labels=tuple(dict.fromkeys(record["labels"])), kind=str(record.get("kind") or ""),
        near_miss=None if near_miss in (None, "", False) else str(near_miss), origin=origin,
    )


def corpus_files(paths: Iterable[Path | str]) -> list[Path]:
    """Expand directories to their ``*.jsonl`` files (sorted); keep files as given."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(sorted(path.glob("*.jsonl")))
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"{path}: corpus file or directory not found")
    return files


def load_corpus(paths: Iterable[Path | str]) -> list[Example]:
    """Read labelled examples from JSONL files and directories of ``*.jsonl`` files.

    Raises InputError for a malformed line or an id that occurs twice.
    """
    examples: list[Example] = []
    first_seen: dict[str, str] = {}
    for path in corpus_files(paths):
        with path.open("rb") as handle:
            for record in iter_jsonl(handle, str(path), labelled=True):
                origin = f"{path}:{record['_line']}"
                example = _example(record, origin)
                if example.id in first_seen:
                    raise InputError(f"{origin}: id {example.id!r} already used at "
                                     f"{first_seen[example.id]}; ids must be unique")
                first_seen[example.id] = origin
                examples.append(example)
    return examples


def examples_from_dicts(records: Iterable[dict[str, Any]], origin: str) -> list[Example]:
    """Examples from dicts with id, title, text, labels (e.g. human labels from the DB)."""
    return [
        _example({**r, "title": r.get("title") or "", "text": r.get("text") or ""}, origin)
        for r in records
    ]


def check_labels(examples: Iterable[Example], taxonomy: Taxonomy) -> list[Example]:
    """Return the examples with ``none_label`` dropped; raise on labels not in the taxonomy.

    The error lists each unknown label with its count and first location, so a typo in a
    corpus is found at once and a deliberately new label is added to topics.toml first.
    """
    known = set(taxonomy.labels)
    unknown: Counter[str] = Counter()
    where: dict[str, str] = {}
    cleaned: list[Example] = []
    for ex in examples:
        labels = tuple(x for x in ex.labels if x != taxonomy.none_label)
        for label in labels:
            if label not in known:
                unknown[label] += 1
                where.setdefault(label, ex.origin or ex.id)
        cleaned.append(ex if labels == ex.labels else replace(ex, labels=labels))
    if unknown:
        listed = "; ".join(f"{label!r} ({count}x, first at {where[label]})"
                           for label, count in unknown.most_common())
        raise InputError(f"labels not in the taxonomy: {listed}. Fix the corpus, or add the "
                         f"label to topics.toml (known: {', '.join(taxonomy.labels)})")
    return cleaned


def label_counts(examples: Iterable[Example], taxonomy: Taxonomy) -> dict[str, int]:
    """Number of examples per label plus ``none_label`` for examples without labels."""
    counts = dict.fromkeys((*taxonomy.labels, taxonomy.none_label), 0)
    for ex in examples:
        for label in ex.labels:
            counts[label] = counts.get(label, 0) + 1
        if not ex.labels:
            counts[taxonomy.none_label] += 1
    return counts


def merge_examples(corpus: Iterable[Example], human: Iterable[Example]) -> list[Example]:
    """Corpus examples followed by human-labelled ones; a human label replaces a corpus
    example with the same id (humans correct the corpus, not the other way round)."""
    human_list = list(human)
    human_ids = {ex.id for ex in human_list}
    return [ex for ex in corpus if ex.id not in human_ids] + human_list
