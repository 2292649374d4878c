"""Items: set-based upsert with tombstones, reads, deletes; the FTS index moves along."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from nieuwsradar.storage import fts
from nieuwsradar.storage.base import StorageBase
from nieuwsradar.storage.clusters import refresh_clusters
from nieuwsradar.storage.convert import json_ids, load_items, to_db
from nieuwsradar.storage.labels import write_model_labels
from nieuwsradar.types import Item, Label, NewItem

_INSERT = (
    "INSERT INTO items (source_id, guid, url, title, summary, content_text, content_html, "
    "published_at, fetched_at, lang, content_hash, minhash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPDATE = (
    "UPDATE items SET url = ?, title = ?, summary = ?, content_text = ?, content_html = ?, "
    "published_at = ?, fetched_at = ?, lang = ?, content_hash = ?, minhash = ? WHERE id = ?"
)


#: One item waiting to be written: the item, its signature, its stemmed shadow, its
#: model labels (None: not classified) and its vocabulary keys (None: computed here).
Pending = tuple[NewItem, bytes | None, tuple[str, str] | None, Sequence[Label] | None,
                str | None]


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """What :meth:`ItemsMixin.upsert_items` did with a batch.

    ``new_ids`` are in the order of the new items in the batch. ``unchanged`` also
    counts repeats of a guid within the batch (the first occurrence wins). ``ids`` maps
    the guid of every stored item of the batch (new, updated or unchanged) to its row;
    an item recognised under an unstable guid maps to the row it already had.
    """

    new_ids: list[int] = field(default_factory=list)
    updated_ids: list[int] = field(default_factory=list)
    unchanged: int = 0
    tombstoned: int = 0
    ids: dict[str, int] = field(default_factory=dict)


def forget_items(conn: sqlite3.Connection, ids: Sequence[int]) -> None:
    """Delete items with their index entries and labels and repair their clusters
    (inside the caller's transaction)."""
    clusters = [
        r[0] for r in conn.execute(
            "SELECT DISTINCT cluster_id FROM items WHERE cluster_id IS NOT NULL "
            "AND id IN (SELECT value FROM json_each(?))", (json_ids(ids),),
        )
    ]
    fts.unindex_items(conn, ids)
    conn.execute("DELETE FROM items WHERE id IN (SELECT value FROM json_each(?))",
                 (json_ids(ids),))
    refresh_clusters(conn, clusters)


def _sequence(conn: sqlite3.Connection) -> int:
    """The largest item id ever handed out (AUTOINCREMENT counter)."""
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'items'").fetchone()
    return 0 if row is None else int(row[0])


def _row(source_id: int, item: NewItem, signature: bytes | None) -> tuple[object, ...]:
    published, fetched = item.published_at, item.fetched_at
    if published.tzinfo is None or fetched.tzinfo is None:  # only then build the message
        to_db(published, f"published_at of item {item.guid!r}")
        to_db(fetched, f"fetched_at of item {item.guid!r}")
    return (
        source_id, item.guid, item.url, item.title, item.summary, item.content_text,
        item.content_html, to_db(published, "published_at"), to_db(fetched, "fetched_at"),
        item.lang, item.content_hash, signature,
    )


def _same_url_and_title(
    conn: sqlite3.Connection, source_id: int, live: dict[str, Pending],
    known: dict[str, tuple[int, str]],
) -> dict[str, tuple[int, str]]:
    """guid → (id, content_hash) of stored items of the source that the batch's items
    with unknown guids repeat under a new guid (same canonical url and title).

    A row is matched at most once, and never when the batch also carries its own guid.
    """
    unknown = {pair[0].url: guid for guid, pair in live.items()
               if guid not in known and pair[0].url}
    if not unknown:
        return {}
    claimed = {item_id for item_id, _ in known.values()}
    found: dict[str, tuple[int, str]] = {}
    for url, title, item_id, digest in conn.execute(
        "SELECT url, title, id, content_hash FROM items WHERE source_id = ? "
        "AND url IN (SELECT value FROM json_each(?)) ORDER BY id",
        (source_id, json.dumps(list(unknown))),
    ):
        guid = unknown.get(url)
        if (guid is not None and guid not in found and item_id not in claimed
                and live[guid][0].title == title):
            found[guid] = (item_id, digest)
            claimed.add(item_id)
    return found


class ItemsMixin(StorageBase):
    """Writing and reading items."""

    def upsert_items(
        self, source_id: int, items: Sequence[NewItem],
        signatures: Sequence[bytes | None] | None = None,
        stems: Sequence[tuple[str, str]] | None = None,
        labels: Sequence[Sequence[Label]] | None = None,
        *, vocabulary_keys: Sequence[str] | None = None,
        index: fts.IndexBatch | None = None,
    ) -> UpsertResult:
        """Store a batch of items of one source in one transaction.

        A new guid is inserted; a known guid with another content_hash is updated (text,
        index and signature); a known guid with the same hash is left alone; a guid or
        url that was deleted from this source (tombstone) is skipped. ``signatures[i]``
        is the opaque near-duplicate signature of ``items[i]``; ``stems[i]``, when given,
        is its stemmed shadow from :func:`~nieuwsradar.storage.fts.stems_of`;
        ``labels[i]``, when given, are the model's labels of ``items[i]``, stored for the
        new and updated items before they are indexed (the index holds the labels that
        count, see :mod:`~nieuwsradar.storage.fts`). Without ``labels`` an updated item
        keeps its labels. ``vocabulary_keys[i]``, when given, is
        :func:`~nieuwsradar.storage.vocabulary.item_keys` of ``stems[i]``. With ``index``
        the new index rows and vocabulary counts are gathered in it instead of being
        written: the caller writes them with :meth:`write_index` before its transaction
        ends (cheaper for a whole batch of sources, see
        :class:`~nieuwsradar.storage.fts.IndexBatch`).

        Some feeds hand out a new guid on every fetch. An item with an unknown guid but
        the canonical url and title of an item the source already has is that item
        (as mature feed readers treat it): it updates or leaves that row, never adds one.
        """
        if signatures is not None and len(signatures) != len(items):
            raise ValueError(
                f"got {len(signatures)} signatures for {len(items)} items; pass one per item"
            )
        if stems is not None and len(stems) != len(items):
            raise ValueError(f"got {len(stems)} stems for {len(items)} items; pass one per item")
        if labels is not None and len(labels) != len(items):
            raise ValueError(f"got {len(labels)} label lists for {len(items)} items; "
                             "pass one per item")
        if vocabulary_keys is not None and len(vocabulary_keys) != len(items):
            raise ValueError(f"got {len(vocabulary_keys)} vocabulary keys for {len(items)} "
                             "items; pass one per item")
        none = [None] * len(items)
        batch: dict[str, Pending] = {}
        for pending in zip(items, signatures or none, stems or none, labels or none,
                           vocabulary_keys or none, strict=True):
            batch.setdefault(pending[0].guid, pending)
        repeats = len(items) - len(batch)
        with self.transaction():
            conn = self._conn
            if not conn.execute("SELECT 1 FROM sources WHERE id = ?", (source_id,)).fetchone():
                raise self._fail(f"cannot store items: there is no source with id {source_id}")
            dead_guids: set[str] = set()
            dead_urls: set[str] = set()
            for guid, url in conn.execute(
                "SELECT guid, url FROM tombstones WHERE source_id = ?", (source_id,)
            ):
                dead_guids.add(guid)
                if url:
                    dead_urls.add(url)
            live = {
                g: pair for g, pair in batch.items()
                if g not in dead_guids and pair[0].url not in dead_urls
            }
            existing = {
                guid: (item_id, digest) for guid, item_id, digest in conn.execute(
                    "SELECT guid, id, content_hash FROM items WHERE source_id = ? "
                    "AND guid IN (SELECT value FROM json_each(?))",
                    (source_id, json.dumps(list(live))),
                )
            }
            existing.update(_same_url_and_title(conn, source_id, live, existing))
            ids: dict[str, int] = {}
            new: list[Pending] = []
            changed: list[tuple[int, Pending]] = []
            seen: set[int] = set()
            for guid, pair in live.items():
                if guid not in existing:
                    new.append(pair)
                    continue
                item_id, digest = existing[guid]
                ids[guid] = item_id
                if item_id not in seen and digest != pair[0].content_hash:
                    changed.append((item_id, pair))
                seen.add(item_id)
            new_ids = self._insert(source_id, new)
            ids.update((pair[0].guid, i) for pair, i in zip(new, new_ids, strict=True))
            updated_ids = self._update(changed)
            written = [*zip(new_ids, new, strict=True), *changed]
            write_model_labels(conn, [(i, pair[3]) for i, pair in written
                                      if pair[3] is not None])
            tags = fts.tags_of(conn, [i for i, _ in written])
            fts.index_rows(conn, [
                fts.fts_row(i, item.title, item.summary, item.content_text, tags[i], shadow)
                for i, (item, _, shadow, _, _) in written
            ], keys=[pair[4] for _, pair in written], batch=index)
        return UpsertResult(
            new_ids=new_ids,
            updated_ids=updated_ids,
            unchanged=len(live) - len(new) - len(changed) + repeats,
            tombstoned=len(batch) - len(live),
            ids=ids,
        )

    def _insert(self, source_id: int, new: list[Pending]) -> list[int]:
        if not new:
            return []
        conn = self._conn
        before = _sequence(conn)
        conn.executemany(_INSERT, (_row(source_id, item, sig) for item, sig, _, _, _ in new))
        after = _sequence(conn)
        # AUTOINCREMENT ids only grow and we hold the write lock: n new rows whose ids
        # lie in (before, after] with after - before == n are exactly that range, in order.
        if after - before != len(new):
            raise self._fail(f"item ids {before + 1}..{after} are not consecutive for "
                             f"{len(new)} new items; run check_integrity()")
        return list(range(before + 1, after + 1))

    def _update(self, changed: list[tuple[int, Pending]]) -> list[int]:
        if not changed:
            return []
        conn = self._conn
        ids = [item_id for item_id, _ in changed]
        fts.unindex_items(conn, ids)
        conn.executemany(_UPDATE, (
            (*_row(0, item, sig)[2:], item_id) for item_id, (item, sig, _, _, _) in changed
        ))
        return ids

    def write_index(self, batch: fts.IndexBatch) -> None:
        """Write the index rows gathered by :meth:`upsert_items` (its ``index``); call it
        inside the transaction that stored the items, after the last of them."""
        with self.transaction():
            fts.write_index(self._conn, batch)

    def ids_by_guid(self, source_id: int, guids: Sequence[str]) -> dict[str, int]:
        """guid → item id for the given guids that the source has stored."""
        with self._reading():
            return dict(self._conn.execute(
                "SELECT guid, id FROM items WHERE source_id = ? "
                "AND guid IN (SELECT value FROM json_each(?))",
                (source_id, json.dumps(list(guids))),
            ).fetchall())

    def existing_guids(self, source_id: int, guids: Sequence[str]) -> set[str]:
        """The guids among ``guids`` that the source has stored (before fetching full
        text, to skip pages already known)."""
        return set(self.ids_by_guid(source_id, guids))

    def get_item(self, item_id: int) -> Item:
        """One item with its source name and labels; StorageError if it does not exist."""
        items = self.get_items([item_id])
        if not items:
            raise self._fail(f"there is no item with id {item_id}")
        return items[0]

    def get_items(self, ids: Sequence[int]) -> list[Item]:
        """The items that exist among ``ids``, in the order given."""
        with self._reading():
            return load_items(self._conn, ids)

    def delete_item(self, item_id: int) -> None:
        """Delete an item and remember its guid and url so it is never stored again."""
        with self.transaction():
            row = self._conn.execute(
                "SELECT source_id, guid, url FROM items WHERE id = ?", (item_id,)
            ).fetchone()
            if row is None:
                raise self._fail(f"cannot delete item {item_id}: there is no such item")
            self._conn.execute(
                "INSERT OR REPLACE INTO tombstones (source_id, guid, url, deleted_at) "
                "VALUES (?, ?, ?, ?)",
                (*row, to_db(datetime.now(UTC), "deleted_at")),
            )
            forget_items(self._conn, [item_id])

    def count_items(self) -> int:
        """The number of stored items."""
        with self._reading():
            return int(self._conn.execute("SELECT count(*) FROM items").fetchone()[0])

    def iter_items(self, batch_size: int = 1000) -> Iterator[list[Item]]:
        """All items in id order, ``batch_size`` at a time (for reclassifying)."""
        last = 0
        while True:
            with self._reading():
                ids = [r[0] for r in self._conn.execute(
                    "SELECT id FROM items WHERE id > ? ORDER BY id LIMIT ?", (last, batch_size)
                )]
                if not ids:
                    return
                batch = load_items(self._conn, ids)
            last = ids[-1]
            yield batch
