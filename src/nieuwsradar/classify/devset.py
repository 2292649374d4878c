"""The seed dev set: real news items from ../shared/seeds with our labels.

Only ids, a title hash and labels are kept in the repo (data/dev/seed-labels.jsonl); the
texts are rebuilt from the seed files when they are present. Seed 003 is a page of VNG
news: items are separated by "VNG Nieuws - <date>" lines, the line before each is the
title, and "Categorieën: ..." closes an item. Every other seed file is one item whose first
non-empty line is the title.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from nieuwsradar.classify.corpus import Example, iter_jsonl
from nieuwsradar.errors import InputError

_VNG_DATE_RE = re.compile(r"^VNG Nieuws - .*\d{2}/\d{2}/\d{4}")
_FOOTER_PREFIX = "Categorieën:"


def title_sha1(title: str) -> str:
    """The hash stored instead of the title, to check that a seed item did not change."""
    return hashlib.sha1(title.strip().encode("utf-8"), usedforsecurity=False).hexdigest()


def split_seed(path: Path) -> list[tuple[str, str, str]]:
    """(id, title, text) of every item in one seed file; ids are "NNN" or "NNN#kk"."""
    stem = path.name.split("_", 1)[0]
    lines = path.read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if _VNG_DATE_RE.match(line.strip())]
    if not starts:
        body = list(lines)
        while body and not body[0].strip():
            body.pop(0)
        title = body[0].strip() if body else ""
        return [(stem, title, "\n".join(body[1:]).strip())]
    title_at = [_previous_nonblank(lines, start) for start in starts]
    items = []
    for n, start in enumerate(starts):
        end = title_at[n + 1] if n + 1 < len(starts) else len(lines)
        text_lines = []
        for line in lines[start + 1 : end]:
            if line.strip().startswith(_FOOTER_PREFIX):
                break
            text_lines.append(line)
        title = lines[title_at[n]].strip() if title_at[n] >= 0 else ""
        items.append((f"{stem}#{n + 1:02d}", title, "\n".join(text_lines).strip()))
    return items


def _previous_nonblank(lines: list[str], index: int) -> int:
    """Index of the last non-blank line before ``index`` (-1 if none)."""
    for i in range(index - 1, -1, -1):
        if lines[i].strip():
            return i
    return -1


def load_seed_devset(seeds_dir: Path | str, labels_path: Path | str) -> list[Example]:
    """Rebuild the labelled seed items from ``seeds_dir`` using the labels file.

    Raises InputError when a labelled id is missing from the seeds or its title changed
    (then the labels must be reviewed), naming the labels file and line.
    """
    seeds_dir, labels_path = Path(seeds_dir), Path(labels_path)
    items = {}
    for path in sorted(seeds_dir.glob("*.txt")):
        for item_id, title, text in split_seed(path):
            items[item_id] = (title, text)
    examples = []
    with labels_path.open(encoding="utf-8") as handle:
        records = iter_jsonl(
            (line if not line.strip() else _with_blank_text(line) for line in handle),
            str(labels_path), labelled=True,
        )
        for record in records:
            where = f"{labels_path}:{record['_line']}"
            item = items.get(str(record["id"]))
            if item is None:
                raise InputError(f"{where}: seed item {record['id']!r} not found in {seeds_dir}")
            title, text = item
            if record.get("title_sha1") != title_sha1(title):
                raise InputError(f"{where}: the title of seed item {record['id']!r} changed "
                                 f"(now {title!r}); review its labels and update title_sha1")
            examples.append(Example(str(record["id"]), title, text, tuple(record["labels"]),
                                    kind="seed", origin=where))
    return examples


def _with_blank_text(line: str) -> str:
    """Add empty title/text to a labels line so the shared JSONL validation applies."""
    record = json.loads(line)
    if isinstance(record, dict):
        record.setdefault("title", "")
        record.setdefault("text", "")
    return json.dumps(record, ensure_ascii=False)
