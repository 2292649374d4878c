"""FastAPI dependencies every router uses: the facade, the signed-in coordinator, CSRF.

The session is Starlette's signed cookie session (itsdangerous): ``uid`` is the
signed-in coordinator, ``csrf`` the per-session token that every form that changes data
must send back (field ``csrf``, or header ``X-CSRF-Token`` for scripts).
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from nieuwsradar.core import Radar
from nieuwsradar.types import User

CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
_UNKNOWN = object()


class SignInRequired(Exception):
    """Raised by :func:`require_coordinator`; the app turns it into a redirect to
    /login (pages) or 401 (API)."""


class CsrfRejected(Exception):
    """Raised by :func:`verify_csrf`; the app answers 403 with a friendly page."""


def get_radar(request: Request) -> Radar:
    """The process's facade."""
    radar: Radar = request.app.state.radar
    return radar


def current_user(request: Request) -> User | None:
    """The coordinator of this request: by session cookie, or by an API token
    (``Authorization: Bearer ...``, honoured on ``/api/`` only). Cached per request."""
    cached = getattr(request.state, "user", _UNKNOWN)
    if cached is None or isinstance(cached, User):
        return cached
    radar = get_radar(request)
    user = None
    uid, stamp = request.session.get("uid"), request.session.get("stamp")
    if isinstance(uid, int) and isinstance(stamp, str):
        user = radar.session_user(uid, stamp)
    if user is None and request.url.path.startswith("/api/"):
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            user = radar.user_for_token(token.strip())
            request.state.api_token = user is not None
    request.state.user = user
    return user


def require_coordinator(request: Request) -> User:
    """The signed-in coordinator; SignInRequired when there is none."""
    user = current_user(request)
    if user is None:
        raise SignInRequired
    return user


def csrf_token(request: Request) -> str:
    """This session's CSRF token (made on first use)."""
    token = request.session.get(CSRF_FIELD)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return token


async def verify_csrf(request: Request) -> None:
    """Refuse a state-changing request whose CSRF token does not match the session's.

    A request authenticated by an API token carries no cookie, so it needs none.
    """
    current_user(request)
    if getattr(request.state, "api_token", False):
        return
    expected = request.session.get(CSRF_FIELD)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not (isinstance(expected, str) and expected and sent
            and hmac.compare_digest(expected.encode(), sent.encode())):
        raise CsrfRejected


def sign_in_session(request: Request, user: User) -> None:
    """Start a fresh session for ``user`` (a new CSRF token: no session fixation)."""
    request.session.clear()
    request.session["uid"] = user.id
    request.session["stamp"] = get_radar(request).session_stamp(user)
    request.session[CSRF_FIELD] = secrets.token_urlsafe(32)
    request.state.user = user


def sign_out_session(request: Request) -> None:
    """End the session."""
    request.session.clear()
    request.state.user = None
