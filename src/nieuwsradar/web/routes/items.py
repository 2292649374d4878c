"""The item page (/item/{id}) and the label correction form of coordinators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response

from nieuwsradar.core import Radar
from nieuwsradar.errors import InputError
from nieuwsradar.types import User
from nieuwsradar.web.deps import get_radar, require_coordinator, verify_csrf
from nieuwsradar.web.routes.auth import local_target
from nieuwsradar.web.templating import render

router = APIRouter(include_in_schema=False)

ItemId = Annotated[int, Path(ge=1, le=2**62)]


@router.get("/item/{item_id}")
def item_page(request: Request, item_id: ItemId,
              radar: Annotated[Radar, Depends(get_radar)],
              opgeslagen: str = "") -> Response:
    """Title, source, date, sanitized content, story, labels with explanations."""
    page = radar.item_page(item_id)
    if page is None:
        raise HTTPException(404)
    chosen = {lab.topic.id for lab in page.labels}
    return render(request, "item.html", {"page": page, "chosen": chosen,
                                         "saved": opgeslagen == "1"})


@router.post("/item/{item_id}/labels")
def correct_labels(item_id: ItemId, radar: Annotated[Radar, Depends(get_radar)],
                   user: Annotated[User, Depends(require_coordinator)],
                   _csrf: Annotated[None, Depends(verify_csrf)],
                   label: Annotated[list[str] | None, Form(max_length=200)] = None,
                   terug: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Store the labels a coordinator ticked (none = overig) and show the item again, or
    go to ``terug`` when that is a path on this site (the review queue sends it)."""
    known = {topic.id for topic in radar.taxonomy().topics}
    chosen = [lab for lab in (label or []) if lab in known]
    try:
        radar.correct_labels(item_id, chosen, user)
    except InputError:
        raise HTTPException(404) from None
    target = local_target(terug)
    if target == "/":  # no (safe) return path: show the item with its new labels
        target = f"/item/{item_id}?opgeslagen=1#labels"
    return RedirectResponse(target, status_code=303)
