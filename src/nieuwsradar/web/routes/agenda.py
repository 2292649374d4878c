"""The agenda board: meetings, pinned topics and items, order, notes and exports.

Reading is open; every change needs a signed-in coordinator and the form's CSRF token.
All forms work without JavaScript: each action is its own POST that redirects back.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response

from nieuwsradar.core import Radar
from nieuwsradar.core.agenda import MAX_NOTE, MAX_TITLE, Meeting, agenda_csv, agenda_markdown
from nieuwsradar.errors import InputError, NieuwsradarError
from nieuwsradar.trends.report import DOMAIN_NAMES, render_html, render_pdf
from nieuwsradar.types import User
from nieuwsradar.web.deps import get_radar, require_coordinator, verify_csrf
from nieuwsradar.web.templating import render

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**62)]
RadarDep = Annotated[Radar, Depends(get_radar)]
Coordinator = Annotated[User, Depends(require_coordinator)]
Note = Annotated[str, Form(max_length=MAX_NOTE)]


def _meeting(radar: Radar, meeting_id: int) -> Meeting:
    try:
        return radar.meeting(meeting_id)
    except NieuwsradarError:
        raise HTTPException(404) from None


def _back(meeting_id: int, message: str = "") -> RedirectResponse:
    suffix = f"?melding={message}" if message else ""
    return RedirectResponse(f"/agenda/{meeting_id}{suffix}#agenda", status_code=303)


MESSAGES = {"vastgezet": "Op de agenda gezet.", "bijgewerkt": "Agenda bijgewerkt.",
            "aangemaakt": "Bijeenkomst aangemaakt."}


@router.get("/agenda")
def meetings_page(request: Request, radar: RadarDep) -> Response:
    """All meetings, and (signed in) the form for a new one."""
    return render(request, "agenda/index.html", {"meetings": radar.meetings(), "error": "",
                                                  "max_title": MAX_TITLE})


@router.post("/agenda", dependencies=[Depends(verify_csrf)])
def create_meeting(request: Request, radar: RadarDep, user: Coordinator,
                   titel: Annotated[str, Form(max_length=MAX_TITLE)] = "",
                   netwerk: Annotated[str, Form(max_length=40)] = "",
                   datum: Annotated[str, Form(max_length=10)] = "") -> Response:
    """Create a meeting; a bad title or date shows the form again with the reason."""
    try:
        held_on = date.fromisoformat(datum) if datum else None
        meeting = radar.create_meeting(titel, network=netwerk, held_on=held_on)
    except (InputError, ValueError) as exc:
        error = ("Vul een titel in." if isinstance(exc, InputError) else
                 "De datum is ongeldig; gebruik de datumkiezer of JJJJ-MM-DD.")
        return render(request, "agenda/index.html", {"meetings": radar.meetings(),
                                                      "error": error, "max_title": MAX_TITLE},
                      status_code=400)
    return _back(meeting.id, "aangemaakt")


@router.get("/agenda/{meeting_id}")
def board(request: Request, meeting_id: Id, radar: RadarDep, melding: str = "") -> Response:
    """One meeting's agenda with the actions to reorder, annotate and remove lines."""
    meeting = _meeting(radar, meeting_id)
    return render(request, "agenda/board.html", {
        "meeting": meeting, "entries": radar.agenda(meeting.id),
        "message": MESSAGES.get(melding, ""), "domain_names": DOMAIN_NAMES})


@router.post("/agenda/onderwerp", dependencies=[Depends(verify_csrf)])
def pin_topic(radar: RadarDep, user: Coordinator,
              vergadering: Annotated[int, Form(ge=1, le=2**62)],
              sleutel: Annotated[str, Form(max_length=MAX_TITLE)],
              onderwerp: Annotated[str, Form(max_length=MAX_TITLE)] = "",
              domein: Annotated[str, Form(max_length=40)] = "", notitie: Note = "") -> Response:
    """Pin a trending topic (from the trends page) to a meeting."""
    _meeting(radar, vergadering)
    try:
        radar.pin_topic(vergadering, sleutel, onderwerp, domain=domein, note=notitie,
                        pinned_by=user.email)
    except InputError:
        raise HTTPException(400) from None
    return _back(vergadering, "vastgezet")


