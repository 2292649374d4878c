"""The Jinja2 environment shared by every page: the ``templates`` object, Dutch filters
from :mod:`nieuwsradar.present`, the CSRF form field and :func:`render`.

Autoescaping is on for every template (``.html`` and ``.xml``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from nieuwsradar import present
from nieuwsradar.web.deps import csrf_token, current_user, get_radar

TEMPLATES_DIR = Path(__file__).parent / "templates"

#: Main navigation: (path, Dutch text). Other features append their own entries.
NAVIGATION: list[tuple[str, str]] = [
    ("/", "Start"),
    ("/zoeken", "Zoeken"),
    ("/bronnen", "Bronnen"),
    ("/trends", "Trends"),
    ("/agenda", "Agenda"),
    ("/api/docs", "API"),
]


def csrf_input(request: Request) -> Markup:
    """The hidden CSRF field for a form that changes data."""
    return Markup('<input type="hidden" name="csrf" value="{}">').format(csrf_token(request))


def label_slug(label: str) -> str:
    """The URL form of a label id ("sociaal domein" → "sociaal-domein")."""
    return label.replace(" ", "-")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "xml"], default=True, default_for_string=True),
        trim_blocks=True, lstrip_blocks=True,
    )
    env.filters.update(
        dutch_date=present.dutch_date, dutch_day=present.dutch_day,
        relative_date=present.relative_date, number=present.dutch_number,
        short_date=present.short_date, snippet=present.snippet_html,
        safe_link=present.safe_link, label_slug=label_slug, count_text=present.count_text,
    )
    env.globals.update(csrf_input=csrf_input, navigation=NAVIGATION)
    return env


templates = Jinja2Templates(env=_environment())


def render(request: Request, name: str, context: dict[str, Any] | None = None,
           status_code: int = 200) -> HTMLResponse:
    """Render ``name`` with ``context`` plus what every page needs (the signed-in user,
    the label set for navigation)."""
    radar = get_radar(request)
    values: dict[str, Any] = {
        "user": current_user(request),
        "topics": radar.taxonomy().topics,
    }
    values.update(context or {})
    return templates.TemplateResponse(request, name, values, status_code=status_code)

