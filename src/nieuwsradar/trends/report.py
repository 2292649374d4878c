"""The trend report (e.g. the half-yearly theme report for a network meeting) as HTML and PDF.

HTML comes from a Jinja2 template (auto-escaped) with the bar charts of
:mod:`nieuwsradar.trends.chart` drawn as inline SVG; the PDF is that HTML rendered by
WeasyPrint with local fonts only (DejaVu Sans, from the system) and no network access: every URL the
document might fetch is refused.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NoReturn

import jinja2

from nieuwsradar.errors import InputError
from nieuwsradar.present import dutch_day, dutch_number
from nieuwsradar.trends import TrendReport, week_label, why
from nieuwsradar.trends.chart import chart, describe

DOMAIN_NAMES = {"": "Alle domeinen", "handhaving": "Handhaving", "ondermijning": "Ondermijning",
                "sociaal domein": "Sociaal domein", "omgevingswet": "Omgevingswet"}

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("nieuwsradar.trends", "templates"),
    autoescape=True, trim_blocks=True, lstrip_blocks=True,
    undefined=jinja2.StrictUndefined)


def render_html(report: TrendReport, *, generated: datetime, title: str = "") -> str:
    """The report as a complete HTML document (Dutch)."""
    first, last = report.weeks[0], report.weeks[-1] + timedelta(days=6)
    return _ENV.get_template("report.html.j2").render(
        report=report, generated=generated, network=report.network,
        title=title or (f"Trendrapport {report.network}" if report.network
                        else "Trendrapport nieuwsradar"),
        period=f"{dutch_day(first)} t/m {dutch_day(last)}",
        baseline_weeks=len(report.baseline), window_weeks=len(report.weeks),
        domain_names=DOMAIN_NAMES, dutch_day=dutch_day, week_label=week_label,
        why=why, number=dutch_number, chart=chart, describe=describe)


def _refuse(url: str, *args: object, **kwargs: object) -> NoReturn:
    raise ValueError(f"the report does not load outside resources ({url})")


def render_pdf(html: str) -> bytes:
    """Render report HTML to PDF with WeasyPrint (local fonts, nothing fetched).

    Raises InputError when WeasyPrint or the system libraries it needs (Pango) are
    missing, saying what to install.
    """
    try:
        import weasyprint
    except OSError as exc:  # Pango/cairo not installed
        raise InputError(f"kan geen PDF maken: WeasyPrint heeft Pango nodig ({exc}); "
                         "installeer de systeempakketten libpango-1.0-0 en "
                         "fonts-dejavu-core, of maak HTML (--out BESTAND.html)") from None
    document = weasyprint.HTML(string=html, url_fetcher=_refuse)
    pdf: bytes = document.write_pdf()
    return pdf
