"""``nieuwsradar trends`` and ``nieuwsradar report``: rising topics and the trend report."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from nieuwsradar.cli.radar import open_radar

if TYPE_CHECKING:
    from nieuwsradar.trends import Trend, TrendReport

MAX_LIMIT = 100


def _week(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    from nieuwsradar.trends import parse_week

    if value is None:
        return None
    try:
        return parse_week(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is geen ISO-week; schrijf bijvoorbeeld 2026-W49",
                                 param_hint="--week") from None


def _trend_json(trend: Trend, report: TrendReport) -> dict[str, Any]:
    from nieuwsradar.trends import week_label

    return {
        "topic": trend.topic, "key": trend.key, "kind": trend.kind,
        "score": round(trend.score, 3), "count": trend.count,
        "baseline": round(trend.baseline, 3), "new": trend.new, "sources": trend.sources,
        "effect": round(trend.effect, 3),
        "items": [{"id": i, "title": report.items[i].title, "url": report.items[i].url,
                   "source": report.items[i].source_name,
                   "published_at": report.items[i].published_at.isoformat()}
                  for i in trend.items if i in report.items],
        "series": [{"week": week_label(w), "sources": n} for w, n in trend.series],
    }


@click.command("trends")
@click.option("--domain", help="Alleen dit domein (bijvoorbeeld handhaving).")
@click.option("--network", help="Volgorde naar wat de leden van dit netwerk volgen (M150).")
@click.option("--week", callback=_week, help="ISO-week, bv. 2026-W49 (standaard deze week).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Periode vanaf DATUM.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Periode tot en met DATUM.")
@click.option("--limit", type=click.IntRange(1, MAX_LIMIT), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON-uitvoer.")
@click.pass_context
def trends_cmd(ctx: click.Context, domain: str | None, network: str | None,
               week: date | None, since: datetime | None, until: datetime | None,
               limit: int, as_json: bool) -> None:
    """Stijgende onderwerpen en verhalen, per domein (en per netwerk)."""
    from nieuwsradar.trends import why
    from nieuwsradar.trends.report import DOMAIN_NAMES

    if week is not None and since is not None:
        raise click.UsageError("geef --week of --since, niet allebei")
    if until is not None and since is None:
        raise click.UsageError("--until hoort bij --since")
    report = open_radar(ctx, existing=True).trends(
        week=week, since=since.date() if since else None,
        until=until.date() if until else None, domain=domain, network=network, limit=limit)
    if as_json:
        click.echo(json.dumps([
            {"domain": d.domain or "alle", "week": report.label,
             "topics": [_trend_json(t, report) for t in d.topics],
             "stories": [_trend_json(t, report) for t in d.stories]}
            for d in report.domains], ensure_ascii=False, indent=2))
        return
    head = f"Trends {report.label}" + (f" voor {report.network}" if report.network else "")
    click.echo(f"{head} (vergeleken met de {len(report.baseline)} weken ervoor)")
    for section in report.domains:
        click.echo(f"\n{DOMAIN_NAMES.get(section.domain, section.domain)}")
        if not section.topics and not section.stories:
            click.echo("  geen stijgende onderwerpen")
        for n, trend in enumerate(section.topics, 1):
            new = " [nieuw]" if trend.new else ""
            click.echo(f"  {n:>2}. {trend.topic}{new} — score {trend.score:.1f}; "
                       f"{why(trend, len(report.weeks), len(report.baseline))}")
        for story in section.stories:
            click.echo(f"   • verhaal: {story.topic} ({story.sources} bronnen)")


@click.command("report")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="Begin van de periode (JJJJ-MM-DD), bijvoorbeeld de vorige bijeenkomst.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Einde (standaard vandaag).")
@click.option("--network", help="Netwerk (M150, G40): volgorde naar wat de leden volgen.")
@click.option("--limit", type=click.IntRange(1, MAX_LIMIT), default=10, show_default=True,
              help="Onderwerpen per domein.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Uitvoerbestand: .pdf of .html.")
@click.pass_context
def report_cmd(ctx: click.Context, since: datetime, until: datetime | None, network: str | None,
               limit: int, out: Path) -> None:
    """Maak het trendrapport over een periode (HTML of PDF)."""
    from nieuwsradar.trends.report import render_html, render_pdf

    kind = out.suffix.lower()
    if kind not in (".pdf", ".html", ".htm"):
        raise click.BadParameter(f"{out}: gebruik een bestandsnaam op .pdf of .html",
                                 param_hint="--out")
    report = open_radar(ctx, existing=True).trends(
        since=since.date(), until=until.date() if until else None, network=network,
        limit=limit)
    html = render_html(report, generated=datetime.now(UTC))
    data = render_pdf(html) if kind == ".pdf" else html.encode("utf-8")
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise click.ClickException(f"{out}: kan niet schrijven ({exc.strerror})") from None
    topics = sum(len(d.topics) for d in report.domains)
    click.echo(f"Rapport {report.label} geschreven naar {out} ({topics} onderwerpen).")
