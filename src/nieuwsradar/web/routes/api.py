"""The JSON API under /api/ (documented in /openapi.json and on /api/docs).

Reading is open. Correcting labels needs a coordinator: a session cookie plus the
session's CSRF token in ``X-CSRF-Token``, or a personal API token
(``Authorization: Bearer``, made with ``nieuwsradar users token EMAIL``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query

from nieuwsradar import present
from nieuwsradar.core import Radar, SearchRequest
from nieuwsradar.core.search import MAX_OFFSET
from nieuwsradar.errors import InputError
from nieuwsradar.types import User
from nieuwsradar.web.deps import get_radar, require_coordinator, verify_csrf
from nieuwsradar.web.schemas import (
    ErrorOut,
    ItemDetailOut,
    LabelsIn,
    SearchOut,
    SourceOut,
    StoryOut,
    TopicOut,
)

router = APIRouter(prefix="/api", tags=["api"])

RadarDep = Annotated[Radar, Depends(get_radar)]
Id = Annotated[int, Path(ge=1, le=2**62)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut}}


@router.get("/items", response_model=SearchOut, summary="Zoeken in het archief")
def list_items(
    radar: RadarDep,
    q: Annotated[str, Query(max_length=3000, description="search text; the query syntax "
                            "of the search box works too")] = "",
    domein: Annotated[list[str] | None, Query(max_length=50,
                                              description="label ids, any of them")] = None,
    bron: Annotated[list[Annotated[int, Query(ge=1, le=2**62)]] | None,
                    Query(max_length=50, description="source ids, any of them")] = None,
    van: Annotated[date | None, Query(description="first day (inclusive)")] = None,
    tot: Annotated[date | None, Query(description="last day (inclusive)")] = None,
    sort: Literal["relevance", "date"] = "relevance",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    """Search the archive: one page of hits, the capped total, facets and warnings."""
    results = radar.find(SearchRequest(
        text=q.replace("\x00", " "), domains=tuple(d.replace("\x00", " ") for d in domein or ()),
        sources=tuple(bron or ()), since=van, until=tot, sort=sort, limit=limit, offset=offset))
    return {
        "total": results.total, "more": results.more, "limit": limit, "offset": offset,
        "hits": [{**present.item_json(hit.item, snippet=hit.snippet), "rank": hit.rank}
                 for hit in results.hits],
        "facets": {key: [{"value": f.value, "name": f.name, "count": f.count} for f in values]
                   for key, values in results.facets.items()},
        "warnings": results.warnings, "facets_over": results.facets_over,
    }


def _detail(radar: Radar, item_id: int) -> dict[str, Any]:
    page = radar.item_page(item_id)
    if page is None:
        raise HTTPException(404, f"er is geen item {item_id}")
    data = present.item_json(page.item, full=True)
    data["content_html"] = page.content_html
    data["corrections"] = [{"labels": list(c.labels), "by": c.by, "at": present.iso(c.at)}
                           for c in page.corrections]
    return data


@router.get("/items/{item_id}", response_model=ItemDetailOut, responses=NOT_FOUND,
            summary="Eén item")
def get_item(item_id: Id, radar: RadarDep) -> dict[str, Any]:
    """One item with its full text, sanitized HTML, labels and corrections."""
    return _detail(radar, item_id)


@router.put("/items/{item_id}/labels", response_model=ItemDetailOut,
            summary="Labels van een item corrigeren (coördinator)",
            responses={**NOT_FOUND, 401: {"model": ErrorOut}, 403: {"model": ErrorOut}})
def put_labels(item_id: Id, body: LabelsIn, radar: RadarDep,
               user: Annotated[User, Depends(require_coordinator)],
               _csrf: Annotated[None, Depends(verify_csrf)]) -> dict[str, Any]:
    """Set the labels of an item (empty = overig): a coordinator's correction, which wins
    over the model and is used by the next training run."""
    known = {topic.id for topic in radar.taxonomy().topics}
    unknown = sorted(set(body.labels) - known)
    if unknown:
        raise HTTPException(422, f"onbekende labels {unknown}; kies uit {sorted(known)}")
    try:
        radar.correct_labels(item_id, body.labels, user)
    except InputError:
        raise HTTPException(404, f"er is geen item {item_id}") from None
    return _detail(radar, item_id)


@router.get("/sources", response_model=list[SourceOut], summary="Bronnen en hun gezondheid")
def list_sources(radar: RadarDep) -> list[dict[str, Any]]:
    """Every source with its health."""
    return [present.source_json(s) for s in radar.sources_by_name()]


@router.get("/labels", response_model=list[TopicOut], summary="De labels (domeinen)")
def list_labels(radar: RadarDep) -> list[dict[str, Any]]:
    """The labels of the taxonomy with the number of items carrying each."""
    counts = dict(radar.label_counts())
    return [{"id": t.id, "name": t.name, "description": t.description,
             "items": counts.get(t.id, 0)} for t in radar.taxonomy().topics]


@router.get("/stories/{story_id}", response_model=StoryOut, responses=NOT_FOUND,
            summary="Eén verhaal bij meerdere bronnen")
def get_story(story_id: Id, radar: RadarDep) -> dict[str, Any]:
    """The items of one story (the same news across sources), oldest first."""
    items = radar.story(story_id)
    if not items:
        raise HTTPException(404, f"er is geen verhaal {story_id}")
    return {"id": story_id, "items": [present.item_json(item) for item in items]}
