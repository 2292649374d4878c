"""Story clusters: the same story across sources (near-duplicates found by dedupe)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime

from nieuwsradar.storage.base import StorageBase
from nieuwsradar.storage.convert import json_ids, load_items, missing_ids, to_db
from nieuwsradar.types import Item


def refresh_clusters(conn: sqlite3.Connection, cluster_ids: Iterable[int]) -> None:
    """Recompute size and first_seen_at of the clusters, keep their representative when
    it is still a member (else take the earliest member), and drop empty clusters."""
    ids = json_ids(set(cluster_ids))
    conn.execute(
        "UPDATE clusters SET "
        "size = (SELECT count(*) FROM items WHERE cluster_id = clusters.id), "
        "first_seen_at = coalesce((SELECT min(published_at) FROM items "
        "  WHERE cluster_id = clusters.id), first_seen_at), "
        "representative_item_id = CASE WHEN EXISTS (SELECT 1 FROM items "
        "  WHERE id = clusters.representative_item_id AND cluster_id = clusters.id) "
        "  THEN representative_item_id ELSE (SELECT id FROM items "
        "  WHERE cluster_id = clusters.id ORDER BY published_at, id LIMIT 1) END "
        "WHERE id IN (SELECT value FROM json_each(?))",
        (ids,),
    )
    conn.execute(
        "DELETE FROM clusters WHERE size = 0 AND id IN (SELECT value FROM json_each(?))",
        (ids,),
    )


class ClustersMixin(StorageBase):
    """Signatures for near-duplicate detection and cluster membership."""

    def recent_signatures(self, since: datetime) -> list[tuple[int, int | None, bytes]]:
        """(item_id, cluster_id, signature) of items with a signature published at or
        after ``since``, oldest first; cluster_id is None for a story told once so far."""
        with self._reading():
            rows = self._conn.execute(
                "SELECT id, cluster_id, minhash FROM items WHERE published_at >= ? "
                "AND minhash IS NOT NULL ORDER BY published_at, id",
                (to_db(since, "since"),),
            ).fetchall()
        return [(r[0], r[1], bytes(r[2])) for r in rows]

    def assign_clusters(self, rows: Sequence[tuple[int, int | None]]) -> dict[int, int]:
        """Put items into clusters: ``(item_id, cluster_id)`` joins an existing cluster,
        ``(item_id, None)`` starts a new cluster with the item as representative.

        Sizes, first_seen_at and representatives of every touched cluster are kept
        right; clusters left empty are deleted. Returns item_id → cluster_id, so a caller
        can put later items into a cluster that this call created.
        """
        wanted = dict(rows)
        if not wanted:
            return {}
        with self.transaction():
            conn = self._conn
            unknown = missing_ids(conn, "items", wanted)
            if unknown:
                raise self._fail(f"cannot cluster items {unknown}: no such items")
            targets = {c for c in wanted.values() if c is not None}
            unknown = missing_ids(conn, "clusters", targets)
            if unknown:
                raise self._fail(f"cannot put items into clusters {unknown}: no such clusters")
            touched = set(targets)
            touched.update(r[0] for r in conn.execute(
                "SELECT cluster_id FROM items WHERE cluster_id IS NOT NULL "
                "AND id IN (SELECT value FROM json_each(?))", (json_ids(wanted),),
            ))
            result = {i: c for i, c in wanted.items() if c is not None}
            fresh = [i for i, c in wanted.items() if c is None]
            if fresh:  # one statement starts every new cluster
                result.update((rep, cid) for cid, rep in conn.execute(
                    "INSERT INTO clusters (first_seen_at, size, representative_item_id) "
                    "SELECT published_at, 1, id FROM items "
                    "WHERE id IN (SELECT value FROM json_each(?)) "
                    "RETURNING id, representative_item_id",
                    (json_ids(fresh),),
                ).fetchall())
            conn.executemany(
                "UPDATE items SET cluster_id = ? WHERE id = ?",
                [(c, i) for i, c in result.items()],
            )
            refresh_clusters(conn, touched | set(result.values()))
        return result

    def multi_source_clusters(self, limit: int = 10) -> list[list[Item]]:
        """Stories told by more than one source: the items of up to ``limit`` clusters,
        the clusters with the most sources first, then the most recent."""
        with self._reading():
            ids = [r[0] for r in self._conn.execute(
                "SELECT cluster_id FROM items "
                "WHERE cluster_id IN (SELECT id FROM clusters WHERE size > 1) "
                "GROUP BY cluster_id HAVING count(DISTINCT source_id) > 1 "
                "ORDER BY count(DISTINCT source_id) DESC, max(published_at) DESC LIMIT ?",
                (limit,),
            )]
        return [self.cluster_items(cluster_id) for cluster_id in ids]

    def cluster_items(self, cluster_id: int) -> list[Item]:
        """The items of a cluster, earliest published first."""
        with self._reading():
            ids = [r[0] for r in self._conn.execute(
                "SELECT id FROM items WHERE cluster_id = ? ORDER BY published_at, id",
                (cluster_id,),
            )]
            return load_items(self._conn, ids)
