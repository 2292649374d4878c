"""Command line: thin click commands over the Radar facade.

Every :class:`~nieuwsradar.errors.NieuwsradarError` becomes a one-line message on stderr
with exit code 1 (click's usage errors keep code 2); no tracebacks for expected failures.

Start-up time counts (a search from the shell, a cron job): the command modules import
only click and light modules at the top; the facade, the ingest, web and model code and
rich are imported inside the command that uses them. tests/test_cli_startup.py checks it.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from nieuwsradar.cli.classify import classify_cmd, evaluate_cmd, review_cmd, train_cmd
from nieuwsradar.cli.digest import digest_cmd
from nieuwsradar.cli.members import members_cmd
from nieuwsradar.cli.output import clean, safe_json, write_atomically
from nieuwsradar.cli.radar import open_radar
from nieuwsradar.cli.serve import serve_cmd
from nieuwsradar.cli.trends import report_cmd, trends_cmd
from nieuwsradar.cli.users import users_cmd
from nieuwsradar.errors import NieuwsradarError
from nieuwsradar.logsetup import configure_logging

if TYPE_CHECKING:
    from nieuwsradar.core import Radar
    from nieuwsradar.types import UpdateResult

MAX_LIMIT = 1000
#: A database row id: SQLite integers are 64-bit, so larger numbers cannot name a row.
ROW_ID = click.IntRange(1, 2**63 - 1)
DEMO_DB = "nieuwsradar-demo.db"  # the demo never touches the default database


class _Group(click.Group):
    """Turns the package's own errors into clean click errors."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NieuwsradarError as exc:
            raise click.ClickException(clean(exc)) from None


@click.group(cls=_Group)
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), envvar="NIEUWSRADAR_DB",
              default="nieuwsradar.db", show_default=True, help="SQLite database file.")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path),
              envvar="NIEUWSRADAR_CONFIG", default=None,
              help="Instellingenbestand (standaard ./nieuwsradar.toml als dat er is).")
@click.version_option(package_name="nieuwsradar")
@click.pass_context
def main(ctx: click.Context, db: Path, config: Path | None) -> None:
    """nieuwsradar: nieuws voor handhaving, ondermijning, sociaal domein en omgevingswet."""
    ctx.ensure_object(dict)
    ctx.obj["db"] = db
    ctx.obj["config"] = config
    # A command prints its own Dutch summary (failures included): log records only
    # for errors, unless NIEUWSRADAR_LOG_LEVEL asks for more.
    configure_logging("text", force=False, default_level=logging.ERROR)


# --- sources ------------------------------------------------------------------------------

@main.group()
def sources() -> None:
    """Bronnen beheren: lijst met gezondheid, OPML import en export."""


@sources.command("import-opml")
@click.argument("file", type=click.File("rb"))
@click.pass_context
def import_opml(ctx: click.Context, file: Any) -> None:
    """Voeg de feeds uit een OPML-bestand toe (FILE, of - voor stdin)."""
    radar = open_radar(ctx)
    result = radar.import_opml(file.read(), file.name)
    click.echo(f"{result.added} bronnen toegevoegd, {result.updated} bijgewerkt.")


@sources.command("export-opml")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Bestand (standaard stdout); wordt pas vervangen als alles klaar is.")
@click.pass_context
def export_opml(ctx: click.Context, output: Path | None) -> None:
    """Schrijf alle bronnen als OPML 2.0."""
    data = open_radar(ctx, existing=True).export_opml()
    if output is None or str(output) == "-":
        click.echo(data, nl=False)
    else:
        write_atomically(output, data)


