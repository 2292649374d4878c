"""Pydantic models of the JSON API (they document ``/openapi.json``).

The shapes are those of :func:`nieuwsradar.present.item_json` and
:func:`~nieuwsradar.present.source_json`, so the CLI's ``--json`` and the API agree.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class LabelOut(BaseModel):
    """A domain label on an item."""

    label: str
    score: float
    origin: str = Field(description='"model" or "human" (a coordinator\'s correction)')
    model_version: str | None


class ItemOut(BaseModel):
    """An item (summary form)."""

    id: int
    title: str
    url: str
    source_id: int
    source: str
    published_at: str
    fetched_at: str
    story_id: int | None = Field(description="the story (cluster) across sources, if any")
    labels: list[LabelOut]
    summary: str
    lang: str


class HitOut(ItemOut):
    """A search result: the item with its rank and a plain-text snippet."""

    rank: float
    snippet: str


class CorrectionOut(BaseModel):
    """A coordinator's label correction."""

    labels: list[str]
    by: str
    at: str


class ItemDetailOut(ItemOut):
    """An item with its full text, sanitized HTML and correction history."""

    content_text: str
    content_html: str = Field(description="sanitized HTML (nh3)")
    corrections: list[CorrectionOut]


class FacetOut(BaseModel):
    """How many matches share one filter value."""

    value: str
    name: str
    count: int


class SearchOut(BaseModel):
    """One page of search results."""

    total: int = Field(description="matches, counted up to 10,000")
    more: bool = Field(description="true when the count stopped at the cap")
    limit: int
    offset: int
    hits: list[HitOut]
    facets: dict[str, list[FacetOut]] = Field(description='keys "domein" and "bron"')
    facets_over: int = Field(description="how many matches (the newest) the facets counted")
    warnings: list[str] = Field(description="why part of the query was ignored (Dutch)")


class SourceOut(BaseModel):
    """A source with its health."""

    id: int
    name: str
    url: str
    kind: str
    publisher: str
    domains: list[str]
    interval_s: int
    items: int
    error_count: int
    last_error: str | None
    last_ok_at: str | None
    last_checked_at: str | None
    next_check_at: str | None


class TopicOut(BaseModel):
    """A label of the taxonomy and how many items carry it."""

    id: str
    name: str
    description: str
    items: int


class StoryOut(BaseModel):
    """The items of one story, told by one or more sources, oldest first."""

    id: int
    items: list[ItemOut]


class LabelsIn(BaseModel):
    """A label correction: the labels the item belongs to (empty = overig)."""

    labels: list[str] = Field(max_length=50)


class ErrorOut(BaseModel):
    """An error."""

    detail: str
