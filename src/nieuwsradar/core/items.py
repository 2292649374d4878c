"""Facade part: items, labels and stories."""

from __future__ import annotations

from collections.abc import Sequence

from nieuwsradar.core.base import RadarBase
from nieuwsradar.errors import InputError
from nieuwsradar.types import Item


class ItemsPart(RadarBase):
    """Read, correct and delete items; stories across sources."""

    def item(self, item_id: int) -> Item:
        """One stored item (ItemNotFound when there is none)."""
        return self._db.get_item(item_id)

    def set_human_labels(self, item_id: int, labels: Sequence[str]) -> Item:
        """Store a human correction (empty, or the taxonomy's none label, = overig); it
        wins over the model from now on. Only labels of the taxonomy are accepted."""
        taxonomy = self.taxonomy()
        labels = [label for label in labels if label != taxonomy.none_label]
        bad = [label for label in labels if label not in taxonomy.labels]
        if bad:
            raise InputError(f"onbekend label {', '.join(map(repr, bad))}; kies uit "
                             f"{', '.join(taxonomy.labels)} (geen label = "
                             f"{taxonomy.none_label}; nieuwe labels komen in topics.toml)")
        db = self._db
        db.get_item(item_id)
        with db.transaction():
            db.set_human_labels(item_id, list(dict.fromkeys(labels)))
        return db.get_item(item_id)

    def delete_item(self, item_id: int) -> Item:
        """Delete an item for good: a tombstone keeps later updates from storing it again."""
        item = self._db.get_item(item_id)
        self._db.delete_item(item_id)
        return item

    def count_items(self) -> int:
        """How many items the archive holds."""
        return self._db.count_items()

    def label_counts(self) -> list[tuple[str, int]]:
        """How many items carry each label (human labels winning over the model)."""
        return self._db.label_counts()

    def multi_source_stories(self, limit: int = 10) -> list[list[Item]]:
        """The latest stories told by more than one source, each as its items."""
        return self._db.multi_source_clusters(limit=limit)

    def story(self, cluster_id: int) -> list[Item]:
        """The items of one story (cluster), oldest first."""
        return self._db.cluster_items(cluster_id)

    def human_examples(self) -> list[dict[str, object]]:
        """Human-labelled items as training examples (id, title, text, labels)."""
        return [
            {"id": f"db-{item.id}", "title": item.title,
             "text": item.content_text or item.summary, "labels": list(labels)}
            for item, labels in self._db.human_labelled()
        ]
