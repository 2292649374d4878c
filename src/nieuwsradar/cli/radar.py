"""Opening the facade for a command: one place for the global --db and --config.

Its own module, so the command modules (users, members, digest, trends, classify) import
it at the top instead of from the group module that imports them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from nieuwsradar.core import Radar


def open_radar(ctx: click.Context, *, existing: bool = False, **overrides: Any) -> Radar:
    """The facade for the global --db, with settings from --config and the environment.

    Commands that only read pass ``existing=True``: a database that does not exist is
    then an error (naming the path), not a new empty file.
    """
    from nieuwsradar.config import Settings
    from nieuwsradar.core import make_radar

    root = ctx.find_root()
    db = None if root.get_parameter_source("db") == click.core.ParameterSource.DEFAULT \
        else ctx.obj["db"]
    settings = Settings.from_env(db=db, config=root.obj.get("config"), **overrides)
    radar = make_radar(settings, create=not existing)
    ctx.call_on_close(radar.close)
    if radar.index_outdated:
        click.echo(f"Let op: {settings.db} is alleen-lezen en de zoekindex is met een andere "
                   "versie gemaakt; zoekresultaten kunnen onvolledig zijn. Open de database "
                   "een keer met schrijfrechten om de index bij te werken.", err=True)
    return radar