@sources.command("remove")
@click.argument("source_id", type=ROW_ID)
@click.option("--purge", is_flag=True, help="Verwijder ook de opgeslagen items van de bron.")
@click.pass_context
def remove_source(ctx: click.Context, source_id: int, purge: bool) -> None:
    """Verwijder een bron (met --purge ook haar items)."""
    radar = open_radar(ctx, existing=True)
    state, still_listed = radar.remove_source(source_id, purge=purge)
    click.echo(f"Bron {clean(state.spec.name)} verwijderd.")
    if still_listed:
        click.echo(f"Let op: {radar.settings.feeds} noemt deze bron nog; haal haar daar weg, "
                   "anders komt ze bij de volgende update terug.", err=True)


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON in plaats van een tabel.")
@click.option("--feeds", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="feeds.toml om eerst te synchroniseren (standaard ./feeds.toml als die er is).")
@click.pass_context
def list_sources(ctx: click.Context, as_json: bool, feeds: Path | None) -> None:
    """Toon de bronnen met hun gezondheid (laatst ok, laatste fout, volgende controle)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from nieuwsradar import present

    radar = open_radar(ctx, feeds=feeds)
    if not radar.read_only:  # listing a read-only database shows what it holds
        radar.sync_feeds_file()
    states = radar.sources()
    if as_json:
        click.echo(safe_json([present.source_json(s) for s in states]))
        return
    table = Table(title=f"{len(states)} bronnen")
    for col in ("id", "naam", "soort", "items", "laatst ok", "fouten", "laatste fout",
                "volgende controle"):
        table.add_column(col)
    for s in states:
        table.add_row(*(Text(clean(cell)) for cell in (
            s.id, s.spec.name, s.spec.kind, s.item_count, present.short_date(s.last_ok_at),
            s.error_count, (s.last_error or "")[:80], present.short_date(s.next_check_at))))
    Console().print(table)


# --- update -------------------------------------------------------------------------------

@main.command()
@click.option("--all", "all_sources", is_flag=True,
              help="Alle bronnen nu, niet alleen de bronnen die aan de beurt zijn.")
@click.option("--workers", type=click.IntRange(1, 512), default=None,
              help="Aantal gelijktijdige downloads (standaard 32).")
@click.option("--feeds", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="feeds.toml om eerst te synchroniseren (standaard ./feeds.toml als die er is).")
@click.pass_context
def update(ctx: click.Context, all_sources: bool, workers: int | None, feeds: Path | None) -> None:
    """Haal nieuwe items op bij de bronnen die aan de beurt zijn en sla ze op."""
    radar = open_radar(ctx, feeds=feeds)
    if feeds is not None and not feeds.exists():
        raise click.BadParameter(f"{feeds} bestaat niet", param_hint="--feeds")
    radar.sync_feeds_file()
    if radar.model_problem:
        click.echo(f"Let op: items worden niet geclassificeerd: {radar.model_problem}", err=True)
    result = run_with_progress(radar, all_sources=all_sources, workers=workers)
    print_summary(result)


def run_with_progress(radar: Radar, *, all_sources: bool, workers: int | None) -> UpdateResult:
    """Run an update with a rich progress bar when stderr is a terminal."""
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(stderr=True)
    if not console.is_terminal:
        return radar.update(all_sources=all_sources, workers=workers)
    with Progress(TextColumn("bronnen"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=console, transient=True) as bar:
        task = bar.add_task("", total=None)
        return radar.update(
            all_sources=all_sources, workers=workers,
            on_start=lambda n: bar.update(task, total=n),
            progress=lambda r: bar.update(task, advance=1,
                                          description=escape(clean(r.name)[:40])))


def print_summary(result: UpdateResult) -> None:
    """The closing summary of an update: sources ok/failed, items, duplicates, failures."""
    click.echo(
        f"{len(result.sources)} bronnen bijgewerkt in {result.elapsed_s:.1f} s: "
        f"{result.sources_ok} ok, {result.sources_failed} mislukt; "
        f"{result.items_new} nieuwe items, {result.items_updated} gewijzigd, "
        f"{result.duplicates} duplicaten, {result.classified} geclassificeerd.")
    for failure in result.failures:
        error = failure.error or ""
        where = failure.name if failure.url in error else f"{failure.name} ({failure.url})"
        click.echo(f"  mislukt: {clean(where)}: {clean(error)}")


# --- search -------------------------------------------------------------------------------

@main.command("search", context_settings={"ignore_unknown_options": True})
@click.argument("query", nargs=-1, required=True, type=click.UNPROCESSED)
@click.option("--json", "as_json", is_flag=True, help="JSON-uitvoer.")
@click.option("--limit", type=click.IntRange(1, MAX_LIMIT), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True,
              help="Sla zoveel resultaten over (volgende pagina's, tot het maximum aantal "
                   "getelde resultaten).")
@click.option("--sort", type=click.Choice(["relevantie", "datum"]), default="relevantie",
              show_default=True, help="Beste of nieuwste resultaten eerst.")
@click.pass_context
def search_cmd(ctx: click.Context, query: tuple[str, ...], as_json: bool, limit: int,
               offset: int, sort: str) -> None:
    """Zoek in het archief. Voorbeeld: bodycams sinds:2022 domein:handhaving -boa

    Een woord met een - ervoor sluit items met dat woord uit."""
    from nieuwsradar import present
    from nieuwsradar.core import COUNT_CAP, SearchRequest

    if offset > COUNT_CAP:  # checked here: the facade is imported when a command runs
        raise click.BadParameter(f"{offset} is meer dan {COUNT_CAP}", param_hint="'--offset'")
    radar = open_radar(ctx, existing=True)
    found = radar.find(SearchRequest(text=" ".join(query), limit=limit, offset=offset,
                                     sort="date" if sort == "datum" else "relevance"))
    for warning in found.warnings:
        click.echo(f"Let op: {clean(warning)}", err=True)
    if as_json:
        click.echo(safe_json({
            "total": found.total, "more": found.more, "warnings": found.warnings,
            "facets_over": found.facets_over,
            "facets": {key: [{"value": f.value, "name": f.name, "count": f.count}
                             for f in counts] for key, counts in found.facets.items()},
            "hits": [
                {"id": h.item.id, "title": h.item.title, "url": h.item.url,
                 "source": h.item.source_name, "published_at": h.item.published_at.isoformat(),
                 "labels": sorted({lab.label for lab in h.item.labels}), "rank": h.rank,
                 "snippet": present.plain_snippet(h.snippet)} for h in found.hits]}))
        return
    click.echo(present.count_text(found.total, found.more))
    for hit in found.hits:
        labels = ", ".join(sorted({lab.label for lab in hit.item.labels})) or "overig"
        date = present.local(hit.item.published_at).date().isoformat()
        click.echo(f"\n{date}  {clean(hit.item.title)}  [{clean(labels)}]")
        click.echo(f"  {clean(hit.item.source_name)} — {clean(hit.item.url)}")
        click.echo(f"  {clean(present.plain_snippet(hit.snippet, '[', ']'))}")


# --- labels and reclassify ----------------------------------------------------------------

@main.command("label")
@click.argument("item_id", type=ROW_ID)
@click.argument("labels", nargs=-1)
@click.pass_context
def label_cmd(ctx: click.Context, item_id: int, labels: tuple[str, ...]) -> None:
    """Corrigeer de domeinen van een item (geen labels = overig). Wint van het model."""
    item = open_radar(ctx, existing=True).set_human_labels(item_id, labels)
    human = sorted({lab.label for lab in item.labels if lab.origin == "human"})
    click.echo(f"item {item.id}: {clean(', '.join(human)) or 'overig'} (door mens)")


@main.command("delete")
@click.argument("item_id", type=ROW_ID)
@click.pass_context
def delete_cmd(ctx: click.Context, item_id: int) -> None:
    """Verwijder een item; het komt bij volgende updates niet terug."""
    item = open_radar(ctx, existing=True).delete_item(item_id)
    click.echo(f"item {item.id} verwijderd: {clean(item.title)}")


@main.command("reclassify")
@click.pass_context
def reclassify_cmd(ctx: click.Context) -> None:
    """Classificeer het hele archief opnieuw met het huidige model (na train)."""
    count = open_radar(ctx, existing=True).reclassify()
    click.echo(f"{count} items opnieuw geclassificeerd.")


# --- demo ---------------------------------------------------------------------------------

@main.command("demo")
@click.option("--no-serve", is_flag=True, help="Alleen inlezen en samenvatten, daarna stoppen.")
@click.option("--port", type=click.IntRange(0, 65535), default=0,
              help="Poort van de lokale demobronnen (0 = vrije poort).")
@click.option("--web-port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Poort van de webapp (0 = vrije poort).")
@click.pass_context
def demo_cmd(ctx: click.Context, no_serve: bool, port: int, web_port: int) -> None:
    """Draai nieuwsradar offline op de meegeleverde demobronnen."""
    from nieuwsradar.demo import run_demo

    db = ctx.obj["db"]
    if ctx.find_root().get_parameter_source("db") == click.core.ParameterSource.DEFAULT:
        db = Path(DEMO_DB)
    ctx.exit(run_demo(db, serve=not no_serve, port=port, web_port=web_port, echo=click.echo))


main.add_command(classify_cmd)
main.add_command(train_cmd)
main.add_command(evaluate_cmd)
main.add_command(members_cmd)
main.add_command(digest_cmd)
main.add_command(trends_cmd)
main.add_command(report_cmd)
main.add_command(users_cmd)
main.add_command(serve_cmd)
main.add_command(review_cmd)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
