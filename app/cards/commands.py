"""`flask keys ...` (the card-signing key ring) and `flask cards ...` (a card's verification URL and QR)."""

from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import AppGroup

from app.cards import admin, keyring, tokens

keys_cli = AppGroup("keys", help="Rotate, list and withdraw the card-signing keys. Never prints private keys.")
cards_cli = AppGroup("cards", help="Print a card's verification URL or write its QR code.")


@keys_cli.command("rotate")
@click.option(
    "--from-env",
    is_flag=True,
    help=f"Adopt the key in {keyring.ENV_KID} / {keyring.ENV_PEM} instead of generating one.",
)
@click.option("--if-none", is_flag=True, help="Do nothing when a key already exists (for `make run`).")
def rotate_command(from_env: bool, if_none: bool) -> None:
    """Make a new active signing key; the previous one retires and verifies until its last card expires."""
    if if_none and keyring.list_keys():
        click.echo("a signing key already exists; not rotated")
        return
    try:
        rotation = keyring.rotate(datetime.now(UTC), from_environment=from_env)
    except (keyring.KeyAdminError, tokens.KeyRingError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"active key: {rotation.kid}")
    if rotation.key_file is not None:
        click.echo(f"private key written to {rotation.key_file} (mode 0600)")
    if rotation.retired_kid is not None:
        assert rotation.retired_not_after is not None
        click.echo(f"retired key: {rotation.retired_kid}, verifies until {_when(rotation.retired_not_after)}")


@keys_cli.command("list")
def list_command() -> None:
    """Every key with its status, creation time and end of validity (never private material)."""
    keys = keyring.list_keys()
    if not keys:
        click.echo("no signing keys: run `flask --app wsgi keys rotate`")
        return
    click.echo(f"{'kid':<8}  {'status':<9}  {'created':<16}  {'not_after':<16}  private here")
    for key in keys:
        not_after = _when(key.not_after) if key.not_after else "-"
        click.echo(
            f"{key.kid:<8}  {key.status:<9}  {_when(key.created_at):<16}  {not_after:<16}  "
            f"{'yes' if key.private_here else 'no'}"
        )


@keys_cli.command("withdraw")
@click.argument("kid")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def withdraw_command(kid: str, yes: bool) -> None:
    """Withdraw a compromised key: every card it signed stops verifying at once (key_withdrawn)."""
    if not yes:
        click.confirm(f"Every card signed with key {kid!r} will stop verifying at once. Withdraw it?", abort=True)
    try:
        info = keyring.withdraw(kid, datetime.now(UTC))
    except keyring.KeyAdminError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"withdrawn: {info.kid}")
    if not any(k.status is tokens.KeyStatus.ACTIVE for k in keyring.list_keys()):
        click.echo("no active key is left: run `flask --app wsgi keys rotate` before printing cards", err=True)


@cards_cli.command("token")
@click.argument("card_number")
def token_command(card_number: str) -> None:
    """Print the verification URL (BASE_URL/v/<token>) of the card's current print."""
    try:
        click.echo(admin.card_url(card_number, datetime.now(UTC)))
    except (admin.NotFound, admin.CardAdminError, tokens.KeyRingError, ValueError) as error:
        raise click.ClickException(str(error)) from None


@cards_cli.command("qr")
@click.argument("card_number")
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="FILE.png or FILE.svg"
)
def qr_command(card_number: str, out: Path) -> None:
    """Write the card's QR code to FILE (PNG at 300 dpi or SVG in mm, by the file's extension)."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise click.BadParameter("the file must end in .png or .svg", param_hint="--out")
    try:
        data = admin.qr_image(card_number, fmt, datetime.now(UTC))
    except (admin.NotFound, admin.CardAdminError, tokens.KeyRingError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    out.write_bytes(data)
    click.echo(f"wrote {out} ({len(data)} bytes)")


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