@router.post("/agenda/{meeting_id}/item", dependencies=[Depends(verify_csrf)])
def pin_item(meeting_id: Id, radar: RadarDep, user: Coordinator,
             item: Annotated[int, Form(ge=1, le=2**62)], notitie: Note = "") -> Response:
    """Pin an archive item (by its number) to the meeting."""
    _meeting(radar, meeting_id)
    try:
        radar.pin_item(meeting_id, item, note=notitie, pinned_by=user.email)
    except NieuwsradarError:
        raise HTTPException(404) from None
    return _back(meeting_id, "vastgezet")


@router.post("/agenda/{meeting_id}/regel/{entry_id}", dependencies=[Depends(verify_csrf)])
def change_line(meeting_id: Id, entry_id: Id, radar: RadarDep, user: Coordinator,
                actie: Annotated[str, Form(max_length=20)], notitie: Note = "") -> Response:
    """Move a line up or down, change its note, or remove it."""
    _meeting(radar, meeting_id)
    try:
        if actie == "omhoog":
            radar.move_entry(meeting_id, entry_id, -1)
        elif actie == "omlaag":
            radar.move_entry(meeting_id, entry_id, +1)
        elif actie == "notitie":
            radar.set_entry_note(meeting_id, entry_id, notitie)
        elif actie == "verwijder":
            radar.remove_entry(meeting_id, entry_id)
        else:
            raise HTTPException(400)
    except InputError:
        raise HTTPException(404) from None
    return _back(meeting_id, "bijgewerkt")


@router.post("/agenda/{meeting_id}/verwijderen", dependencies=[Depends(verify_csrf)])
def delete_meeting(meeting_id: Id, radar: RadarDep, user: Coordinator) -> Response:
    """Delete the meeting and its agenda."""
    _meeting(radar, meeting_id)
    radar.delete_meeting(meeting_id)
    return RedirectResponse("/agenda", status_code=303)


def _filename(meeting: Meeting, suffix: str) -> str:
    day = meeting.held_on.isoformat() if meeting.held_on else str(meeting.id)
    return f"agenda-{day}.{suffix}"


@router.get("/agenda/{meeting_id}/agenda.md")
def export_markdown(meeting_id: Id, radar: RadarDep) -> Response:
    """The agenda as a Markdown file."""
    meeting = _meeting(radar, meeting_id)
    return _download(agenda_markdown(meeting, radar.agenda(meeting.id)), "text/markdown",
                     _filename(meeting, "md"))


@router.get("/agenda/{meeting_id}/agenda.csv")
def export_csv(meeting_id: Id, radar: RadarDep) -> Response:
    """The agenda as a CSV file (UTF-8 with BOM, so spreadsheets read the accents)."""
    meeting = _meeting(radar, meeting_id)
    return _download("\ufeff" + agenda_csv(meeting, radar.agenda(meeting.id)), "text/csv",
                     _filename(meeting, "csv"))


def _download(body: str, media_type: str, filename: str) -> Response:
    """A UTF-8 text file the browser saves under ``filename``."""
    return Response(body, media_type=f"{media_type}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/agenda/{meeting_id}/rapport.pdf")
def report_pdf(meeting_id: Id, radar: RadarDep) -> Response:
    """The trend report since the network's previous meeting, as PDF."""
    meeting = _meeting(radar, meeting_id)
    since, until = radar.report_period(meeting)
    network = meeting.network if meeting.network in radar.networks() else None
    report = radar.trends(since=since, until=until, network=network)
    html = render_html(report, generated=datetime.now(UTC),
                       title=f"Trendrapport {meeting.network or 'nieuwsradar'}")
    return Response(render_pdf(html), media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{_filename(meeting, "pdf")}"'})


@router.get("/agenda/{meeting_id}/afdrukken")
def print_page(request: Request, meeting_id: Id, radar: RadarDep) -> Response:
    """The agenda as a plain page to print."""
    meeting = _meeting(radar, meeting_id)
    return render(request, "agenda/print.html", {
        "meeting": meeting, "entries": radar.agenda(meeting.id), "domain_names": DOMAIN_NAMES})
