"""Re-tag the stored archive with a (retrained) model."""

from __future__ import annotations

from collections.abc import Callable

from nieuwsradar.classify import DomainModel, item_text
from nieuwsradar.storage import Storage
from nieuwsradar.update.labels import model_labels


def reclassify(storage: Storage, model: DomainModel, *, batch_size: int = 1000,
               progress: Callable[[int], None] | None = None) -> int:
    """Re-tag every stored item with ``model`` (after retraining); human labels stay.

    Each batch is written in its own transaction, so an interrupted run leaves every item
    with either its old or its new model labels. Returns the number of items classified.
    """
    total = 0
    for batch in storage.iter_items(batch_size):
        predictions = model.predict(
            [item_text(it.title, it.content_text or it.summary) for it in batch])
        with storage.transaction():
            storage.set_model_labels([
                (it.id, model_labels(pred, model.version))
                for it, pred in zip(batch, predictions, strict=True)])
        total += len(batch)
        if progress is not None:
            progress(len(batch))
    return total
