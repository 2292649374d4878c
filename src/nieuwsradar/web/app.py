"""The FastAPI app factory: ``create_app(settings) -> FastAPI``.

It makes the process's one facade (``make_radar``), signs sessions with the facade's
session secret, adds the security headers, serves ``static/`` and registers the routers
of :data:`nieuwsradar.web.routes.ROUTERS`. Every failure becomes a Dutch page (or JSON
under ``/api/``), never a bare 500.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from nieuwsradar.config import Settings
from nieuwsradar.core import Radar, make_radar
from nieuwsradar.errors import InputError, NieuwsradarError
from nieuwsradar.web.deps import CsrfRejected, SignInRequired
from nieuwsradar.web.limits import ReadLimitMiddleware, concurrency
from nieuwsradar.web.routes import ROUTERS
from nieuwsradar.web.security import SecurityHeadersMiddleware
from nieuwsradar.web.templating import render

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
SESSION_COOKIE = "nieuwsradar_sessie"
SESSION_MAX_AGE_S = 14 * 24 * 3600

_STATUS_TEXT = {
    400: ("Ongeldige vraag", "Deze pagina kan niets met wat er in het adres staat."),
    401: ("Inloggen nodig", "Log in als coördinator om dit te doen."),
    403: ("Niet toegestaan", "Dit verzoek is geweigerd."),
    404: ("Niet gevonden", "Deze pagina bestaat niet (meer)."),
    405: ("Niet toegestaan", "Deze pagina kan dit verzoek niet verwerken."),
    422: ("Ongeldige invoer", "Een van de waarden in het adres of formulier klopt niet."),
    500: ("Er ging iets mis", "Er ging aan onze kant iets mis. Probeer het later opnieuw."),
    503: ("Tijdelijk niet beschikbaar", "De database is even niet bereikbaar. "
          "Probeer het zo opnieuw."),
}


def create_app(settings: Settings, radar: Radar | None = None) -> FastAPI:
    """Build the web app for ``settings`` (or around an existing facade ``radar``)."""
    owned = radar is None
    radar = radar or make_radar(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            app.state.radar.close()

    app = FastAPI(
        title="nieuwsradar", summary="Nieuws voor handhaving, ondermijning, sociaal domein "
        "en omgevingswet: zoeken, items, bronnen, labels.", version="1",
        docs_url=None, redoc_url=None, lifespan=lifespan,
    )
    app.state.radar = radar
    app.state.settings = settings
    app.add_middleware(
        SessionMiddleware, secret_key=radar.session_secret(), session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE_S, same_site="lax",
        https_only=settings.base_url.lower().startswith("https://"),
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(ReadLimitMiddleware, limit=concurrency(settings.web_concurrency))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in ROUTERS:
        app.include_router(router)
    _add_error_pages(app)
    return app


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def error_page(request: Request, status: int, detail: str | None = None) -> Response:
    """A Dutch error page (JSON ``{"detail": ...}`` under /api/) for ``status``."""
    title, text = _STATUS_TEXT.get(status, _STATUS_TEXT[500 if status >= 500 else 400])
    if _is_api(request):
        return JSONResponse({"detail": detail or text}, status_code=status)
    try:
        return render(request, "error.html", {"title": title, "text": detail or text},
                      status_code=status)
    except NieuwsradarError:
        return Response(f"{title}. {text}", status_code=status, media_type="text/plain")


def _add_error_pages(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail: str | None = exc.detail if isinstance(exc.detail, str) else None
        if detail == _phrase(exc.status_code) or (
                exc.status_code in (404, 405) and not _is_api(request)):
            detail = None  # Starlette's English default: show our Dutch text
        response = error_page(request, exc.status_code, detail)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": _plain_errors(exc)}, status_code=422)
        return error_page(request, 400)

    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, exc: SignInRequired) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "Inloggen nodig: een sessie of een API-token."},
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})
        target = request.url.path if request.method == "GET" else request.headers.get(
            "referer", "/")
        return RedirectResponse(f"/login?volgende={quote(_local_path(target))}", 303)

    @app.exception_handler(CsrfRejected)
    async def csrf(request: Request, exc: CsrfRejected) -> Response:
        return error_page(request, 403, "Het formulier is verlopen of niet van deze site. "
                          "Laad de pagina opnieuw en probeer het nog eens.")

    @app.exception_handler(InputError)
    async def bad_input(request: Request, exc: InputError) -> Response:
        return error_page(request, 400)

    @app.exception_handler(NieuwsradarError)
    async def ours(request: Request, exc: NieuwsradarError) -> Response:
        log.error("request %s failed: %s", request.url.path, exc, exc_info=exc)
        return error_page(request, 503)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("request %s failed", request.url.path, exc_info=exc)
        return error_page(request, 500)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _plain_errors(exc: RequestValidationError) -> list[dict[str, object]]:
    """Validation errors without the input echoed back (it may be huge or binary)."""
    return [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in exc.errors()]


def _local_path(target: str) -> str:
    """Only a path on this site (never another host) as the place to return to."""
    path = target.split("://", 1)[-1]
    if "://" in target:
        path = "/" + path.partition("/")[2]
    if not path.startswith("/") or path.startswith("//"):
        return "/"
    return path
