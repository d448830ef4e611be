"""`flask incidents ...`: the demo incident history for development."""

import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.incidents import demo_seed

incidents_cli = AppGroup("incidents", help="Incidents filed from the field.")


@incidents_cli.command("seed-demo")
@click.option("--seed", "seed_value", type=int, default=demo_seed.DEFAULT_SEED, show_default=True)
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when there are incidents already.")
def seed_demo_command(seed_value: int, if_empty: bool) -> None:
    """Add a history of demo incidents over the last 24 months, about the demo registry (development only).

    Only into an empty desk: filed incidents are never replaced.
    """
    if current_app.config["ENVOY_ENV"] == "production":
        raise click.ClickException("incidents seed-demo is for development only; refused because ENVOY_ENV=production")
    if demo_seed.incidents_exist():
        if if_empty:
            click.echo("incidents already filed; demo incident history not seeded")
            return
        raise click.ClickException("there are incidents already; the demo history is only added to an empty desk")
    started = time.monotonic()
    try:
        count = demo_seed.seed_demo_incidents(seed_value)
    except demo_seed.DemoRegistryMissing as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"seeded {count} demo incidents in {time.monotonic() - started:.1f} s")
