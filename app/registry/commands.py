"""`flask registry ...`: import and export the interchange folder, seed demo data."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.registry import interchange, seed

registry_cli = AppGroup("registry", help="Import, export and seed the foreign-mission registry.")


@registry_cli.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def import_command(folder: Path) -> None:
    """Import a registry folder (missions, persons, cards, vehicles CSV): all or nothing."""
    try:
        counts = interchange.import_folder(folder, Path(current_app.instance_path), progress=True)
    except interchange.ImportFailed as failure:
        for problem in failure.problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"import rejected: {len(failure.problems)} problem(s); nothing was changed") from None
    click.echo(f"imported {counts}")


@registry_cli.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def export_command(folder: Path) -> None:
    """Export the registry to a folder in the interchange format."""
    try:
        counts = interchange.export_folder(folder, Path(current_app.instance_path))
    except interchange.ExportFailed as failure:
        raise click.ClickException(str(failure)) from None
    click.echo(f"exported {counts}")


@registry_cli.command("seed-demo")
@click.option("--persons", type=click.IntRange(min=1), default=seed.DEFAULT_PERSONS, show_default=True)
@click.option("--seed", "seed_value", type=int, default=seed.DEFAULT_SEED, show_default=True)
@click.option("--if-empty", is_flag=True, help="Do nothing when the registry already has data.")
def seed_demo_command(persons: int, seed_value: int, if_empty: bool) -> None:
    """Fill the registry with synthetic, clearly fictitious demo data (replaces what is there)."""
    if if_empty and not seed.registry_is_empty():
        click.echo("registry already loaded; demo data not seeded")
        return
    counts = seed.seed_demo(persons=persons, seed=seed_value)
    click.echo(f"seeded {counts}")
