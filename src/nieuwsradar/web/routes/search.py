"""Search pages (/zoeken, /domein/{label}) and their Atom feeds (…/atom)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from nieuwsradar.classify import Topic
from nieuwsradar.core import Radar
from nieuwsradar.web.atom import build_feed
from nieuwsradar.web.deps import get_radar
from nieuwsradar.web.forms import PAGE_SIZE, SearchForm, read_form
from nieuwsradar.web.templating import label_slug, render

router = APIRouter(include_in_schema=False)

FEED_SIZE = 50


def _topic(radar: Radar, slug: str) -> Topic:
    label = slug.replace("-", " ")
    for topic in radar.taxonomy().topics:
        if topic.id == label:
            return topic
    raise HTTPException(404)


def _results_page(request: Request, radar: Radar, form: SearchForm, *, path: str,
                  title: str, topic: Topic | None) -> Response:
    fixed = (topic.id,) if topic else ()
    results = radar.find(form.request(extra_domains=fixed,
                                      sort=None if not form.empty else "date"))
    last_page = max(1, -(-results.total // PAGE_SIZE))
    names = {t.id: t.name for t in radar.taxonomy().topics}
    return render(request, "search.html", {
        "form": form, "results": results, "path": path, "title": title, "topic": topic,
        "last_page": last_page, "feed_url": form.url(f"{path}/atom", page=1),
        "sources": radar.source_names(), "label_names": names,
        "warnings": [*form.warnings, *results.warnings],
    })


@router.get("/zoeken")
def search_page(request: Request, radar: Annotated[Radar, Depends(get_radar)]) -> Response:
    """The search form with results, facets and pages."""
    form = read_form(request.query_params)
    return _results_page(request, radar, form, path="/zoeken", title="Zoeken", topic=None)


@router.get("/domein/{slug}")
def domain_page(request: Request, slug: str,
                radar: Annotated[Radar, Depends(get_radar)]) -> Response:
    """The items of one domain, with the same controls as the search page."""
    topic = _topic(radar, slug)
    form = read_form(request.query_params)
    return _results_page(request, radar, form, path=f"/domein/{label_slug(topic.id)}",
                         title=topic.name, topic=topic)


def _feed(request: Request, radar: Radar, form: SearchForm, *, path: str, title: str,
          fixed: tuple[str, ...]) -> Response:
    results = radar.find(form.request(limit=FEED_SIZE, extra_domains=fixed, sort="date"))
    base = (radar.settings.base_url or str(request.base_url)).rstrip("/")
    items = [hit.item for hit in results.hits]
    body = build_feed(
        title=f"nieuwsradar: {title}", feed_url=base + form.url(f"{path}/atom", page=1),
        page_url=base + form.url(path, page=1), base_url=base, items=items,
        safe_html={item.id: radar.safe_html(item) for item in items})
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/zoeken/atom")
def search_feed(request: Request, radar: Annotated[Radar, Depends(get_radar)]) -> Response:
    """The newest results of a search as an Atom feed."""
    form = read_form(request.query_params)
    title = f"zoeken naar {form.q}" if form.q.strip() else "zoeken"
    return _feed(request, radar, form, path="/zoeken", title=title, fixed=())


@router.get("/domein/{slug}/atom")
def domain_feed(request: Request, slug: str,
                radar: Annotated[Radar, Depends(get_radar)]) -> Response:
    """The newest items of a domain (with the page's filters) as an Atom feed."""
    topic = _topic(radar, slug)
    form = read_form(request.query_params)
    return _feed(request, radar, form, path=f"/domein/{label_slug(topic.id)}",
                 title=topic.name, fixed=(topic.id,))
