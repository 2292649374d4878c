"""``nieuwsradar users``: the coordinators who may sign in to the web app."""

from __future__ import annotations

import sys

import click

from nieuwsradar.cli.radar import open_radar


@click.group("users")
def users_cmd() -> None:
    """Coördinatoren beheren: toevoegen, tonen, verwijderen, API-token maken."""


@users_cmd.command("add")
@click.argument("email")
@click.option("--name", default="", help="Naam zoals de website die toont.")
@click.option("--password-stdin", is_flag=True,
              help="Lees het wachtwoord van stdin (eerste regel) in plaats van te vragen.")
@click.pass_context
def add_user(ctx: click.Context, email: str, name: str, password_stdin: bool) -> None:
    """Voeg een coördinator toe (of geef een bestaande een nieuw wachtwoord)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Wachtwoord", hide_input=True, confirmation_prompt="Nogmaals")
    user = open_radar(ctx).add_user(email, password, name=name)
    click.echo(f"Coördinator {user.email} kan inloggen.")


@users_cmd.command("list")
@click.pass_context
def list_users(ctx: click.Context) -> None:
    """Toon de coördinatoren."""
    from nieuwsradar.present import short_date

    users = open_radar(ctx, existing=True).users()
    if not users:
        click.echo("Nog geen coördinatoren; voeg er een toe met: nieuwsradar users add EMAIL")
    for user in users:
        token = "API-token" if user.has_token else "geen token"
        click.echo(f"{user.email}\t{user.name or '-'}\tlaatst ingelogd "
                   f"{short_date(user.last_login_at)}\t{token}")


@users_cmd.command("remove")
@click.argument("email")
@click.pass_context
def remove_user(ctx: click.Context, email: str) -> None:
    """Verwijder een coördinator."""
    open_radar(ctx, existing=True).remove_user(email)
    click.echo(f"Coördinator {email.strip()} verwijderd.")


@users_cmd.command("token")
@click.argument("email")
@click.pass_context
def token(ctx: click.Context, email: str) -> None:
    """Maak een nieuw API-token (het oude vervalt); het wordt maar één keer getoond."""
    click.echo(open_radar(ctx, existing=True).new_api_token(email))
    click.echo("Gebruik: Authorization: Bearer <token>. Bewaar het token goed; het wordt "
               "niet opnieuw getoond.", err=True)
