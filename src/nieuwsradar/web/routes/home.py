"""The start page: newest items per domain, counts this week, failing sources."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from nieuwsradar.core import Radar
from nieuwsradar.web.deps import get_radar
from nieuwsradar.web.routes import trends
from nieuwsradar.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, radar: Annotated[Radar, Depends(get_radar)]) -> Response:
    """The start page."""
    return render(request, "home.html", {"page": radar.home(),
                                         "trends_teaser": trends.teaser(radar)})
