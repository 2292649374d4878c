"""``GET /health``: the service's health for monitoring (uptime checks, a load balancer).

200 with a JSON report while the database is usable, 503 when it is not (removed,
unreadable, damaged). Sources failing for more than a day and the last poll are reported
but do not make the service unhealthy: they need a coordinator, not a restart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from nieuwsradar.core.service import Health
from nieuwsradar.web.deps import get_radar

router = APIRouter()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def health_json(health: Health) -> dict[str, Any]:
    """The JSON shape of a health report."""
    poll = health.last_poll
    return {
        "status": "ok" if health.ok else "unavailable",
        "database": {"ok": health.ok, "error": health.database_error},
        "last_poll": {
            "started_at": _iso(poll.started_at), "finished_at": _iso(poll.finished_at),
            "running": poll.running, "sources": poll.sources,
            "sources_failed": poll.sources_failed, "items_new": poll.items_new,
            "error": poll.error,
        },
        "failing_sources": [
            {"id": f.id, "name": f.name, "url": f.url, "failing_since": _iso(f.since),
             "error_count": f.error_count, "last_error": f.last_error}
            for f in health.failing],
    }


@router.get("/health", include_in_schema=False)  # for monitoring, not part of the API
def health(request: Request) -> JSONResponse:
    """Database reachable, last poll (start, end, outcome), sources failing > 1 day."""
    report = get_radar(request).health()
    return JSONResponse(health_json(report), status_code=200 if report.ok else 503,
                        headers={"Cache-Control": "no-store"})
