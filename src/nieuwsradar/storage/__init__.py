"""SQLite storage: the only package with SQL in nieuwsradar.

``open_storage(path)`` creates or migrates the database and returns a :class:`Storage`.
Layout: ``connection`` (pragmas, error translation), ``migrations`` (numbered schema),
``fts`` (full-text index upkeep), ``convert`` (shared conversions), and one mixin per
feature: ``sources``, ``items``, ``labels``, ``clusters``, ``search``; ``db`` puts them
together.
"""

from nieuwsradar.storage.db import Storage, open_storage
from nieuwsradar.storage.items import UpsertResult
from nieuwsradar.storage.migrations import SCHEMA_VERSION
from nieuwsradar.storage.search import MARK_END, MARK_START, SearchQuery

__all__ = [
    "MARK_END",
    "MARK_START",
    "SCHEMA_VERSION",
    "SearchQuery",
    "Storage",
    "UpsertResult",
    "open_storage",
]
