"""Trends pages: rising topics per domain and per network, with charts and drill-down."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from nieuwsradar.config import DOMAINS
from nieuwsradar.core import Radar
from nieuwsradar.errors import InputError
from nieuwsradar.trends import Trend, parse_week, week_label, why
from nieuwsradar.trends.chart import chart
from nieuwsradar.trends.report import DOMAIN_NAMES
from nieuwsradar.web.deps import current_user, get_radar
from nieuwsradar.web.templating import render

router = APIRouter(include_in_schema=False)


def search_link(trend: Trend, first: date, last: date, domain: str) -> str:
    """The search query that shows a topic's items in the window (the drill-down)."""
    if trend.kind == "story":
        return ""
    end = last + timedelta(days=6)
    query = f'"{trend.topic}" sinds:{first.isoformat()} tot:{end.isoformat()}'
    if domain:
        query += f' domein:"{domain}"'
    return query


@router.get("/trends")
def trends_page(request: Request, radar: Annotated[Radar, Depends(get_radar)],
                domein: Annotated[str, Query(max_length=40)] = "",
                netwerk: Annotated[str, Query(max_length=40)] = "",
                week: Annotated[str, Query(max_length=10)] = "") -> Response:
    """The top rising topics of a week, overall and per domain (or one domain), ordered
    for a network when one is chosen."""
    problems = []
    domain = domein.replace("-", " ") if domein.replace("-", " ") in DOMAINS else None
    if domein and domain is None:
        problems.append(f"Onbekend domein “{domein}”; alle domeinen getoond.")
    monday = None
    if week:
        try:
            monday = parse_week(week)
        except ValueError:
            problems.append(f"“{week}” is geen ISO-week (schrijf bijvoorbeeld 2026-W49); "
                            "de laatste week is getoond.")
    networks = radar.networks()
    network = netwerk if netwerk in networks else None
    if netwerk and network is None:
        problems.append(f"Netwerk “{netwerk}” heeft geen leden; de volgorde is voor iedereen.")
    report = radar.trends(week=monday or radar.latest_week(), domain=domain, network=network)
    user = current_user(request)
    return render(request, "trends/index.html", {
        "report": report, "domain": domain or "", "network": network or "",
        "networks": networks, "domains": DOMAINS, "domain_names": DOMAIN_NAMES,
        "problems": problems, "week_label": week_label,
        "previous_week": week_label(report.weeks[0] - timedelta(weeks=1)),
        "next_week": week_label(report.weeks[0] + timedelta(weeks=1)),
        "why": lambda t: why(t, len(report.weeks), len(report.baseline)),
        "chart": lambda t: chart(t.series, highlight=len(report.weeks)),
        "search_link": lambda t, d: search_link(t, report.weeks[0], report.weeks[-1], d),
        "meetings": radar.meetings() if user else [],
    })


def teaser(radar: Radar) -> dict[str, object]:
    """The trends teaser for the start page: the top three rising topics overall."""
    try:
        report = radar.trends(week=radar.latest_week(), overall_only=True, limit=3)
    except InputError:
        return {"topics": [], "label": ""}
    return {"topics": report.domains[0].topics, "label": report.label}
