"""``nieuwsradar digest``: preview, send (exactly once per member and week) and status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from nieuwsradar.cli.radar import open_radar

STATUS_NL = {
    "sent": "verzonden", "pending": "wacht (tijdelijke fout)", "sending": "bezig",
    "failed": "mislukt", "uncertain": "onzeker", "empty": "niets deze week",
    "would-send": "zou verzonden worden", "skipped": "al afgehandeld",
}


def _label(outcome: str) -> str:
    if outcome.startswith("already-"):
        return f"al eerder: {STATUS_NL.get(outcome[8:], outcome[8:])}"
    return STATUS_NL.get(outcome, outcome)


@click.group("digest")
def digest_cmd() -> None:
    """De weekelijkse e-mail aan de leden: voorbeeld, verzenden, status."""


_WEEK = click.option("--week", default=None, metavar="2026-W49",
                     help="ISO-week (standaard: de vorige, afgelopen week).")


@digest_cmd.command("preview")
@click.option("--member", "email", required=True, help="E-mailadres van het lid.")
@_WEEK
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Map voor het .eml- en .html-bestand.")
@click.pass_context
def preview(ctx: click.Context, email: str, week: str | None, out: Path) -> None:
    """Schrijf de digest van één lid als .eml en .html, zonder iets te verzenden."""
    radar = open_radar(ctx, existing=True)
    chosen = radar.digest_week(week)
    composed = radar.preview_digest(email, chosen)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"digest-{chosen.label}-{composed.recipient.replace('@', '_at_')}"
    (out / f"{stem}.eml").write_bytes(composed.data)
    (out / f"{stem}.html").write_text(composed.html, encoding="utf-8")
    click.echo(f"{composed.subject}\n{out / stem}.eml\n{out / stem}.html")


@digest_cmd.command("send")
@_WEEK
@click.option("--dry-run", is_flag=True, help="Alleen laten zien wat er verzonden zou worden.")
@click.pass_context
def send(ctx: click.Context, week: str | None, dry_run: bool) -> None:
    """Verstuur de digest van een week aan alle actieve leden, ieder precies één keer.

    Opnieuw draaien is veilig: wie de week al kreeg, krijgt niets meer.
    """
    radar = open_radar(ctx, existing=True)
    chosen = radar.digest_week(week)
    report = radar.send_digests(
        chosen, dry_run=dry_run,
        progress=lambda email, outcome: click.echo(f"  {email}: {_label(outcome)}"))
    counts = ", ".join(f"{n} {_label(k)}" for k, n in sorted(report.counts.items())) or "geen leden"
    click.echo(f"Digest {chosen.label}{' (proef)' if dry_run else ''}: {counts}.")
    if report.settled_uncertain:
        click.echo(f"Let op: {report.settled_uncertain} bericht(en) van een afgebroken run "
                   "staan op 'onzeker' en worden niet opnieuw verzonden; zie digest status.")
    for email, outcome, error in report.problems:
        click.echo(f"  {email}: {_label(outcome)}: {error}", err=True)
    if report.stopped:
        raise click.ClickException(f"verzending gestopt: {report.stopped}. De overige leden "
                                   "krijgen hun digest bij de volgende run.")


@digest_cmd.command("status")
@_WEEK
@click.option("--json", "as_json", is_flag=True, help="JSON-uitvoer.")
@click.pass_context
def status(ctx: click.Context, week: str | None, as_json: bool) -> None:
    """Per lid: verzonden, mislukt (met reden), onzeker of nog te versturen."""
    from rich.console import Console
    from rich.table import Table

    radar = open_radar(ctx, existing=True)
    chosen = radar.digest_week(week)
    records, waiting = radar.digest_status(chosen)
    if as_json:
        click.echo(json.dumps({"week": chosen.label, "sends": [_record_json(r) for r in records],
                               "not_yet": [m.email for m in waiting]},
                              ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Digest {chosen.label}")
    for col in ("e-mail", "status", "pogingen", "bijgewerkt", "melding"):
        table.add_column(col)
    for r in records:
        when = r.updated_at.astimezone().strftime("%Y-%m-%d %H:%M") if r.updated_at else ""
        table.add_row(r.email, _label(r.status), str(r.attempts), when, r.last_error or "")
    for m in waiting:
        table.add_row(m.email, "nog niet verzonden", "0", "", "")
    Console().print(table)
    uncertain = [r.email for r in records if r.status == "uncertain"]
    if uncertain:
        click.echo(f"Onzeker: {', '.join(uncertain)}. Vraag na of het bericht aankwam; zo "
                   f"niet: nieuwsradar digest release --member EMAIL --week {chosen.label}, "
                   "dan gaat het bij de volgende send mee.")


def _record_json(r: Any) -> dict[str, Any]:
    return {"email": r.email, "status": r.status, "message_id": r.message_id,
            "subject": r.subject, "items": list(r.item_ids), "attempts": r.attempts,
            "error": r.last_error,
            "updated_at": r.updated_at.isoformat() if r.updated_at else None,
            "sent_at": r.sent_at.isoformat() if r.sent_at else None}


@digest_cmd.command("release")
@click.option("--member", "email", required=True, help="E-mailadres van het lid.")
@click.option("--week", required=True, metavar="2026-W49", help="ISO-week.")
@click.pass_context
def release(ctx: click.Context, email: str, week: str) -> None:
    """Geef een 'onzekere' digest vrij om opnieuw te versturen (na navraag)."""
    radar = open_radar(ctx, existing=True)
    radar.release_uncertain(email, radar.digest_week(week))
    click.echo(f"De digest van {email} voor {week} gaat mee met de volgende send.")
