"""Candidates for the review queue: recent items no human has labelled yet."""

from __future__ import annotations

import json
from datetime import datetime

from nieuwsradar.storage.base import StorageBase
from nieuwsradar.storage.convert import load_items, to_db
from nieuwsradar.types import Item


class ReviewMixin(StorageBase):
    """Reading the items a coordinator may want to check."""

    def review_candidates(self, since: datetime, limit: int
                          ) -> list[tuple[Item, tuple[str, ...]]]:
        """Up to ``limit`` items published since ``since`` that no human labelled, newest
        first, each with its source's default domains (from feeds.toml)."""
        with self._reading("listing items to review"):
            rows = self._conn.execute(
                "SELECT i.id, s.default_domains FROM items i JOIN sources s ON s.id = "
                "i.source_id WHERE i.published_at >= ? AND NOT EXISTS (SELECT 1 FROM "
                "item_labels h WHERE h.item_id = i.id AND h.origin = 'human') "
                "ORDER BY i.published_at DESC, i.id DESC LIMIT ?",
                (to_db(since, "since"), int(limit)),
            ).fetchall()
            domains = {item_id: tuple(json.loads(raw or "[]")) for item_id, raw in rows}
            items = load_items(self._conn, [item_id for item_id, _ in rows])
        return [(item, domains[item.id]) for item in items]

    def count_human_labelled(self) -> int:
        """How many items a human labelled (including "overig" decisions)."""
        with self._reading("counting human labels"):
            row = self._conn.execute(
                "SELECT COUNT(DISTINCT item_id) FROM item_labels WHERE origin = 'human'"
            ).fetchone()
        return int(row[0])
