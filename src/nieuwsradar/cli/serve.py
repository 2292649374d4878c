"""``nieuwsradar serve``: the web app with scheduled polling, as one long-running process."""

from __future__ import annotations

import logging

import click

from nieuwsradar.logsetup import LOG_FORMATS, LogFormat, configure_logging


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Adres waarop de webapp luistert (achter nginx/Apache: 127.0.0.1).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Poort van de webapp (0 = een vrije poort).")
@click.option("--no-scheduler", is_flag=True,
              help="Alleen de webapp; geen bronnen ophalen volgens schema.")
@click.option("--log-format", type=click.Choice(LOG_FORMATS), default="text",
              envvar="NIEUWSRADAR_LOG_FORMAT", show_default=True,
              help="text voor mensen, json (één object per regel) voor logsystemen.")
@click.option("--grace", type=click.FloatRange(0, 3600), default=None,
              help="Seconden die lopende verzoeken en een lopende ophaalronde bij het "
                   "stoppen krijgen (standaard 10).")
@click.pass_context
def serve_cmd(ctx: click.Context, host: str, port: int, no_scheduler: bool,
              log_format: LogFormat, grace: float | None) -> None:
    """Start de webapp en haal de bronnen op volgens schema (stop met Ctrl-C of SIGTERM)."""
    from nieuwsradar.config import Settings
    from nieuwsradar.service import STOP_GRACE_S, serve  # web stack: only when serving

    configure_logging(log_format, default_level=logging.INFO)
    settings = Settings.from_env(db=ctx.obj["db"])
    ctx.exit(serve(settings, host=host, port=port, scheduler=not no_scheduler,
                   grace_s=STOP_GRACE_S if grace is None else grace))
