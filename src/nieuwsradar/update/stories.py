"""Story clustering during an update run: new items join the story they repeat.

The recent stories (:data:`STORY_WINDOW`) are loaded into a near-duplicate index when the
first new item needs them. Most items tell a story of their own and stay out of the
clusters table (no extra writes); a story told by one item is known by the negative item
id until a second item joins it and gives it a cluster row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from nieuwsradar import dedupe
from nieuwsradar.storage import Storage
from nieuwsradar.update.work import Processed

#: How far back near-duplicate detection looks for the same story in other sources.
STORY_WINDOW = timedelta(days=14)


class Stories:
    """The story state of one run: the index, promoted stories, sources per story."""

    def __init__(self, storage: Storage, now: datetime) -> None:
        self.storage = storage
        self.now = now
        self._index: dedupe.StoryIndex | None = None
        # story key (cluster id, or -item id for a story told once) → its sources
        self.story_sources: dict[int, set[int]] = {}
        self.promoted: dict[int, int] = {}  # -item id → the cluster its story became

    @property
    def index(self) -> dedupe.StoryIndex:
        """The recent stories, loaded when the first new item needs them (not on 304s)."""
        if self._index is None:
            self._index = dedupe.StoryIndex()
            recent = self.storage.recent_signatures(self.now - STORY_WINDOW)
            self._index.add_many([item_id for item_id, _, _ in recent],
                                 [cluster_id or -item_id for item_id, cluster_id, _ in recent],
                                 dedupe.signature_matrix([sig for _, _, sig in recent]))
        return self._index

    def load(self) -> None:
        """Load the index now: before a source's items are stored, so none matches itself."""
        self.index  # noqa: B018 - the property loads it

    def forget(self) -> None:
        """After a rollback: drop the state that may name rolled-back items or clusters;
        the index is read again from what was committed."""
        self._index = None
        self.promoted.clear()

    def cluster(self, source_id: int, new_ids: Sequence[int], ids: Mapping[str, int],
                processed: Processed) -> int:
        """Attach new items to the story they repeat; count repeats from other sources.

        Call inside the transaction that stored the items, after :meth:`load`. The first
        repeat of a story gives it a cluster row.
        """
        if not new_ids:
            return 0
        index = self.index
        sig_by_id = {ids[it.guid]: sig for it, sig in
                     zip(processed.items, processed.signatures, strict=True) if it.guid in ids}
        signed = [item_id for item_id in new_ids if sig_by_id.get(item_id)]
        matrix = dedupe.signature_matrix([sig_by_id[item_id] or b"" for item_id in signed])
        matched = dict(zip(signed, index.match_many(matrix), strict=True))
        joins: list[tuple[int, int | None]] = []
        story_of: dict[int, int] = {}
        duplicates = 0
        for item_id in new_ids:
            story = matched.get(item_id)
            if story is None:
                story = -item_id
            else:
                story = self.promoted.get(story, story)
                if story < 0:  # first repeat of a story told once: it becomes a cluster
                    cluster_id = self.storage.assign_clusters([(-story, None)])[-story]
                    self.promoted[story] = cluster_id
                    self.story_sources[cluster_id] = self.story_sources.pop(story, set())
                    story = cluster_id
                if source_id not in self.story_sources.get(story, ()):
                    duplicates += 1
                joins.append((item_id, story))
            self.story_sources.setdefault(story, set()).add(source_id)
            story_of[item_id] = story
        if joins:
            self.storage.assign_clusters(joins)
        index.add_many(signed, [story_of[item_id] for item_id in signed], matrix)
        return duplicates
