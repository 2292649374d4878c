"""Domain labels per item: model predictions and human corrections.

Human labels win: when a human labelled an item, only the human labels count when
reading (:func:`~nieuwsradar.storage.convert.effective_labels`). "The human says no
domain" is stored as one human row with the label ``overig``, which readers leave out.
The labels that count are also in the search index (filter tokens): every change here
re-indexes the items whose labels that count changed (:func:`~nieuwsradar.storage.fts.retag`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

from nieuwsradar.storage import fts
from nieuwsradar.storage.base import StorageBase
from nieuwsradar.storage.convert import OVERIG, json_ids, load_items, missing_ids, to_db
from nieuwsradar.types import Item, Label


def write_model_labels(conn: sqlite3.Connection,
                       rows: Sequence[tuple[int, Sequence[Label]]]) -> None:
    """Replace the model labels of each listed item (inside the caller's transaction;
    the caller keeps the index in step)."""
    if not rows:
        return
    at = to_db(datetime.now(UTC), "at")
    conn.execute(
        "DELETE FROM item_labels WHERE origin = 'model' "
        "AND item_id IN (SELECT value FROM json_each(?))",
        (json_ids([item_id for item_id, _ in rows]),),
    )
    conn.executemany(
        "INSERT INTO item_labels (item_id, label, score, origin, model_version, at) "
        "VALUES (?, ?, ?, 'model', ?, ?)",
        [(item_id, lab.label, float(lab.score), lab.model_version, at)
         for item_id, labels in rows for lab in labels],
    )


class LabelsMixin(StorageBase):
    """Writing and reading labels."""

    def set_model_labels(self, rows: Sequence[tuple[int, Sequence[Label]]]) -> None:
        """Replace the model labels of each listed item by the given ones (store only
        the labels the model assigns; an empty list clears them). Human labels stay."""
        if not rows:
            return
        ids = [item_id for item_id, _ in rows]
        with self.transaction():
            unknown = missing_ids(self._conn, "items", ids)
            if unknown:
                raise self._fail(f"cannot label items {unknown}: no such items")
            write_model_labels(self._conn, rows)
            fts.retag(self._conn, ids)

    def set_human_labels(self, item_id: int, labels: Sequence[str]) -> None:
        """Replace the human labels of an item; an empty list records that a human
        says the item is "overig" (no domain), which then beats the model's labels."""
        chosen = [lab for lab in dict.fromkeys(x.strip() for x in labels) if lab]
        chosen = [lab for lab in chosen if lab != OVERIG] or [OVERIG]
        at = to_db(datetime.now(UTC), "at")
        with self.transaction():
            if missing_ids(self._conn, "items", [item_id]):
                raise self._fail(f"cannot label item {item_id}: there is no such item")
            self._conn.execute(
                "DELETE FROM item_labels WHERE origin = 'human' AND item_id = ?", (item_id,)
            )
            self._conn.executemany(
                "INSERT INTO item_labels (item_id, label, score, origin, model_version, at) "
                "VALUES (?, ?, 1.0, 'human', NULL, ?)",
                [(item_id, lab, at) for lab in chosen],
            )
            fts.retag(self._conn, [item_id])

    def label_counts(self) -> list[tuple[str, int]]:
        """(label, number of items) over the labels that count, most frequent first."""
        with self._reading():
            rows = self._conn.execute(
                "SELECT l.label, count(*) FROM item_labels l WHERE l.label <> ? "
                "AND (l.origin = 'human' OR NOT EXISTS (SELECT 1 FROM item_labels h "
                "WHERE h.item_id = l.item_id AND h.origin = 'human')) "
                "GROUP BY l.label ORDER BY 2 DESC, 1",
                (OVERIG,),
            ).fetchall()
        return [(label, int(count)) for label, count in rows]

    def human_labelled(self) -> list[tuple[Item, tuple[str, ...]]]:
        """Every item a human labelled, with the human labels (empty = overig), by id."""
        with self._reading():
            ids = [r[0] for r in self._conn.execute(
                "SELECT DISTINCT item_id FROM item_labels WHERE origin = 'human' "
                "ORDER BY item_id"
            )]
            items = load_items(self._conn, ids)
        return [(item, tuple(lab.label for lab in item.labels)) for item in items]
