"""The digest's pages: one-click unsubscribe, a member's own subscription page (reached
through a signed link, no account) and the coordinators' send overview and previews.

Unsubscribing follows RFC 8058: a POST with ``List-Unsubscribe=One-Click`` (form or
multipart) unsubscribes at once, with no cookie, no login, no CSRF token and no redirect;
a GET only shows a page with a button, because link scanners fetch every GET. Forged,
altered or expired links get a Dutch page saying so (400), never an unsubscription.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from nieuwsradar.core import Radar
from nieuwsradar.digest.tokens import BadToken, Purpose
from nieuwsradar.errors import ConfigError, InputError
from nieuwsradar.types import Member, User
from nieuwsradar.web.deps import get_radar, require_coordinator, verify_csrf
from nieuwsradar.web.templating import render

router = APIRouter(include_in_schema=False)

#: The e-mail preview is shown as the mail client would: its own inline styles allowed,
#: nothing else (no scripts, no remote anything).
PREVIEW_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
               "base-uri 'none'; form-action 'none'; frame-ancestors 'self'")

RadarDep = Annotated[Radar, Depends(get_radar)]


def _bad_link(request: Request, error: BadToken) -> Response:
    expired = error.reason == "expired"
    return render(request, "digest/bad_link.html", {"expired": expired}, status_code=400)


def _member(radar: Radar, purpose: Purpose, token: str) -> Member:
    return radar.member_from_token(purpose, token)


# -- unsubscribe (RFC 8058) --------------------------------------------------------------

@router.get("/digest/afmelden/{token}")
def unsubscribe_page(request: Request, token: str, radar: RadarDep) -> Response:
    """A page with a button; a GET never unsubscribes."""
    try:
        member = _member(radar, "unsubscribe", token)
    except BadToken as exc:
        return _bad_link(request, exc)
    return render(request, "digest/unsubscribe.html", {"member": member, "token": token})


@router.post("/digest/afmelden/{token}")
def unsubscribe_one_click(
        request: Request, token: str, radar: RadarDep,
        one_click: Annotated[str | None, Form(alias="List-Unsubscribe")] = None) -> Response:
    """Unsubscribe at once (mail client's one-click POST, or the button of the GET page)."""
    try:
        member = _member(radar, "unsubscribe", token)
    except BadToken as exc:
        return _bad_link(request, exc)
    if one_click != "One-Click":
        return render(request, "digest/unsubscribe.html",
                      {"member": member, "token": token, "missing": True}, status_code=400)
    radar.unsubscribe(member.id, "one-click")
    return render(request, "digest/unsubscribed.html", {"member": member})


# -- the member's own page --------------------------------------------------------------

@router.get("/digest/abonnement/{token}")
def subscription_page(request: Request, token: str, radar: RadarDep,
                      opgeslagen: bool = False) -> Response:
    """Choose domains and saved searches; see the digests of earlier weeks."""
    try:
        member = _member(radar, "manage", token)
    except BadToken as exc:
        return _bad_link(request, exc)
    return render(request, "digest/subscription.html", {
        "member": member, "token": token, "domains": radar.labels(), "saved": opgeslagen,
        "history": [r for r in radar.member_history(member.id) if r.status == "sent"]})


@router.post("/digest/abonnement/{token}", dependencies=[Depends(verify_csrf)])
def save_subscription(
        request: Request, token: str, radar: RadarDep,
        domein: Annotated[list[str] | None, Form()] = None,
        zoekopdrachten: Annotated[str, Form()] = "",
        lege_week: Annotated[str | None, Form()] = None,
        aanmelden: Annotated[str | None, Form()] = None) -> Response:
    """Store the member's choice (and sign them up again when they ask to)."""
    try:
        member = _member(radar, "manage", token)
    except BadToken as exc:
        return _bad_link(request, exc)
    searches = [line for line in zoekopdrachten.splitlines() if line.strip()]
    try:
        radar.update_subscription(member.id, domein or [], searches, lege_week is not None)
    except InputError as exc:
        return render(request, "digest/subscription.html", {
            "member": member, "token": token, "domains": radar.labels(), "error": str(exc),
            "history": radar.member_history(member.id)}, status_code=400)
    if aanmelden is not None and not member.active:
        radar.resubscribe(member.id)
    return RedirectResponse(f"/digest/abonnement/{token}?opgeslagen=1", status_code=303)


@router.get("/digest/abonnement/{token}/week/{period}")
def sent_week(request: Request, token: str, period: str, radar: RadarDep) -> Response:
    """The stories a member received in the digest of one week."""
    try:
        member = _member(radar, "manage", token)
    except BadToken as exc:
        return _bad_link(request, exc)
    try:
        record, items = radar.sent_digest(member, period)
    except InputError:
        return render(request, "error.html", {
            "title": "Niet gevonden", "text": "Deze week is er geen digest aan u verstuurd."},
            status_code=404)
    return render(request, "digest/sent_week.html", {
        "member": member, "token": token, "record": record, "items": items})


# -- coordinators -------------------------------------------------------------------------

@router.get("/digest")
def overview(request: Request, radar: RadarDep,
             user: Annotated[User, Depends(require_coordinator)]) -> Response:
    """The send status of each week, the members and the latest unsubscriptions."""
    return render(request, "digest/overview.html", {
        "weeks": radar.digest_weeks(), "members": radar.members(),
        "unsubscribes": radar.unsubscribes(50), "current": radar.digest_week().label})


@router.get("/digest/week/{period}")
def week_status(request: Request, period: str, radar: RadarDep,
                user: Annotated[User, Depends(require_coordinator)]) -> Response:
    """Per member: sent, failed (why), uncertain, empty or not yet."""
    try:
        week = radar.digest_week(period)
    except InputError as exc:
        return render(request, "error.html", {"title": "Onbekende week", "text": str(exc)},
                      status_code=400)
    records, waiting = radar.digest_status(week)
    return render(request, "digest/week.html",
                  {"week": week, "records": records, "waiting": waiting})


@router.get("/digest/voorbeeld")
def preview(request: Request, radar: RadarDep,
            user: Annotated[User, Depends(require_coordinator)],
            lid: Annotated[str, Query()], week: Annotated[str | None, Query()] = None
            ) -> Response:
    """Any member's digest of a week, as the mail client shows it (nothing is sent)."""
    try:
        composed = radar.preview_digest(lid, radar.digest_week(week))
    except (InputError, ConfigError) as exc:
        return render(request, "error.html", {"title": "Geen voorbeeld", "text": str(exc)},
                      status_code=400)
    return HTMLResponse(composed.html, headers={"Content-Security-Policy": PREVIEW_CSP})
