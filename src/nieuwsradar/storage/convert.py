"""Conversions between Python values and database values, shared by the storage modules.

Datetimes are stored as fixed-width ISO-8601 UTC text (sortable as text) and always come
back timezone-aware in UTC. Lists of ids travel as one JSON array parameter and are
unpacked in SQL with ``json_each``, so a set of any size is one bound parameter.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from nieuwsradar.errors import StorageError
from nieuwsradar.types import Item, Label

ITEM_SELECT = (
    "SELECT i.id, i.source_id, i.guid, i.url, i.title, i.summary, i.content_text, "
    "i.content_html, i.published_at, i.fetched_at, i.lang, i.content_hash, i.cluster_id, "
    "s.name FROM items i JOIN sources s ON s.id = i.source_id"
)
OVERIG = "overig"
"""The label of "no domain"; a human row with it records that a human said so."""


def json_ids(ids: Iterable[int]) -> str:
    """Encode ids as a JSON array for ``json_each(?)``."""
    return json.dumps([int(i) for i in ids])


def to_db(value: datetime, what: str) -> str:
    """Store a timezone-aware datetime as UTC text; ``what`` names it in the error."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise StorageError(
            f"{what} is a naive datetime ({value.isoformat()}); pass a timezone-aware "
            "datetime (UTC)"
        )
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def to_db_opt(value: datetime | None, what: str) -> str | None:
    """Like :func:`to_db`, passing None through."""
    return None if value is None else to_db(value, what)


def from_db(text: str) -> datetime:
    """Read a datetime stored by :func:`to_db`."""
    return datetime.fromisoformat(text)


def from_db_opt(text: str | None) -> datetime | None:
    """Like :func:`from_db`, passing None through."""
    return None if text is None else datetime.fromisoformat(text)


def effective_labels(
    conn: sqlite3.Connection, ids: Sequence[int]
) -> dict[int, tuple[Label, ...]]:
    """The labels that count for each item: its human labels when a human labelled it
    (the OVERIG marker left out), else its model labels; highest score first."""
    rows = conn.execute(
        "SELECT item_id, label, score, origin, model_version FROM item_labels "
        "WHERE item_id IN (SELECT value FROM json_each(?)) "
        "ORDER BY item_id, origin = 'model', score DESC, label",
        (json_ids(ids),),
    ).fetchall()
    human: dict[int, list[Label]] = {}
    model: dict[int, list[Label]] = {}
    for item_id, label, score, origin, version in rows:
        target = human if origin == "human" else model
        target.setdefault(item_id, []).append(Label(label, score, origin, version))
    result = {i: tuple(labels) for i, labels in model.items()}
    for item_id, labels in human.items():
        result[item_id] = tuple(lab for lab in labels if lab.label != OVERIG)
    return result


def load_items(conn: sqlite3.Connection, ids: Sequence[int]) -> list[Item]:
    """Load the items ``ids`` with source name and effective labels, in the order given;
    ids that do not exist are left out."""
    if not ids:
        return []
    rows = conn.execute(
        f"{ITEM_SELECT} WHERE i.id IN (SELECT value FROM json_each(?))", (json_ids(ids),)  # noqa: S608
    ).fetchall()
    labels = effective_labels(conn, [r[0] for r in rows])
    by_id = {
        r[0]: Item(
            id=r[0], source_id=r[1], guid=r[2], url=r[3], title=r[4], summary=r[5],
            content_text=r[6], content_html=r[7], published_at=from_db(r[8]),
            fetched_at=from_db(r[9]), lang=r[10], content_hash=r[11], cluster_id=r[12],
            source_name=r[13], labels=labels.get(r[0], ()),
        )
        for r in rows
    }
    return [by_id[i] for i in ids if i in by_id]


def missing_ids(conn: sqlite3.Connection, table: str, ids: Iterable[int]) -> list[int]:
    """The ids of ``ids`` that have no row in ``table`` (a fixed table name from code)."""
    if table not in ("items", "clusters", "sources"):
        raise ValueError(f"unknown table {table!r}")
    return [
        row[0] for row in conn.execute(
            f"SELECT value FROM json_each(?) WHERE value NOT IN (SELECT id FROM {table})",  # noqa: S608
            (json_ids(ids),),
        )
    ]
