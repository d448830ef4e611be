"""`flask registry ...`: import and export the interchange folder, seed demo data, record driving points."""

from datetime import date, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.registry import driving, interchange, seed

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
        raise click.ClickException(
            f"import rejected: {len(failure.problems)} problem(s); nothing was changed"
        ) from None
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
    counts = seed.seed_demo(persons=persons, seed=seed_value, instance_path=Path(current_app.instance_path))
    click.echo(f"seeded {counts}")


@registry_cli.command("points")
@click.argument("person_id")
@click.argument("points", type=int)
@click.option("--on", "violation_on", type=click.DateTime(["%Y-%m-%d"]), required=True, help="The violation's date.")
@click.option("--reference", required=True, help="The citation, incident or OFM case the points come from.")
def points_command(person_id: str, points: int, violation_on: datetime, reference: str) -> None:
    """Add confirmed points for one violation to a person's OFM driving record (audited)."""
    today = date.today()
    try:
        driving.record_points(person_id, points, violation_on.date(), reference, today)
    except driving.DrivingRecordError as error:
        raise click.ClickException(f"{error}; nothing was recorded") from None
    status = driving.statuses([person_id], today).get(person_id)
    summary = f"{status.points} points in two years: {status.level}" if status else "no points in the last two years"
    click.echo(f"recorded {points} points for {person_id}; driving record now {summary}")
