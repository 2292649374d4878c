"""Sign-in and sign-out of coordinators (/login, /logout)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from nieuwsradar.core import Radar, SignInRefused
from nieuwsradar.present import dutch_number
from nieuwsradar.web.deps import get_radar, sign_in_session, sign_out_session, verify_csrf
from nieuwsradar.web.templating import render

router = APIRouter(include_in_schema=False)

MAX_FIELD = 1000


def local_target(target: str | None) -> str:
    """Where to go after signing in: a path on this site only."""
    if (not target or not target.startswith("/") or target.startswith("//")
            or any(c == "\\" or not c.isprintable() or c.isspace() for c in target)):
        return "/"  # browsers drop tabs and newlines: "/\t/evil.test" would leave the site
    return target


@router.get("/login")
def login_form(request: Request, volgende: str | None = None) -> Response:
    """The sign-in form."""
    return render(request, "login.html", {"next": local_target(volgende), "email": ""})


@router.post("/login", dependencies=[Depends(verify_csrf)])
def login(request: Request, radar: Annotated[Radar, Depends(get_radar)],
          email: Annotated[str, Form(max_length=MAX_FIELD)] = "",
          wachtwoord: Annotated[str, Form(max_length=MAX_FIELD)] = "",
          volgende: Annotated[str, Form(max_length=MAX_FIELD)] = "/") -> Response:
    """Check the password; on success start a session and go on, else say why."""
    client = request.client.host if request.client else "onbekend"
    try:
        user = radar.sign_in(email, wachtwoord, client)
    except SignInRefused as exc:
        if exc.wait_s:
            minutes = max(1, (exc.wait_s + 59) // 60)
            error = (f"Te veel mislukte pogingen. Probeer het over {dutch_number(minutes)} "
                     f"{'minuut' if minutes == 1 else 'minuten'} opnieuw.")
            status = 429
        else:
            error = "Het e-mailadres of het wachtwoord klopt niet."
            status = 400
        return render(request, "login.html",
                      {"next": local_target(volgende), "email": email, "error": error},
                      status_code=status)
    sign_in_session(request, user)
    return RedirectResponse(local_target(volgende), status_code=303)


@router.post("/logout", dependencies=[Depends(verify_csrf)])
def logout(request: Request) -> Response:
    """End the session and go to the start page."""
    sign_out_session(request)
    return RedirectResponse("/", status_code=303)
