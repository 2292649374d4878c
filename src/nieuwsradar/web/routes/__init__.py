"""The routers of the web app, one module per feature, registered in this order.

To add a feature: write ``routes/<feature>.py`` with ``router = APIRouter()`` and append
it here (see :mod:`nieuwsradar.web` for the whole recipe).
"""

from fastapi import APIRouter

from nieuwsradar.web.routes import (
    agenda,
    api,
    auth,
    digest,
    docs,
    health,
    home,
    items,
    review,
    search,
    sources,
    trends,
)

ROUTERS: list[APIRouter] = [
    home.router,
    auth.router,
    items.router,
    review.router,
    search.router,
    sources.router,
    api.router,
    docs.router,
    digest.router,
    health.router,
    trends.router,
    agenda.router,
]
