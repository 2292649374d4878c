"""``nieuwsradar members``: import, list, add and remove the members who get the digest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from nieuwsradar.cli.radar import open_radar

if TYPE_CHECKING:
    from nieuwsradar.types import Member


@click.group("members")
def members_cmd() -> None:
    """Leden van het netwerk en hun abonnement op de weekelijkse digest."""


@members_cmd.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def import_members(ctx: click.Context, file: Path) -> None:
    """Importeer leden uit een CSV-bestand (alles of niets).

    Kopregel: email,naam,organisatie,netwerk,domeinen,zoekopdrachten; meerdere domeinen
    of zoekopdrachten scheidt u met ;. Bestaande leden (zelfde e-mail) worden bijgewerkt.
    """
    result = open_radar(ctx).import_members(file.read_bytes(), str(file))
    click.echo(f"{result.added} leden toegevoegd, {result.updated} bijgewerkt.")
    if result.kept_unsubscribed:
        click.echo(f"{len(result.kept_unsubscribed)} van hen hadden zich afgemeld en blijven "
                   f"afgemeld: {', '.join(result.kept_unsubscribed)} (opnieuw aanmelden: "
                   "nieuwsradar members add)")


@members_cmd.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON in plaats van een tabel.")
@click.pass_context
def list_members(ctx: click.Context, as_json: bool) -> None:
    """Toon alle leden met hun domeinen, zoekopdrachten en status."""
    from rich.console import Console
    from rich.table import Table

    members = open_radar(ctx, existing=True).members()
    if as_json:
        click.echo(json.dumps([_member_json(m) for m in members], ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{len(members)} leden")
    for col in ("e-mail", "naam", "organisatie", "netwerk", "domeinen", "zoekopdrachten",
                "status"):
        table.add_column(col)
    for m in members:
        table.add_row(m.email, m.name, m.organisation, m.network, ", ".join(m.domains),
                      "; ".join(m.searches), _status(m))
    Console().print(table)


def _status(m: Member) -> str:
    if m.active:
        return "actief"
    when = m.unsubscribed_at.astimezone().strftime("%Y-%m-%d") if m.unsubscribed_at else "?"
    return f"afgemeld {when}"


def _member_json(m: Member) -> dict[str, Any]:
    return {"email": m.email, "name": m.name, "organisation": m.organisation,
            "network": m.network, "domains": list(m.domains), "searches": list(m.searches),
            "note_when_empty": m.note_when_empty, "active": m.active,
            "unsubscribed_at": m.unsubscribed_at.isoformat() if m.unsubscribed_at else None}


@members_cmd.command("add")
@click.argument("email")
@click.option("--naam", default="", help="Naam van het lid.")
@click.option("--organisatie", default="", help="Gemeente of organisatie.")
@click.option("--netwerk", default="", help="Netwerk, bijvoorbeeld M150 of G40.")
@click.option("--domein", "domains", multiple=True,
              help="Domein (herhaal voor meer): handhaving, ondermijning, sociaal-domein, "
                   "omgevingswet.")
@click.option("--zoekopdracht", "searches", multiple=True,
              help="Bewaarde zoekopdracht in de zoeksyntax (herhaal voor meer).")
@click.option("--lege-week", is_flag=True,
              help="Stuur een kort bericht als er in een week niets is.")
@click.pass_context
def add_member(ctx: click.Context, email: str, naam: str, organisatie: str, netwerk: str,
               domains: tuple[str, ...], searches: tuple[str, ...], lege_week: bool) -> None:
    """Voeg een lid toe of werk het bij (een afgemeld lid wordt weer aangemeld)."""
    member = open_radar(ctx).add_member(email, name=naam, organisation=organisatie,
                                    network=netwerk, domains=domains, searches=searches,
                                    note_when_empty=lege_week)
    click.echo(f"Lid {member.email} aangemeld voor: "
               f"{', '.join([*member.domains, *member.searches])}.")


@members_cmd.command("remove")
@click.argument("email")
@click.pass_context
def remove_member(ctx: click.Context, email: str) -> None:
    """Verwijder een lid met abonnement en verzendgeschiedenis."""
    member = open_radar(ctx, existing=True).remove_member(email)
    click.echo(f"Lid {member.email} verwijderd.")
