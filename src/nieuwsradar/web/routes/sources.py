"""The sources page: the health of every source."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from nieuwsradar.core import Radar
from nieuwsradar.web.deps import get_radar
from nieuwsradar.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/bronnen")
def sources_page(request: Request, radar: Annotated[Radar, Depends(get_radar)]) -> Response:
    """Every source with last ok, last error, error count and next check."""
    return render(request, "sources.html", {"sources": radar.sources_by_name()})
