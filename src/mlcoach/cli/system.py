"""`mlcoach config` and `mlcoach db`."""

from __future__ import annotations

import typer
from rich.table import Table

from mlcoach.cli.context import ctx
from mlcoach.cli.output import console, print_json

db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


def config(as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts.")) -> None:
    """Show the settings in force and where each value came from."""
    settings = ctx.settings
    if as_json:
        print_json(
            {
                name: {"value": s.value, "source": s.source, "description": s.description}
                for name, s in settings.sources.items()
            }
        )
        return
    table = Table(title="Settings in force", title_justify="left")
    table.add_column("setting", style="bold")
    table.add_column("value")
    table.add_column("from", style="dim")
    for name, s in settings.sources.items():
        table.add_row(
            f"MLCOACH_{name.upper()}", s.value if s.value is not None else "(none)", s.source
        )
    console.print(table)
    where = settings.config_file or settings.data_dir / "config.toml"
    state = "read" if settings.config_file else "not present"
    console.print(f"config file: {where} ({state})", style="dim")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply any pending migrations to the database."""
    from mlcoach.store import Database

    settings = ctx.settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.database_url, migrate=False)
    before, after = database.upgrade()
    if before == after:
        console.print(f"database is up to date (revision {after})")
    else:
        console.print(f"database migrated from {before or 'empty'} to {after}")


@db_app.command("status")
def db_status() -> None:
    """Show the database URL and its schema revision."""
    from mlcoach.store import Database

    database = Database(ctx.settings.database_url, migrate=False)
    current, head = database.current_revision(), database.head_revision()
    console.print(f"database: {database.display_url}")
    console.print(f"revision: {current or 'empty'} (newest: {head})")
