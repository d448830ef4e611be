"""`flask api-tokens ...`: make, list and revoke the JSON API's bearer tokens (SPEC §7)."""

import click
from flask.cli import AppGroup

from app.api import tokens
from app.audit.actor import Actor

api_tokens_cli = AppGroup("api-tokens", help="Manage the JSON API's bearer tokens.")


@api_tokens_cli.command("create")
@click.argument("email")
@click.option("--name", default=None, help="A label, e.g. the system that will use it (CAD, RMS).")
@click.option("--days", type=int, default=None, help="Days until it expires (API_TOKEN_DAYS_DEFAULT by default).")
def create_command(email: str, name: str | None, days: int | None) -> None:
    """Make a token for the user with this EMAIL; it acts with their role. Prints it once, on the last line."""
    try:
        made = tokens.create_token(email, name=name, days=days, actor=Actor.cli())
    except tokens.TokenRequestError as error:
        raise click.ClickException(str(error)) from None
    row = made.row
    click.echo(
        f"token {row.id} '{row.name}' for {row.user.email} ({row.user.role.value}), expires {row.expires_at:%Y-%m-%d}"
    )
    click.echo("It is shown only now; Envoy keeps only its hash. Send it as: Authorization: Bearer <token>")
    click.echo(made.secret)


@api_tokens_cli.command("list")
@click.argument("email", required=False)
def list_command(email: str | None) -> None:
    """List tokens (all, or one user's): id, state, prefix, user, name, expiry, last use."""
    rows = tokens.list_tokens(email)
    for row in rows:
        last = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
        click.echo(
            f"{row.id:>5}  {tokens.state(row):<8} {row.prefix}…  {row.user.email:<30} {row.name:<24} "
            f"expires {row.expires_at:%Y-%m-%d}  last used {last}"
        )
    click.echo(f"{len(rows)} token(s)")


@api_tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_command(token_id: int) -> None:
    """Revoke token TOKEN_ID now: its next call gets 401."""
    try:
        row = tokens.revoke_token(token_id, actor=Actor.cli())
    except tokens.TokenNotFound as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"revoked token {row.id} '{row.name}' of {row.user.email}")
