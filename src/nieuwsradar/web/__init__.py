"""The web app: server-rendered Dutch pages, Atom feeds and a JSON API over the facade.

``create_app(settings)`` (:mod:`nieuwsradar.web.app`) builds the FastAPI app; it makes the
one :class:`~nieuwsradar.core.Radar` of the process and keeps it in ``app.state.radar``.
Nothing in this package runs SQL or holds business rules: routes call facade methods and
render the result.

How to add a page (for the other features: digest, trends, service)
-------------------------------------------------------------------
1. Write ``web/routes/<feature>.py`` with ``router = APIRouter()`` and your routes. Use the
   dependencies of :mod:`nieuwsradar.web.deps`::

       from fastapi import APIRouter, Depends, Request
       from nieuwsradar.core import Radar
       from nieuwsradar.types import User
       from nieuwsradar.web.deps import get_radar, require_coordinator, verify_csrf
       from nieuwsradar.web.templating import render

       router = APIRouter()

       @router.get("/agenda")
       def agenda(request: Request, radar: Radar = Depends(get_radar)) -> Response:
           return render(request, "agenda.html", {"items": radar.agenda()})

       @router.post("/agenda")
       def pin(user: Annotated[User, Depends(require_coordinator)],
               _csrf: Annotated[None, Depends(verify_csrf)], ...): ...

   (Declare ``require_coordinator`` before ``verify_csrf``: a visitor who is not signed
   in is then sent to /login instead of getting a CSRF error.)

   Sync route functions run in a thread pool; the facade gives each thread its own
   database connection, so just call it.
2. Add one line to :data:`nieuwsradar.web.routes.ROUTERS` (the order is the order of
   registration; page routes before the catch-alls).
3. Templates go in ``web/templates/<feature>.html`` and start with
   ``{% extends "base.html" %}``; fill ``{% block title %}`` (the page title, Dutch),
   ``{% block content %}`` (main content, starting with one ``<h1>``) and optionally
   ``{% block head %}`` (e.g. an Atom ``<link rel="alternate">``). Add a navigation entry
   in ``NAVIGATION`` of :mod:`nieuwsradar.web.templating` if the page needs one.
4. Every form that changes data is a POST with ``{{ csrf_input(request) }}`` inside and
   the route depends on ``verify_csrf``; changing data also needs ``require_coordinator``
   (a signed-in coordinator, or an API token for ``/api/`` routes).
5. Rules the security tests check: templates are auto-escaped, never use ``|safe`` or
   ``Markup`` on anything but the sanitized item HTML; no inline ``<script>``, ``style=``
   or ``on*=`` attributes (the Content-Security-Policy blocks them); links to outside
   addresses go through the ``safe_link`` filter (http/https only).
"""

from nieuwsradar.web.app import create_app

__all__ = ["create_app"]
